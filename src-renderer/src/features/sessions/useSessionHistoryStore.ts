import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { InvokeRequestInput } from '../../../../src-shared/contract/contractMap';
import {
  maxSessionHistoryPageSize,
  type SessionHistoryRow,
  type SessionKind,
  type SessionOutcomeFilter,
} from '../../../../src-shared/contract/sessionHistoryContract';
import { useBridge } from '../../bridge/bridge';

/** The time windows the filter bar offers, in milliseconds back from now (`all`: no bound). */
export const sessionTimeRanges = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 604_800_000,
  all: 0,
} as const;
export type SessionTimeRange = keyof typeof sessionTimeRanges;

/** What the operator set in the filter bar; empty fields filter nothing. */
export interface SessionHistoryForm {
  range: SessionTimeRange;
  kind: SessionKind | '';
  outcome: SessionOutcomeFilter | '';
  peer: string;
}

/** Rows asked for per page. */
export const sessionHistoryPageSize = 100;
/** How long a burst of `sessions:changed` batches is gathered before the list is read again. */
export const sessionHistoryRefreshDelayMs = 500;

type QueryRequest = InvokeRequestInput<'sessions:queryHistory'>;

/** The form as nothing filtered: every session ever recorded. */
export function emptySessionHistoryForm(): SessionHistoryForm {
  return { range: 'all', kind: '', outcome: '', peer: '' };
}

/**
 * Turns the filter bar into the contract's filters. A time window has no upper bound, so a
 * refresh picks up sessions that started after the search (paging stays stable: the cursor
 * only moves towards older sessions).
 */
export function toSessionHistoryFilter(
  form: SessionHistoryForm,
  now: number,
): Omit<QueryRequest, 'pageSize' | 'cursor'> {
  const window = sessionTimeRanges[form.range];
  const peer = form.peer.trim();
  return {
    ...(window > 0 ? { from: now - window } : {}),
    ...(form.kind ? { kind: form.kind } : {}),
    ...(form.outcome ? { outcome: form.outcome } : {}),
    ...(peer ? { peer } : {}),
  };
}

/**
 * The Sessions view's history of recorded sessions: one filter, pages fetched by keyset cursor,
 * and a debounced re-read of the first page whenever main reports a session changing (a session
 * opening, streaming or ending). The only caller of `sessions:queryHistory`.
 */
export const useSessionHistoryStore = defineStore('sessionHistory', () => {
  const bridge = useBridge();
  const form = ref<SessionHistoryForm>(emptySessionHistoryForm());
  const rows = shallowRef<SessionHistoryRow[]>([]);
  const nextCursor = ref<string | null>(null);
  const loading = ref(false);
  const loadingMore = ref(false);
  const error = ref<string>();
  /** Whether the first answer arrived (before it, an empty list means nothing yet). */
  const loaded = ref(false);
  /** The form of the search the rows belong to. */
  const applied = ref<SessionHistoryForm>(emptySessionHistoryForm());
  const filtered = computed(() => {
    const empty = emptySessionHistoryForm();
    const { range, kind, outcome, peer } = applied.value;
    return range !== empty.range || kind !== '' || outcome !== '' || peer.trim() !== '';
  });

  const releases: Array<() => void> = [];
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by every first-page read, so an older answer never overwrites a newer one. */
  let generation = 0;

  async function readFirstPage(pageSize: number): Promise<void> {
    const mine = ++generation;
    loading.value = true;
    try {
      const result = await bridge.invoke('sessions:queryHistory', {
        ...toSessionHistoryFilter(applied.value, Date.now()),
        pageSize,
      });
      if (mine !== generation) return;
      if (!result.ok) {
        error.value = result.error.message;
        return;
      }
      error.value = undefined;
      rows.value = result.value.rows;
      nextCursor.value = result.value.nextCursor;
      loaded.value = true;
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  /** Applies the filter bar and reads the first page. */
  async function search(): Promise<void> {
    applied.value = { ...form.value };
    await readFirstPage(sessionHistoryPageSize);
  }

  /**
   * Reads the applied search again from the newest session, as many rows as are shown (at
   * least a page), so a refresh does not take away rows the operator loaded.
   */
  async function refresh(): Promise<void> {
    const shown = Math.max(rows.value.length, sessionHistoryPageSize);
    await readFirstPage(Math.min(shown, maxSessionHistoryPageSize));
  }

  /** Appends the next page of the applied search. */
  async function loadMore(): Promise<void> {
    const cursor = nextCursor.value;
    if (!cursor || loadingMore.value) return;
    const mine = generation;
    loadingMore.value = true;
    try {
      const result = await bridge.invoke('sessions:queryHistory', {
        ...toSessionHistoryFilter(applied.value, Date.now()),
        pageSize: sessionHistoryPageSize,
        cursor,
      });
      // A search or refresh in the meantime replaced the list this page continued.
      if (mine !== generation) return;
      if (!result.ok) {
        error.value = result.error.message;
        return;
      }
      error.value = undefined;
      rows.value = [...rows.value, ...result.value.rows];
      nextCursor.value = result.value.nextCursor;
    } finally {
      loadingMore.value = false;
    }
  }

  function scheduleRefresh(): void {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => {
      refreshTimer = undefined;
      void refresh();
    }, sessionHistoryRefreshDelayMs);
  }

  /** Follows session changes and reconnects, and reads the first page. */
  function start(): void {
    if (releases.length > 0) return;
    releases.push(
      bridge.on('sessions:changed', () => scheduleRefresh()),
      bridge.onStateChange((state) => {
        if (state === 'connected') void refresh();
      }),
    );
    void search();
  }

  /** Releases the subscriptions and any pending refresh. */
  function stop(): void {
    clearTimeout(refreshTimer);
    refreshTimer = undefined;
    for (const release of releases.splice(0)) release();
  }

  return {
    form,
    rows,
    nextCursor,
    loading,
    loadingMore,
    error,
    loaded,
    applied,
    filtered,
    search,
    refresh,
    loadMore,
    start,
    stop,
  };
});
