import { flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { installBridge } from '../../../../src-renderer/src/bridge/bridge';
import {
  maxShownEntries,
  useDiagnosticsStore,
} from '../../../../src-renderer/src/features/diagnostics/useDiagnosticsStore';
import type { LogEntry } from '../../../../src-shared/contract/diagnosticsContract';
import { FakeBridge } from '../../fakeBridge';

const entry = (seq: number): LogEntry => ({
  seq,
  time: new Date(0).toISOString(),
  level: 'info',
  source: 't',
  message: `m${seq}`,
});

describe('useDiagnosticsStore', () => {
  let bridge: FakeBridge;
  beforeEach(() => {
    bridge = new FakeBridge().respond('diagnostics:listEntries', () => ({
      ok: true,
      value: { entries: [entry(1), entry(2)], discarded: 0 },
    }));
    installBridge(bridge);
    setActivePinia(createPinia());
  });

  it('merges the initial list with live batches without duplicates', async () => {
    const store = useDiagnosticsStore();
    store.start();
    bridge.emit('diagnostics:logged', [entry(2), entry(3)]);
    await flushPromises();
    expect(store.entries.map((item) => item.seq)).toEqual([1, 2, 3]);
    store.stop();
    expect(bridge.listenerCount('diagnostics:logged')).toBe(0);
  });

  it('keeps only the newest entries', async () => {
    const store = useDiagnosticsStore();
    store.start();
    await flushPromises();
    bridge.emit(
      'diagnostics:logged',
      Array.from({ length: maxShownEntries + 50 }, (_, index) => entry(index + 3)),
    );
    expect(store.entries).toHaveLength(maxShownEntries);
    expect(store.entries.at(-1)?.seq).toBe(maxShownEntries + 52);
    store.stop();
  });

  it('starts over after a reconnect, when main may have restarted', async () => {
    const store = useDiagnosticsStore();
    store.start();
    await flushPromises();
    bridge.emit('diagnostics:logged', [entry(40)]);
    bridge.respond('diagnostics:listEntries', () => ({
      ok: true,
      value: { entries: [entry(1)], discarded: 0 },
    }));
    bridge.setState('connected');
    await flushPromises();
    expect(store.entries.map((item) => item.seq)).toEqual([1]);
    store.stop();
  });
});
