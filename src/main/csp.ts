/**
 * The Content-Security-Policy both UI hosts serve: only our own bundled code runs (Monaco's
 * workers included, which Vite emits as files); styles may be inline because Monaco and
 * React set them at run time; the page may connect to the given WebSocket origins only.
 */
export function contentSecurityPolicy(options: { connect?: string[] } = {}): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src 'self'${options.connect?.length ? ` ${options.connect.join(' ')}` : ''}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
