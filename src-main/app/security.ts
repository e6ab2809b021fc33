import { app, session, type WebContents } from 'electron';
import type { Logger } from '../core/util/logger';
import type { RendererLocation } from './rendererLocation';

/**
 * Applies the Electron security checklist to every web contents and session: no navigation
 * away from our page, no new windows, no webviews, and every permission request denied (the
 * console needs none: WebRTC playback asks for no device).
 */
export function hardenApp(location: RendererLocation, logger: Logger): void {
  const deny = (kind: string, target: string): void =>
    logger.log('warn', 'security', `blocked ${kind}: ${target}`);

  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) => {
    deny('permission request', permission);
    callback(false);
  });
  session.defaultSession.setPermissionCheckHandler(() => false);

  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-navigate', (event, url) => {
      if (!location.isOwnUrl(url)) {
        event.preventDefault();
        deny('navigation', url);
      }
    });
    contents.on('will-redirect', (event, url) => {
      if (!location.isOwnUrl(url)) {
        event.preventDefault();
        deny('redirect', url);
      }
    });
    contents.on('will-attach-webview', (event) => {
      event.preventDefault();
      deny('webview', contents.getURL());
    });
    contents.setWindowOpenHandler(({ url }) => {
      deny('window.open', url);
      return { action: 'deny' };
    });
  });
}
