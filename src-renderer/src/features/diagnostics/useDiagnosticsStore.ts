import { defineStore } from 'pinia';
import { shallowRef, ref } from 'vue';
import type { LogEntry } from '../../../../src-shared/contract/diagnosticsContract';
import { useBridge } from '../../bridge/bridge';

/** Most entries the page keeps; older ones remain listed in main's own buffer. */
export const maxShownEntries = 1000;

/**
 * Main's diagnostic log, followed live. Batches are appended in one reactive update each, and
 * entries already seen (the initial list and a batch can overlap) are skipped by sequence.
 */
export const useDiagnosticsStore = defineStore('diagnostics', () => {
  const bridge = useBridge();
  const entries = shallowRef<LogEntry[]>([]);
  const error = ref<string>();
  const releases: Array<() => void> = [];

  function append(batch: readonly LogEntry[]): void {
    const lastSeq = entries.value.at(-1)?.seq ?? 0;
    const fresh = batch.filter((entry) => entry.seq > lastSeq);
    if (fresh.length === 0) return;
    entries.value = [...entries.value, ...fresh].slice(-maxShownEntries);
  }

  async function load(): Promise<void> {
    const result = await bridge.invoke('diagnostics:listEntries', { limit: 500 });
    if (!result.ok) {
      error.value = result.error.message;
      return;
    }
    error.value = undefined;
    const known = new Set(entries.value.map((entry) => entry.seq));
    const merged = [...entries.value, ...result.value.entries.filter((entry) => !known.has(entry.seq))];
    entries.value = merged.sort((a, b) => a.seq - b.seq).slice(-maxShownEntries);
  }

  function start(): void {
    releases.push(
      bridge.on('diagnostics:logged', append),
      bridge.onStateChange((state) => {
        // Main may have restarted and begun its sequence again: start over from its buffer.
        if (state === 'connected') {
          entries.value = [];
          void load();
        }
      }),
    );
    void load();
  }

  function stop(): void {
    for (const release of releases.splice(0)) release();
  }

  return { entries, error, load, start, stop };
});
