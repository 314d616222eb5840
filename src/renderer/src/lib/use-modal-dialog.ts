import { useEffect, useRef, type DependencyList, type RefObject, type SyntheticEvent } from 'react';

/**
 * Opens a native <dialog> as a modal while the component is mounted: it traps focus, and closing
 * returns focus to where it was, so every question in the app is keyboard accessible the same way.
 * `focus` gets the focus when it opens (the harmless choice: a stray Enter must not destroy
 * anything); `openKey` opens it again, with the focus back there, when the question changes.
 */
export function useModalDialog(focus?: RefObject<HTMLElement | null>, openKey: DependencyList = []): RefObject<HTMLDialogElement | null> {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    focus?.current?.focus();
    return () => dialog.close();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- openKey is the caller's own dependency list
  }, openKey);
  return ref;
}

/**
 * The dialog's onCancel (Escape): React, not the browser, decides whether it goes away.
 * Without `onEscape` Escape does nothing, for a question that must be answered.
 */
export function escapeWith(onEscape?: () => void): (event: SyntheticEvent<HTMLDialogElement>) => void {
  return (event) => {
    event.preventDefault();
    onEscape?.();
  };
}
