import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where the window loads the renderer from, and how to recognise frames of ours. */
export interface RendererLocation {
  /** What BrowserWindow.loadURL gets. */
  url: string;
  /** True for a URL served by the renderer we loaded (same origin, or our index.html file). */
  isOwnUrl(url: string): boolean;
}

/**
 * electron-vite dev sets ELECTRON_RENDERER_URL to its dev server; a build loads
 * out/renderer/index.html from disk. Only those pages may talk to main.
 */
export function resolveRendererLocation(mainDir: string, devServerUrl: string | undefined): RendererLocation {
  if (devServerUrl) {
    const origin = new URL(devServerUrl).origin;
    return { url: devServerUrl, isOwnUrl: (url) => URL.canParse(url) && new URL(url).origin === origin };
  }
  const indexUrl = pathToFileURL(join(mainDir, '..', 'renderer', 'index.html'));
  return {
    url: indexUrl.href,
    isOwnUrl: (url) =>
      URL.canParse(url) && new URL(url).pathname === indexUrl.pathname && url.startsWith('file:'),
  };
}
