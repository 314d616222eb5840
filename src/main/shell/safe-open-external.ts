/**
 * The one way the app opens anything outside itself: http(s) URLs only, handed to the
 * system browser. Every other scheme (file:, javascript:, custom protocol handlers that
 * could launch programs) is refused. Direct `shell.openExternal` is banned by lint.
 */
export function isSafeExternalUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '' && url.username === '' && url.password === '';
}

export function createSafeOpenExternal(openExternal: (url: string) => Promise<void>) {
  return async function safeOpenExternal(raw: string): Promise<boolean> {
    if (!isSafeExternalUrl(raw)) return false;
    await openExternal(new URL(raw).toString());
    return true;
  };
}
