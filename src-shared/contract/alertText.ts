import type { Alert } from './alertsContract';

/**
 * Title and body of an alert's desktop notification: the same words whether Electron (main) or
 * the browser (web shell) shows it. `deviceLabel` is the name the console shows for the device.
 */
export function alertNotificationText(alert: Alert, deviceLabel: string): { title: string; body: string } {
  const what = alert.itemTypes.length > 0 ? alert.itemTypes.join(', ') : (alert.eventType ?? 'SceneMark');
  const probability = alert.probability === null ? '' : ` (${Math.round(alert.probability * 100)} %)`;
  return {
    title: `Alert: ${alert.ruleName}`,
    body: `${what}${probability} on ${deviceLabel} · node ${alert.nodeId}`,
  };
}
