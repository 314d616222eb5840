/**
 * For a host started by a wrapper over an IPC channel (bin/workbench.js and scripts/start.mjs
 * start node once more with the product's V8 flags): the channel closes when the wrapper dies,
 * even by SIGKILL, and the host must not live on without it (a web host would go on serving,
 * re-parented, with no one to stop it). It then stops as if told to with SIGTERM, or exits
 * after 10 s if that hangs. The channel itself does not keep the process alive.
 */
export function exitWithParent(): void {
  if (!process.channel) return;
  process.once('disconnect', () => {
    setTimeout(() => process.exit(1), 10_000).unref();
    process.kill(process.pid, 'SIGTERM');
  });
  process.channel.unref();
}
