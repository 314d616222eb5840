import type { WebContents } from 'electron';

/**
 * The Editor's beforeunload objects while files are unsaved. A browser then asks the user;
 * Electron does not: it silently keeps the window open. So ask here, and let the window close
 * (preventDefault on this event overrides the page's objection) only when the user says so.
 */
export function askBeforeUnload(contents: Pick<WebContents, 'on'>, ask: () => boolean): void {
  contents.on('will-prevent-unload', (event) => {
    if (ask()) event.preventDefault();
  });
}
