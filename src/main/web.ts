import { join } from 'node:path';
import { runWebHost } from './web-host.ts';

// Entry of the browser workbench (`npm run web`, `node out/main/web.js`). Entries are built
// into out/main, so the renderer is found beside them (shared chunks live a level deeper).
runWebHost(process.argv.slice(2), join(__dirname, '../renderer')).catch((err: unknown) => {
  console.error(`workbench web: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
