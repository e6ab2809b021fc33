import { Notification, type BrowserWindow } from 'electron';
import { alertNotificationText } from '../../src-shared/contract/alertText';
import type { Disposable } from '../core/util/disposable';
import type { AlertService } from '../services/alerts/alertService';

/**
 * Shows each raised alert as an Electron desktop notification (the renderer shows none in the
 * desktop app); a click brings the window forward on the Alerts page.
 */
export function showAlertNotifications(
  alerts: AlertService,
  deviceLabel: (deviceId: string | null) => string,
  window: () => BrowserWindow | undefined,
): Disposable {
  return alerts.onDidRaise((alert) => {
    if (!Notification.isSupported()) return;
    const notification = new Notification(alertNotificationText(alert, deviceLabel(alert.deviceId)));
    notification.on('click', () => {
      const target = window();
      if (!target) return;
      if (target.isMinimized()) target.restore();
      target.focus();
      void target.webContents.executeJavaScript("location.hash = '#/alerts'");
    });
    notification.show();
  });
}
