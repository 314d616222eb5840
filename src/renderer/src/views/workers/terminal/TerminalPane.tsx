import { useEffect, useRef, useState } from 'react';
import { readClipboard } from '../../../lib/clipboard.ts';
import type { TerminalStore } from './terminal-store.ts';
import { TerminalMenu } from './TerminalMenu.tsx';
import { errorMessage } from '../../../lib/errors.ts';

/**
 * One tab's screen. The xterm instance belongs to the store; this only lends it a container,
 * keeps it fitted (ResizeObserver -> fit -> terminal:resize, once per frame) and offers the
 * context menu.
 */
export function TerminalPane({ store, tabKey, active, label }: { store: TerminalStore; tabKey: string; active: boolean; label: string }) {
  const container = useRef<HTMLDivElement>(null);
  const [menu, setMenu] = useState<{ x: number; y: number }>();
  const [notice, setNotice] = useState<string>();

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    store.attach(tabKey, element);
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => store.fit(tabKey));
    });
    observer.observe(element);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
      store.detach(tabKey);
    };
  }, [store, tabKey]);

  // A tab that becomes visible gets its size (it had none while hidden) and the keyboard.
  useEffect(() => {
    if (!active) return;
    store.fit(tabKey);
    store.focus(tabKey);
  }, [active, store, tabKey]);

  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(undefined), 4000);
    return () => clearTimeout(timer);
  }, [notice]);

  const paste = async () => {
    try {
      store.paste(tabKey, await readClipboard());
    } catch (err) {
      setNotice(errorMessage(err));
    }
  };

  const copy = async () => {
    try {
      if (!(await store.copy(tabKey))) setNotice('Select some text first.');
    } catch (err) {
      setNotice(errorMessage(err));
    }
  };

  return (
    <div
      className="terminal-pane"
      role="tabpanel"
      id={`panel-${tabKey}`}
      aria-labelledby={`tab-${tabKey}`}
      hidden={!active}
      onContextMenu={(event) => {
        event.preventDefault();
        const box = event.currentTarget.getBoundingClientRect();
        // From the keyboard (Menu key, Shift+F10) there is no pointer: open at the top left.
        const fromKeyboard = event.clientX === 0 && event.clientY === 0;
        setMenu({ x: fromKeyboard ? 8 : event.clientX - box.left, y: fromKeyboard ? 8 : event.clientY - box.top });
      }}
    >
      <div className="terminal-container" ref={container} aria-label={label} data-testid="terminal" />
      {menu && (
        <TerminalMenu
          x={menu.x}
          y={menu.y}
          canCopy={store.hasSelection(tabKey)}
          onClose={() => {
            setMenu(undefined);
            store.focus(tabKey);
          }}
          actions={{
            copy: () => void copy(),
            paste: () => void paste(),
            selectAll: () => store.selectAll(tabKey),
            clear: () => store.clear(tabKey),
          }}
        />
      )}
      {notice && (
        <div className="terminal-notice" role="status">
          {notice}
        </div>
      )}
    </div>
  );
}
