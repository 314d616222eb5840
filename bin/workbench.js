#!/usr/bin/env node
// The `workbench` command: the built command-line host (run `npm run build` first).
const { spawn } = require('node:child_process');
const { flags } = require('./node-flags.json');

if (flags.every((flag) => process.execArgv.includes(flag))) {
  require('../out/main/cli.js');
} else {
  // V8 takes heap flags only at startup (v8.setFlagsFromString is too late for the heap's
  // sizes), so start once more with them, whichever way this file was run. The IPC channel
  // ends the host when this process dies, even by SIGKILL (src/main/exit-with-parent.ts).
  const child = spawn(process.execPath, [...flags, ...process.execArgv, __filename, ...process.argv.slice(2)], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
  // Ctrl-C reaches the child from the terminal itself (same process group); passing it on too
  // would interrupt it twice. Termination sent to this process alone is passed on.
  process.on('SIGINT', () => undefined);
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => {
    console.error(`workbench: could not start node: ${err.message}`);
    process.exitCode = 1;
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exitCode = code ?? 1;
  });
}
