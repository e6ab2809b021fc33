/** Where a policy is delivered: a response header can carry every directive, a meta tag not all. */
export interface PolicyOptions {
  /** `<meta>` delivery ignores frame-ancestors (and Chromium warns about it). */
  meta?: boolean;
  /** Vite's dev server injects `<style>` tags and talks to its HMR socket. */
  devServer?: boolean;
}

/**
 * The console's Content Security Policy, one source for the web shell's header and the meta
 * tag built into the renderer's index.html (which Electron's file:// page relies on). No
 * inline or eval'd script and no remote origin of any kind, in either shell.
 */
export function contentSecurityPolicy(options: PolicyOptions = {}): string {
  const directives = [
    "default-src 'none'",
    "script-src 'self'",
    options.devServer ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    options.devServer ? "connect-src 'self' ws://localhost:* ws://127.0.0.1:*" : "connect-src 'self'",
    "media-src 'self' blob: mediastream:",
    "worker-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
  ];
  if (!options.meta) directives.push("frame-ancestors 'none'");
  return directives.join('; ');
}
