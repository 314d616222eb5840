import type { ITheme } from '@xterm/xterm';

const ANSI_NAMES = [
  'black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white',
  'brightBlack', 'brightRed', 'brightGreen', 'brightYellow', 'brightBlue', 'brightMagenta', 'brightCyan', 'brightWhite',
] as const;

/**
 * The terminal's colours from the app's CSS variables, so it follows the light/dark theme
 * with the same palette as the log view (components.css defines --ansi-0..15 per theme).
 */
export function terminalTheme(root: HTMLElement = document.documentElement): ITheme {
  const style = getComputedStyle(root);
  const css = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const dark = root.dataset['theme'] === 'dark';
  const theme: ITheme = {
    background: css('--bg', dark ? '#1e1f22' : '#ffffff'),
    foreground: css('--fg', dark ? '#e6e6e6' : '#1f2328'),
    cursor: css('--accent', '#0b63ce'),
    cursorAccent: css('--bg', '#ffffff'),
    selectionBackground: dark ? 'rgba(76, 155, 255, 0.35)' : 'rgba(11, 99, 206, 0.25)',
  };
  ANSI_NAMES.forEach((name, index) => {
    const value = style.getPropertyValue(`--ansi-${index}`).trim();
    if (value) theme[name] = value;
  });
  return theme;
}

/** Calls `apply` whenever <html data-theme> changes; returns the unsubscribe. */
export function onThemeChange(apply: () => void): () => void {
  const observer = new MutationObserver(apply);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  return () => observer.disconnect();
}
