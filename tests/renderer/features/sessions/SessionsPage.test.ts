import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installBridge } from '../../../../src-renderer/src/bridge/bridge';
import { formatSessionDuration } from '../../../../src-renderer/src/features/sessions/formatSessionDuration';
import SessionsPage from '../../../../src-renderer/src/features/sessions/SessionsPage.vue';
import {
  sessionHistoryRefreshDelayMs,
  useSessionHistoryStore,
} from '../../../../src-renderer/src/features/sessions/useSessionHistoryStore';
import { useSettingsStore } from '../../../../src-renderer/src/features/settings/useSettingsStore';
import type { SessionHistoryRow } from '../../../../src-shared/contract/sessionHistoryContract';
import { defaultSettings } from '../../../../src-shared/contract/settingsContract';
import type { ControlSession } from '../../../../src-shared/contract/sessionsContract';
import { FakeBridge } from '../../fakeBridge';
import { testRouter } from '../../testRouter';

const deviceA = 'aaaaaaaa-0000-4000-8000-000000000001';
const deviceB = 'bbbbbbbb-0000-4000-8000-000000000002';
const startedMs = Date.UTC(2026, 10, 1, 9, 30, 0);

function row(sessionId: string, patch: Partial<SessionHistoryRow> = {}): SessionHistoryRow {
  return {
    sessionId,
    kind: 'control',
    peer: deviceA,
    startedMs,
    endedMs: startedMs + 65_000,
    outcome: 'closed',
    durationMs: 65_000,
    reason: 'closed by operator',
    nodeId: '0001',
    streamed: true,
    ...patch,
  };
}

const liveSession: ControlSession = {
  sessionId: 'live',
  deviceId: deviceA,
  nodeId: '0001',
  state: 'streaming',
  reason: null,
  startedAtMs: startedMs,
  endedAtMs: null,
  streamId: 's',
  trackIds: [],
};

