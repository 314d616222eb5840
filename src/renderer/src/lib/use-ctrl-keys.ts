import { useEffect, useRef } from 'react';

/** A modal dialog is open: the page behind it must not react to keys meant for the question. */
const dialogOpen = () => document.querySelector('dialog[open]') !== null;

/**
 * Ctrl+key (Cmd+key on macOS) shortcuts while the component is mounted, keyed by the lower-case
 * key ('u', 'enter'). A handler that returns false leaves the key to the browser (e.g. nothing to
 * act on), so a shortcut only takes a browser default away when it does something.
 */
export function useCtrlKeys(handlers: Record<string, () => boolean | void>): void {
  // The latest handlers, without re-adding the listener at every render.
  const current = useRef(handlers);
  useEffect(() => {
    current.current = handlers;
  });
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey || event.defaultPrevented || dialogOpen()) return;
      const handler = current.current[event.key.toLowerCase()];
      if (handler && handler() !== false) event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
