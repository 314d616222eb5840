import { app, BrowserWindow, dialog, ipcMain, Notification, safeStorage, session, shell } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { showExpiryNotifications } from './shell/expiry-notifications.ts';
import { showScheduleNotifications } from './shell/schedule-notifications.ts';
import { hardenContents, hardenSession } from './shell/harden.ts';
import { registerIpc } from './shell/ipc.ts';
import { createSafeOpenExternal } from './shell/safe-open-external.ts';
import { mainWindowOptions } from './shell/window.ts';
import { askBeforeUnload } from './shell/unsaved-work.ts';
import { builtPaths } from './built-paths.ts';
import { createWorkbench } from './workbench.ts';

/**
 * The Electron host: lifecycle, the one window and its security settings. Everything the
 * app does lives in the workbench core, shared with the browser and command-line hosts.
 */

// Only one instance owns the data dir at a time.
if (!app.requestSingleInstanceLock()) app.quit();

// eslint-disable-next-line no-restricted-properties -- the one sanctioned use, wrapped by the URL check
const safeOpenExternal = createSafeOpenExternal((url) => shell.openExternal(url));

// electron-vite sets this in development only; production loads the bundled page.
const devUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined;
const appUrl = devUrl ?? pathToFileURL(join(__dirname, '../renderer/index.html')).toString();

let mainWindow: BrowserWindow | undefined;

app.on('web-contents-created', (_event, contents) => hardenContents(contents, safeOpenExternal));

app.on('second-instance', () => {
  if (mainWindow?.isMinimized()) mainWindow.restore();
  mainWindow?.focus();
});

app.on('window-all-closed', () => app.quit());

export const ready = app.whenReady().then(async () => {
  hardenSession(session.defaultSession);
  const workbench = await createWorkbench({
    dataDir: app.getPath('userData'),
    host: 'electron',
    // Packaged, resources/ is shipped beside app.asar (electron-builder extraResources).
    resourcesDir: app.isPackaged ? join(process.resourcesPath, 'resources') : builtPaths(__dirname).resourcesDir,
    safeStorage,
  });
  const window = new BrowserWindow(mainWindowOptions(join(__dirname, '../preload/index.js')));
  mainWindow = window;
  const unregister = registerIpc(ipcMain, workbench, window.webContents, () => appUrl);
  const stopNotifications = showExpiryNotifications(workbench.bus, Notification, () => {
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  // A click brings the window forward, where the alert's banner links to the job's history.
  const stopScheduleNotifications = showScheduleNotifications(workbench.bus, Notification, workbench.schedules.recentAlerts(), () => {
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  window.once('ready-to-show', () => window.show());
  askBeforeUnload(
    window.webContents,
    () =>
      dialog.showMessageBoxSync(window, {
        type: 'warning',
        buttons: ['Leave without saving', 'Stay'],
        defaultId: 1,
        cancelId: 1,
        message: 'Files in the Editor have unsaved changes.',
        detail: 'Leave and lose them, or stay and save them first (Ctrl+S).',
      }) === 0,
  );
  window.on('closed', () => {
    unregister();
    stopNotifications();
    stopScheduleNotifications();
    mainWindow = undefined;
    void workbench.close();
  });
  await window.loadURL(appUrl);
});
