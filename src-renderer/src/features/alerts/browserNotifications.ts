import type { Alert } from '../../../../src-shared/contract/alertsContract';
import { alertNotificationText } from '../../../../src-shared/contract/alertText';

/** Whether this page may show desktop notifications: the browser's Notification permission. */
export type NotificationPermissionState = 'unsupported' | NotificationPermission;

export function notificationPermission(): NotificationPermissionState {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Asks the browser for permission; must run from a user gesture (a click) to be shown. */
export async function requestNotificationPermission(): Promise<NotificationPermissionState> {
  if (typeof Notification === 'undefined') return 'unsupported';
  return Notification.requestPermission();
}

/**
 * Shows one alert as a browser desktop notification (web shell only: in the desktop app main
 * shows it with Electron's Notification). A click brings the console forward on the Alerts page.
 */
export function showBrowserNotification(alert: Alert, deviceLabel: string): void {
  if (notificationPermission() !== 'granted') return;
  const { title, body } = alertNotificationText(alert, deviceLabel);
  const notification = new Notification(title, { body, tag: `nice-alert-${alert.id}` });
  notification.onclick = () => {
    window.focus();
    location.hash = '#/alerts';
    notification.close();
  };
}
