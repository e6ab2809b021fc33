import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Settings, UpdateSettingsRequest } from '../../../../src-shared/contract/settingsContract';
import { useBridge } from '../../bridge/bridge';

/** The operator's settings as main holds them, kept current by `settings:changed`. */
export const useSettingsStore = defineStore('settings', () => {
  const bridge = useBridge();
  const settings = ref<Settings>();
  const error = ref<string>();
  const saving = ref(false);
  const releases: Array<() => void> = [];

  async function load(): Promise<void> {
    const result = await bridge.invoke('settings:getSettings', {});
    if (result.ok) {
      settings.value = result.value;
      error.value = undefined;
    } else {
      error.value = result.error.message;
    }
  }

  /** Saves a change; on refusal the previous settings stay and `error` says why. */
  async function update(patch: UpdateSettingsRequest): Promise<boolean> {
    saving.value = true;
    try {
      const result = await bridge.invoke('settings:updateSettings', patch);
      if (!result.ok) {
        error.value = result.error.message;
        return false;
      }
      settings.value = result.value;
      error.value = undefined;
      return true;
    } finally {
      saving.value = false;
    }
  }

  function start(): void {
    releases.push(
      bridge.on('settings:changed', (items) => {
        const latest = items.at(-1);
        if (latest) settings.value = latest;
      }),
      bridge.onStateChange((state) => {
        if (state === 'connected') void load();
      }),
    );
    void load();
  }

  function stop(): void {
    for (const release of releases.splice(0)) release();
  }

  return { settings, error, saving, load, update, start, stop };
});
