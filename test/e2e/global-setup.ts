import { execFileSync } from 'node:child_process';

/** The e2e tests drive the built app; `npm test` builds first and says so, a lone run builds here. */
export default function setup(): void {
  if (process.env['WORKBENCH_E2E_BUILT'] === '1') return;
  execFileSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
}
