/**
 * Copy and paste for the terminal. The async Clipboard API is tried first; where it is
 * refused (Electron denies clipboard permissions by default, http pages lack it) copying falls
 * back to execCommand on a throwaway textarea, which needs only the user's key press or click.
 * Reading has no such fallback: the caller tells the user to press Ctrl+Shift+V, which makes
 * the browser deliver a native paste event to xterm without any permission.
 */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    /* fall back below */
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  const previous = document.activeElement as HTMLElement | null;
  area.select();
  try {
    if (!document.execCommand('copy')) throw new Error('The clipboard refused the text.');
  } finally {
    area.remove();
    previous?.focus();
  }
}

export async function readClipboard(): Promise<string> {
  if (!navigator.clipboard?.readText) throw new Error('Reading the clipboard is not allowed here; press Ctrl+Shift+V to paste.');
  try {
    return await navigator.clipboard.readText();
  } catch {
    throw new Error('Reading the clipboard is not allowed here; press Ctrl+Shift+V to paste.');
  }
}
