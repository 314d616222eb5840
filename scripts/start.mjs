// `npm start`: the desktop app where the Electron binary is present, else the browser
// workbench (same core, same UI) with one line saying why.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
// The product's V8 flags (see bin/node-flags.json). Electron's main process takes them only as
// --js-flags at startup: app.commandLine.appendSwitch('js-flags') would reach renderers alone.
const { flags } = createRequire(import.meta.url)('../bin/node-flags.json');

/**
 * The installed Electron binary, found the way the electron package finds it (path.txt
 * names it inside dist/), without requiring the package: that would start a download of
 * the binary, which hangs or fails on a machine without internet.
 */
function electronBinary() {
  let packageDir;
  try {
    packageDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return undefined;
  }
  const pathFile = join(packageDir, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const relative = readFileSync(pathFile, 'utf8').trim();
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH || join(packageDir, 'dist');
  const binary = join(distDir, relative);
  return existsSync(binary) ? binary : undefined;
}

const binary = electronBinary();
const child = binary
  ? spawn(binary, [`--js-flags=${flags.join(' ')}`, root, ...args], { stdio: 'inherit' })
  : (console.log('Electron is not available on this machine; starting the browser workbench instead.'),
    // The IPC channel ends the host when this process dies, even by SIGKILL (src/main/exit-with-parent.ts).
    spawn(process.execPath, [...flags, join(root, 'out/main/web.js'), ...args], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] }));

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
