import { builtPaths } from './built-paths.ts';
import { exitWithParent } from './exit-with-parent.ts';
import { runWebHost } from './web-host.ts';

// Entry of the browser workbench (`npm run web`, `node out/main/web.js`).
exitWithParent();
runWebHost(process.argv.slice(2), builtPaths(__dirname)).catch((err: unknown) => {
  console.error(`workbench web: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
