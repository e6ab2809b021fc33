import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { RetentionBudgets, RetentionUsage } from '../../../../src-shared/contract/retentionContract';
import { useBridge } from '../../bridge/bridge';

/** The SceneMark history's storage: what it uses, the budgets that bound it, and VACUUM. */
export const useRetentionStore = defineStore('retention', () => {
  const bridge = useBridge();
  const usage = ref<RetentionUsage>();
  const error = ref<string>();
  const busy = ref(false);
  const lastVacuum = ref<{ bytesBefore: number; bytesAfter: number; durationMs: number }>();

  async function load(): Promise<void> {
    const result = await bridge.invoke('retention:getUsage', {});
    if (result.ok) {
      usage.value = result.value;
      error.value = undefined;
    } else {
      error.value = result.error.message;
    }
  }

  async function setBudgets(budgets: Partial<RetentionBudgets>): Promise<boolean> {
    busy.value = true;
    try {
      const result = await bridge.invoke('retention:setBudgets', budgets);
      if (!result.ok) {
        error.value = result.error.message;
        return false;
      }
      await load();
      return true;
    } finally {
      busy.value = false;
    }
  }

  async function vacuum(): Promise<void> {
    busy.value = true;
    try {
      const result = await bridge.invoke('retention:vacuum', {});
      if (result.ok) lastVacuum.value = result.value;
      else error.value = result.error.message;
      await load();
    } finally {
      busy.value = false;
    }
  }

  return { usage, error, busy, lastVacuum, load, setBudgets, vacuum };
});