describe('SessionsPage', () => {
  let bridge: FakeBridge;
  /** What main holds, newest first; pages are cut from it by the fake. */
  let history: SessionHistoryRow[];

  /** Answers like main: `pageSize` rows after the cursor (here simply the index of the next row). */
  function answerHistory(request: unknown) {
    const { pageSize = 100, cursor } = request as { pageSize?: number; cursor?: string };
    const start = cursor ? Number(cursor) : 0;
    const rows = history.slice(start, start + pageSize);
    const next = start + pageSize < history.length ? String(start + pageSize) : null;
    return { ok: true as const, value: { rows, nextCursor: next } };
  }

  function historyRequests(): unknown[] {
    return bridge.calls
      .filter((call) => call.channel === 'sessions:queryHistory')
      .map((call) => call.request);
  }

  beforeEach(() => {
    history = [
      row('s-open', { endedMs: null, outcome: null, durationMs: null, reason: null, streamed: null }),
      row('s-closed'),
      row('s-failed', {
        peer: deviceB,
        nodeId: '0002',
        outcome: 'failed',
        durationMs: 850,
        endedMs: startedMs + 850,
        reason: 'the device did not answer StartStreaming',
        streamed: false,
      }),
    ];
    bridge = new FakeBridge()
      .respond('sessions:queryHistory', answerHistory)
      // Main's device directory knows a name for A only.
      .respond('devices:listDevices', () => ({
        ok: true,
        value: {
          devices: [
            {
              deviceId: deviceA,
              name: 'CAM 01 Lobby',
              operatorName: null,
              siteName: 'CAM 01 Lobby',
              binding: 'bound',
              online: true,
              lastSeenMs: startedMs,
              nodes: ['0001'],
            },
          ],
        },
      }))
      .respond('settings:getSettings', () => ({
        ok: true,
        value: { ...defaultSettings, timeDisplay: 'utc' },
      }));
    installBridge(bridge);
    setActivePinia(createPinia());
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  async function mountPage() {
    const wrapper = mount(SessionsPage, { global: { plugins: [testRouter()] } });
    await flushPromises();
    return wrapper;
  }

  it('shows each session with its start, peer, node, kind, outcome, duration and reason', async () => {
    await useSettingsStore().load();
    const wrapper = await mountPage();
    expect(historyRequests()).toEqual([{ pageSize: 100 }]);
    const rows = wrapper.findAll('[data-testid=sessions-row]');
    expect(rows.map((item) => [item.attributes('data-session-id'), item.attributes('data-outcome')])).toEqual(
      [
        ['s-open', 'open'],
        ['s-closed', 'closed'],
        ['s-failed', 'failed'],
      ],
    );
    // The outcome cell holds the badge, then a note when media flowed.
    const cells = (index: number) =>
      rows[index]?.findAll('td').map((cell) => {
        const badge = cell.find('[data-testid=sessions-outcome-badge]');
        const note = cell.find('.sessions-table__note');
        if (!badge.exists()) return cell.text().replace(/\s+/g, ' ');
        return note.exists() ? `${badge.text()} + ${note.text()}` : badge.text();
      }) ?? [];
    // The operator chose UTC: the start time says so.
    // Devices by the name the console shows, the DeviceID on hover; a device without a name by its short id.
    expect(rows[1]?.get('[data-testid=device-name]').attributes('title')).toContain(deviceA);
    expect(cells(1)).toEqual([
      '2026-11-01 09:30:00Z',
      'CAM 01 Lobby',
      '0001',
      'Control',
      'closed + streamed',
      '1 min 05 s',
      'closed by operator',
      'SceneMarks',
    ]);
    expect(cells(0)).toEqual([
      '2026-11-01 09:30:00Z',
      'CAM 01 Lobby',
      '0001',
      'Control',
      'open',
      'running',
      '',
      'SceneMarks',
    ]);
    expect(cells(2)).toEqual([
      '2026-11-01 09:30:00Z',
      'bbbbbbbb…',
      '0002',
      'Control',
      'failed',
      '850 ms',
      'the device did not answer StartStreaming',
      'SceneMarks',
    ]);
    // Each session opens the SceneMarks of its device over its span.
    expect(rows[1]?.get('[data-testid=sessions-scenemarks-link]').attributes('href')).toBe(
      `/scenemarks?from=${startedMs}&to=${startedMs + 65_001}&deviceId=${deviceA}`,
    );
    expect(wrapper.find('[data-testid=sessions-empty]').exists()).toBe(false);
    expect(wrapper.find('[data-testid=sessions-load-more]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('sends the filters the operator picks', async () => {
    const wrapper = await mountPage();
    const store = useSessionHistoryStore();
    const before = Date.now();

    store.form.kind = 'control';
    store.form.outcome = 'failed';
    store.form.range = '1h';
    store.form.peer = '  bbbbbbbb ';
    await wrapper.get('[data-testid=sessions-filters]').trigger('submit');
    await flushPromises();
    const request = historyRequests().at(-1) as Record<string, unknown>;
    expect(request).toMatchObject({ kind: 'control', outcome: 'failed', peer: 'bbbbbbbb', pageSize: 100 });
    expect(request.from).toBeGreaterThanOrEqual(before - 3_600_000);
    expect(request.from).toBeLessThanOrEqual(Date.now() - 3_600_000);
    expect(request).not.toHaveProperty('to');
    expect(request).not.toHaveProperty('cursor');

    store.form.range = 'all';
    store.form.kind = '';
    store.form.outcome = 'open';
    store.form.peer = '';
    await wrapper.get('[data-testid=sessions-filters]').trigger('submit');
    await flushPromises();
    expect(historyRequests().at(-1)).toEqual({ outcome: 'open', pageSize: 100 });
    wrapper.unmount();
  });

  it('searches as soon as a filter select changes', async () => {
    const wrapper = await mountPage();
    const outcome = wrapper
      .findAllComponents({ name: 'ElSelect' })
      .find((select) => select.attributes('data-testid') === 'sessions-outcome');
    if (!outcome) throw new Error('no outcome select');
    // What ElSelect emits when the operator picks an option.
    outcome.vm.$emit('update:modelValue', 'closed');
    outcome.vm.$emit('change', 'closed');
    await flushPromises();
    expect(historyRequests().at(-1)).toEqual({ outcome: 'closed', pageSize: 100 });
    wrapper.unmount();
  });

  it('appends the next page on Load more', async () => {
    history = Array.from({ length: 230 }, (_, index) =>
      row(`s-${String(999 - index)}`, { startedMs: startedMs - index * 1000 }),
    );
    const wrapper = await mountPage();
    expect(wrapper.findAll('[data-testid=sessions-row]')).toHaveLength(100);

    await wrapper.get('[data-testid=sessions-load-more]').trigger('click');
    await flushPromises();
    expect(historyRequests().at(-1)).toEqual({ pageSize: 100, cursor: '100' });
    const rows = wrapper.findAll('[data-testid=sessions-row]');
    expect(rows).toHaveLength(200);
    expect(rows.map((item) => item.attributes('data-session-id'))).toEqual(
      history.slice(0, 200).map((item) => item.sessionId),
    );

    await wrapper.get('[data-testid=sessions-load-more]').trigger('click');
    await flushPromises();
    expect(wrapper.findAll('[data-testid=sessions-row]')).toHaveLength(230);
    expect(wrapper.find('[data-testid=sessions-load-more]').exists()).toBe(false);
    expect(wrapper.get('[data-testid=sessions-count]').text()).toBe('230 shown');
    wrapper.unmount();
  });

  it('says there are no sessions yet and how to start one', async () => {
    history = [];
    const wrapper = await mountPage();
    const empty = wrapper.get('[data-testid=sessions-empty]');
    expect(empty.text()).toContain('No sessions yet');
    expect(empty.text()).toContain('press Watch');
    expect(empty.find('a[href="/live"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid=sessions-row]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('says when filters match nothing rather than that there are no sessions', async () => {
    const wrapper = await mountPage();
    history = [];
    const store = useSessionHistoryStore();
    store.form.kind = 'whisp';
    await store.search();
    await flushPromises();
    const empty = wrapper.get('[data-testid=sessions-empty]');
    expect(empty.text()).toContain('No sessions match these filters');
    expect(empty.text()).not.toContain('No sessions yet');
    wrapper.unmount();
  });

  it('shows why the history could not be read', async () => {
    bridge.respond('sessions:queryHistory', () => ({
      ok: false,
      error: { code: 'INTERNAL', message: 'sessions:queryHistory failed inside the console' },
    }));
    const wrapper = await mountPage();
    expect(wrapper.get('[data-testid=sessions-error]').text()).toContain('failed inside the console');
    expect(wrapper.find('[data-testid=sessions-empty]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('reads the first page again once a burst of session changes settles', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const wrapper = await mountPage();
    expect(historyRequests()).toHaveLength(1);

    history = [row('s-new', { endedMs: null, outcome: null, durationMs: null }), ...history];
    bridge.emit('sessions:changed', [liveSession]);
    vi.advanceTimersByTime(sessionHistoryRefreshDelayMs - 100);
    bridge.emit('sessions:changed', [{ ...liveSession, state: 'closed' }]);
    vi.advanceTimersByTime(sessionHistoryRefreshDelayMs - 100);
    await flushPromises();
    expect(historyRequests()).toHaveLength(1);

    vi.advanceTimersByTime(100);
    await flushPromises();
    expect(historyRequests()).toEqual([{ pageSize: 100 }, { pageSize: 100 }]);
    expect(wrapper.findAll('[data-testid=sessions-row]')[0]?.attributes('data-session-id')).toBe('s-new');
    wrapper.unmount();
  });

  it('keeps the rows the operator loaded when it refreshes', async () => {
    history = Array.from({ length: 150 }, (_, index) => row(`s-${String(999 - index)}`));
    const wrapper = await mountPage();
    await wrapper.get('[data-testid=sessions-load-more]').trigger('click');
    await flushPromises();
    await useSessionHistoryStore().refresh();
    await flushPromises();
    expect(historyRequests().at(-1)).toEqual({ pageSize: 150 });
    expect(wrapper.findAll('[data-testid=sessions-row]')).toHaveLength(150);
    wrapper.unmount();
  });

  it('releases its subscription and pending refresh when the page goes away', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const wrapper = await mountPage();
    expect(bridge.listenerCount('sessions:changed')).toBe(1);
    bridge.emit('sessions:changed', [liveSession]);
    wrapper.unmount();
    expect(bridge.listenerCount('sessions:changed')).toBe(0);
    vi.advanceTimersByTime(sessionHistoryRefreshDelayMs * 2);
    await flushPromises();
    expect(historyRequests()).toHaveLength(1);
  });

  it('reads the history again after the connection to main comes back', async () => {
    const wrapper = await mountPage();
    bridge.setState('reconnecting');
    bridge.setState('connected');
    await flushPromises();
    expect(historyRequests()).toHaveLength(2);
    wrapper.unmount();
  });
});

describe('formatSessionDuration', () => {
  it.each([
    [0, '0 ms'],
    [850, '850 ms'],
    [1000, '1.0 s'],
    [12_345, '12.3 s'],
    [59_999, '59.9 s'],
    [60_000, '1 min 00 s'],
    [3_599_000, '59 min 59 s'],
    [3_600_000, '1 h 00 min'],
    [90_061_000, '25 h 01 min'],
    [-5, '—'],
  ])('%d ms reads %s', (durationMs, text) => {
    expect(formatSessionDuration(durationMs)).toBe(text);
  });
});
