import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { Alert, AlertRule, AlertRuleInput } from '../../../../src-shared/contract/alertsContract';
import type { ListFacetsResponse } from '../../../../src-shared/contract/sceneMarksContract';
import type { ContractError } from '../../../../src-shared/contract/result';
import { useBridge } from '../../bridge/bridge';
import { useDeviceDirectoryStore } from '../devices/useDeviceDirectoryStore';
import {
  notificationPermission,
  requestNotificationPermission,
  showBrowserNotification,
  type NotificationPermissionState,
} from './browserNotifications';

/** Alerts kept in the page's list; older ones stay in main's table. */
const listLimit = 200;

/**
 * Alert rules and the alerts main raises at ingest: the list, the count of unacknowledged
 * alerts for the navigation, and (in the web shell) the browser's desktop notification for
 * each new alert. `subscribe()` is called once by the console frame, so alerts call the
 * operator on every page.
 */
export const useAlertsStore = defineStore('alerts', () => {
  const bridge = useBridge();
  const directory = useDeviceDirectoryStore();
  const rules = shallowRef<AlertRule[]>([]);
  const alerts = shallowRef<Alert[]>([]);
  const unacknowledged = ref(0);
  const error = ref<string>();
  const permission = ref<NotificationPermissionState>(notificationPermission());
  const choices = shallowRef<ListFacetsResponse>();
  const releases: Array<() => void> = [];
  /** SceneMarkIDs that raised an alert, for marking them in the live feed and the detail. */
  const alertedSceneMarks = computed(() => new Set(alerts.value.map((alert) => alert.sceneMarkId)));

  async function load(): Promise<void> {
    const [ruleList, alertList] = await Promise.all([
      bridge.invoke('alerts:listRules', {}),
      bridge.invoke('alerts:listAlerts', { limit: listLimit }),
    ]);
    if (!ruleList.ok) {
      error.value = ruleList.error.message;
      return;
    }
    if (!alertList.ok) {
      error.value = alertList.error.message;
      return;
    }
    error.value = undefined;
    rules.value = ruleList.value.rules;
    alerts.value = alertList.value.alerts;
    unacknowledged.value = alertList.value.unacknowledged;
  }

  function raised(items: readonly Alert[]): void {
    const known = new Set(alerts.value.map((alert) => alert.id));
    const fresh = items.filter((alert) => !known.has(alert.id));
    if (fresh.length === 0) return;
    alerts.value = [...[...fresh].reverse(), ...alerts.value].slice(0, listLimit);
    unacknowledged.value += fresh.filter((alert) => alert.acknowledgedMs === null).length;
    if (bridge.shell === 'web')
      for (const alert of fresh) showBrowserNotification(alert, directory.label(alert.deviceId));
  }

  function changed(items: readonly Alert[]): void {
    const byId = new Map(items.map((alert) => [alert.id, alert]));
    let newlyAcknowledged = 0;
    alerts.value = alerts.value.map((alert) => {
      const next = byId.get(alert.id);
      if (!next) return alert;
      if (alert.acknowledgedMs === null && next.acknowledgedMs !== null) newlyAcknowledged += 1;
      return next;
    });
    unacknowledged.value = Math.max(0, unacknowledged.value - newlyAcknowledged);
  }

  async function acknowledge(ids: number[] | 'all'): Promise<void> {
    const result = await bridge.invoke('alerts:acknowledgeAlerts', ids === 'all' ? { all: true } : { ids });
    if (!result.ok) {
      error.value = result.error.message;
      return;
    }
    error.value = undefined;
    // The changed alerts also arrive as `alerts:changed`; the count is main's.
    await load();
  }

  async function saveRule(
    rule: AlertRuleInput,
    id?: number,
  ): Promise<{ ok: true } | { ok: false; error: ContractError }> {
    const result =
      id === undefined
        ? await bridge.invoke('alerts:createRule', rule)
        : await bridge.invoke('alerts:updateRule', { id, rule });
    if (!result.ok) return result;
    const others = rules.value.filter((candidate) => candidate.id !== result.value.id);
    rules.value = [...others, result.value].sort((a, b) => a.id - b.id);
    return { ok: true };
  }

  /** What the rule form offers to pick: devices, item types and event types seen so far. */
  async function loadChoices(): Promise<void> {
    const result = await bridge.invoke('scenemarks:listFacets', {});
    if (result.ok) choices.value = result.value;
  }

  async function deleteRule(id: number): Promise<void> {
    const result = await bridge.invoke('alerts:deleteRule', { id });
    if (!result.ok) error.value = result.error.message;
    else rules.value = rules.value.filter((rule) => rule.id !== id);
  }

  /** Asks for the browser's permission to notify (call from a click). */
  async function enableNotifications(): Promise<void> {
    permission.value = await requestNotificationPermission();
  }

  function subscribe(): void {
    if (releases.length > 0) return;
    releases.push(
      bridge.on('alerts:raised', raised),
      bridge.on('alerts:changed', changed),
      bridge.onStateChange((state) => {
        if (state === 'connected') void load();
      }),
    );
    void load();
  }

  function unsubscribe(): void {
    for (const release of releases.splice(0)) release();
  }

  return {
    rules,
    alerts,
    unacknowledged,
    alertedSceneMarks,
    error,
    permission,
    choices,
    load,
    loadChoices,
    acknowledge,
    saveRule,
    deleteRule,
    enableNotifications,
    subscribe,
    unsubscribe,
  };
});
