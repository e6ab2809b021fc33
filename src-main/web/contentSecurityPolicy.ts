/**
 * The policy the web shell sends with every response. It matches the meta tag in
 * src-renderer/index.html (which Electron's file:// page relies on) plus the directives a meta
 * tag cannot carry. No inline or eval'd script, no remote origin of any kind.
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "media-src 'self' blob: mediastream:",
  "worker-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
  "frame-ancestors 'none'",
].join('; ');
