import type { ReactNode } from 'react';

/**
 * A link to a web page outside the app. It only ever asks for a new window: in Electron the
 * window-open handler denies it and hands the URL to the one safeOpenExternal (http(s) only,
 * src/main/shell), and the browser workbench opens a new tab. Never window.open or navigation.
 */
export function ExternalLink({ href, children, title }: { href: string; children: ReactNode; title?: string }) {
  return (
    <a href={href} target="_blank" rel="noopener noreferrer" title={title}>
      {children}
    </a>
  );
}
