import type { Session, WebContents } from 'electron';
import { contentSecurityPolicy } from '../csp.ts';

/**
 * Locks the window's contents down: no new windows (http(s) links go to the system browser
 * through safeOpenExternal), no navigation away from the app, no <webview>, every
 * permission request (camera, notifications prompt, geolocation ...) denied, and the CSP
 * sent as a header on every response.
 */
export function hardenContents(contents: WebContents, safeOpenExternal: (url: string) => Promise<boolean>): void {
  contents.setWindowOpenHandler(({ url }) => {
    void safeOpenExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy()] },
    });
  });
}
