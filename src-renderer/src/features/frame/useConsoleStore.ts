import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AppInfo, ListLicencesResponse } from '../../../../src-shared/contract/appContract';
import { useBridge } from '../../bridge/bridge';
import type { BridgeState } from '../../bridge/bridgeClient';

/** What the frame shows about the console itself: its info and whether main is reachable. */
export const useConsoleStore = defineStore('console', () => {
  const bridge = useBridge();
  const info = ref<AppInfo>();
  const bridgeState = ref<BridgeState>(bridge.state);
  const error = ref<string>();
  const licences = ref<ListLicencesResponse>();
  const licencesError = ref<string>();
  const releases: Array<() => void> = [];

  async function load(): Promise<void> {
    const result = await bridge.invoke('app:getInfo', {});
    if (result.ok) {
      info.value = result.value;
      error.value = undefined;
    } else {
      error.value = result.error.message;
    }
  }

  /** The licences of the packages the console ships (Settings → About). */
  async function loadLicences(): Promise<void> {
    const result = await bridge.invoke('app:listLicences', {});
    if (result.ok) licences.value = result.value;
    else licencesError.value = result.error.message;
  }

  function start(): void {
    releases.push(
      bridge.onStateChange((state) => {
        bridgeState.value = state;
        if (state === 'connected') void load();
      }),
    );
    void load();
  }

  function stop(): void {
    for (const release of releases.splice(0)) release();
  }

  return { info, bridgeState, error, licences, licencesError, load, loadLicences, start, stop };
});
