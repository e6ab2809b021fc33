import { defineStore } from 'pinia';
import { ref } from 'vue';
import type {
  ExportFilter,
  ExportFormat,
  ExportProgress,
} from '../../../../src-shared/contract/exportContract';
import { useBridge } from '../../bridge/bridge';

/**
 * Exports of SceneMarks: started here, written by main in a worker to a destination main
 * chooses (save dialog, or a one-time download in the web shell), followed by progress events.
 */
export const useExportStore = defineStore('export', () => {
  const bridge = useBridge();
  const current = ref<ExportProgress>();
  /** When the running export was started, for the time left. */
  const startedAtMs = ref(0);
  /** When its last progress arrived. */
  const updatedAtMs = ref(0);
  const error = ref<string>();
  const releases: Array<() => void> = [];

  async function start(format: ExportFormat, filter: ExportFilter): Promise<void> {
    error.value = undefined;
    const result = await bridge.invoke('export:startExport', { format, filter });
    if (!result.ok) {
      error.value = result.error.message;
      return;
    }
    if (!result.value.started) return;
    startedAtMs.value = updatedAtMs.value = Date.now();
    current.value = { exportId: result.value.exportId, format, phase: 'preparing', rows: 0, bytes: 0 };
  }

  async function cancel(): Promise<void> {
    if (!current.value) return;
    const result = await bridge.invoke('export:cancelExport', { exportId: current.value.exportId });
    if (!result.ok) error.value = result.error.message;
  }

  function follow(): void {
    releases.push(
      bridge.on('export:progressed', (items) => {
        for (const item of items) {
          if (item.exportId !== current.value?.exportId) continue;
          current.value = item;
          updatedAtMs.value = Date.now();
        }
      }),
    );
  }

  function stop(): void {
    for (const release of releases.splice(0)) release();
  }

  /** Clears a finished export's outcome, for the next one. */
  function reset(): void {
    if (current.value && ['done', 'failed', 'cancelled'].includes(current.value.phase))
      current.value = undefined;
    error.value = undefined;
  }

  return { current, startedAtMs, updatedAtMs, error, start, cancel, follow, stop, reset };
});
