import { useEffect, useRef, type KeyboardEvent } from 'react';

interface Actions {
  copy(): void;
  paste(): void;
  selectAll(): void;
  clear(): void;
}

/** The terminal's context menu: arrow keys move, Enter picks, Escape or a click outside closes. */
export function TerminalMenu({ x, y, canCopy, actions, onClose }: { x: number; y: number; canCopy: boolean; actions: Actions; onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const items: { label: string; shortcut?: string; disabled?: boolean; run: () => void }[] = [
    { label: 'Copy', shortcut: 'Ctrl+Shift+C', disabled: !canCopy, run: actions.copy },
    { label: 'Paste', shortcut: 'Ctrl+Shift+V', run: actions.paste },
    { label: 'Select all', run: actions.selectAll },
    { label: 'Clear', run: actions.clear },
  ];

  // The latest onClose, for the document listener that is added once.
  const closeRef = useRef(onClose);
  useEffect(() => {
    closeRef.current = onClose;
  }, [onClose]);

  useEffect(() => {
    ref.current?.querySelector<HTMLButtonElement>('button:not([disabled])')?.focus();
    const onPointer = (event: PointerEvent) => {
      if (!ref.current?.contains(event.target as Node)) closeRef.current();
    };
    document.addEventListener('pointerdown', onPointer, true);
    return () => document.removeEventListener('pointerdown', onPointer, true);
  }, []);

  const onKeyDown = (event: KeyboardEvent) => {
    const buttons = [...(ref.current?.querySelectorAll<HTMLButtonElement>('button:not([disabled])') ?? [])];
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (event.key === 'Escape' || event.key === 'Tab') {
      event.preventDefault();
      onClose();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      buttons[(index + step + buttons.length) % buttons.length]?.focus();
    }
  };

  return (
    <div ref={ref} className="terminal-menu" role="menu" aria-label="Terminal" style={{ left: x, top: y }} onKeyDown={onKeyDown}>
      {items.map((item) => (
        <button
          key={item.label}
          type="button"
          role="menuitem"
          disabled={item.disabled}
          onClick={() => {
            item.run();
            onClose();
          }}
        >
          <span>{item.label}</span>
          {item.shortcut && <span className="muted small">{item.shortcut}</span>}
        </button>
      ))}
    </div>
  );
}
