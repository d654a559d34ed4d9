// The Content-Security-Policy of the renderer, in one place: the browser-mode server sends it as a
// header and renderer/index.html carries the same text in a <meta> tag (Electron loads the page from
// file://, where there are no headers). A unit test checks the two copies are identical.
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // React Flow positions nodes with inline style attributes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  // 'self' covers the browser-mode WebSocket on the same host and port.
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** The header form adds what a <meta> tag can't carry (browsers ignore frame-ancestors there). */
export const CONTENT_SECURITY_POLICY_HEADER = `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`;
