import { defineStore } from 'pinia';
import { computed, onScopeDispose, ref } from 'vue';
import type { LocalSiteStatus, SiteDevice } from '../../../../src-shared/contract/localSiteContract';
import type { ContractError, Result } from '../../../../src-shared/contract/result';
import { useBridge } from '../../bridge/bridge';

/** What a local-site action reports back to the view: done, or the error main gave. */
export type LocalSiteOutcome<T = LocalSiteStatus> =
  { ok: true; value: T } | { ok: false; error: ContractError };

/** How many simulated cameras the first run and the Start buttons offer by default. */
export const defaultSimulatedCameras = 4;
/** The most simulated cameras `localSite:start` accepts. */
export const maxSimulatedCameras = 32;

/**
 * The embedded local site (broker, NICE account service, simulated cameras) and the devices its
 * account service knows. The status follows `localSite:changed`; the device list is fetched
 * again whenever the status changes (binding counts move with it) and on demand.
 *
 * `start(cameras)`/`stop()` start and stop the site itself; `subscribe()`/`unsubscribe()` tie
 * the store to main's events (the console frame does that once for every page).
 */
export const useLocalSiteStore = defineStore('localSite', () => {
  const bridge = useBridge();
  const status = ref<LocalSiteStatus>();
  const devices = ref<SiteDevice[]>([]);
  const devicesLoaded = ref(false);
  const devicesError = ref<string>();
  const devicesLoading = ref(false);
  const error = ref<string>();
  const busy = ref(false);
  const releases: Array<() => void> = [];
  let devicesRequest: Promise<void> | undefined;
  let devicesAgain = false;

  const running = computed(() => status.value?.state === 'running');
  const boundDevices = computed(() => devices.value.filter((device) => device.binding === 'bound'));

  async function load(): Promise<void> {
    const result = await bridge.invoke('localSite:getStatus', {});
    if (!result.ok) {
      error.value = result.error.message;
      return;
    }
    error.value = undefined;
    status.value = result.value;
    await refreshDevices();
  }

  async function fetchDevices(): Promise<void> {
    const result = await bridge.invoke('localSite:listDevices', {});
    if (result.ok) {
      devices.value = result.value.devices;
      devicesError.value = undefined;
      devicesLoaded.value = true;
    } else {
      devicesError.value = result.error.message;
    }
  }

  /**
   * Fetches the device list. Calls made while one is in flight share it and cause exactly one
   * more fetch afterwards, so a burst of status changes costs two requests, not one each.
   */
  function refreshDevices(): Promise<void> {
    if (devicesRequest) {
      devicesAgain = true;
      return devicesRequest;
    }
    devicesLoading.value = true;
    devicesRequest = (async () => {
      try {
        do {
          devicesAgain = false;
          await fetchDevices();
        } while (devicesAgain);
      } finally {
        devicesRequest = undefined;
        devicesLoading.value = false;
      }
    })();
    return devicesRequest;
  }

  async function act(work: () => Promise<Result<LocalSiteStatus>>): Promise<LocalSiteOutcome> {
    busy.value = true;
    try {
      const result = await work();
      if (result.ok) {
        status.value = result.value;
        error.value = undefined;
        void refreshDevices();
      }
      return result;
    } finally {
      busy.value = false;
    }
  }

  /** Starts the local site with `cameras` simulated cameras (0–32). */
  function start(cameras: number = defaultSimulatedCameras): Promise<LocalSiteOutcome> {
    return act(() => bridge.invoke('localSite:start', { cameras }));
  }

  /** Stops the simulated cameras, the account service and the embedded broker. */
  function stop(): Promise<LocalSiteOutcome> {
    return act(() => bridge.invoke('localSite:stop', {}));
  }

  /** Records that the operator will use their own broker, so the first-run panel goes away. */
  function declineFirstRun(): Promise<LocalSiteOutcome> {
    return act(() => bridge.invoke('localSite:declineFirstRun', {}));
  }

  /** Follows `localSite:changed` and main's reconnects; idempotent. */
  function subscribe(): void {
    if (releases.length > 0) return;
    releases.push(
      bridge.on('localSite:changed', (items) => {
        const latest = items.at(-1);
        if (!latest) return;
        status.value = latest;
        void refreshDevices();
      }),
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

  return {
    status,
    devices,
    devicesLoaded,
    devicesError,
    devicesLoading,
    error,
    busy,
    running,
    boundDevices,
    load,
    refreshDevices,
    start,
    stop,
    declineFirstRun,
    subscribe,
    unsubscribe,
  };
});
