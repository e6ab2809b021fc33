import { defineStore } from 'pinia';
import { computed, onScopeDispose, ref, shallowRef } from 'vue';
import type { DirectoryDevice } from '../../../../src-shared/contract/devicesContract';
import type { ContractError } from '../../../../src-shared/contract/result';
import { useBridge } from '../../bridge/bridge';

/** Short form of a DeviceID for tight places; the whole one is on hover and copy. */
export function shortDeviceId(deviceId: string): string {
  return `${deviceId.slice(0, 8)}…`;
}

/**
 * Every device main's directory knows, by name: the one source of what views call a device.
 * Follows `devices:changed`; `subscribe()` is called once by the console frame.
 */
export const useDeviceDirectoryStore = defineStore('deviceDirectory', () => {
  const bridge = useBridge();
  const devices = shallowRef<DirectoryDevice[]>([]);
  const loaded = ref(false);
  const error = ref<string>();
  const releases: Array<() => void> = [];

  const byId = computed(() => new Map(devices.value.map((device) => [device.deviceId, device])));

  /** The entry of a device, matched as EndPointIDs compare (case-insensitively). */
  function find(deviceId: string | null | undefined): DirectoryDevice | undefined {
    return deviceId ? byId.value.get(deviceId.toLowerCase()) : undefined;
  }

  /** What a view shows for a device: its name, else its short id. */
  function label(deviceId: string | null | undefined): string {
    if (!deviceId) return '—';
    return find(deviceId)?.name ?? shortDeviceId(deviceId);
  }

  async function load(): Promise<void> {
    const result = await bridge.invoke('devices:listDevices', {});
    if (!result.ok) {
      error.value = result.error.message;
      return;
    }
    error.value = undefined;
    devices.value = result.value.devices;
    loaded.value = true;
  }

  /** For pages that show devices: loads the list unless the frame already did. */
  function ensureLoaded(): void {
    if (!loaded.value) void load();
  }

  /** Applies pushed entries in place; a new device or a new name reloads main's order. */
  function apply(changed: readonly DirectoryDevice[]): void {
    const reorder = changed.some((device) => {
      const known = byId.value.get(device.deviceId);
      return !known || known.name !== device.name;
    });
    const next = new Map(byId.value);
    for (const device of changed) next.set(device.deviceId, device);
    devices.value = [...next.values()];
    if (reorder) void load();
  }

  async function rename(
    deviceId: string,
    name: string | null,
  ): Promise<{ ok: true } | { ok: false; error: ContractError }> {
    const result = await bridge.invoke('devices:renameDevice', { deviceId, name });
    if (!result.ok) return result;
    apply([result.value]);
    return { ok: true };
  }

  function subscribe(): void {
    if (releases.length > 0) return;
    releases.push(
      bridge.on('devices:changed', (items) => apply(items)),
      bridge.onStateChange((state) => {
        if (state === 'connected') void load();
      }),
    );
    void load();
  }

  function unsubscribe(): void {
    for (const release of releases.splice(0)) release();
  }

  onScopeDispose(unsubscribe);

  return { devices, loaded, error, find, label, load, ensureLoaded, rename, subscribe, unsubscribe };
});
