import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { ExportFilter } from '../../../../src-shared/contract/exportContract';
import type {
  GetSceneMarkResponse,
  GetTimelineResponse,
  ListFacetsResponse,
  SceneMarkFilter,
  SceneMarkRow,
} from '../../../../src-shared/contract/sceneMarksContract';
import type { SessionHistoryRow } from '../../../../src-shared/contract/sessionHistoryContract';
import { useBridge } from '../../bridge/bridge';
import { dataExtent, zoomWindow, type TimeWindow } from './timelineWindow';

/** The time windows the filter bar offers, in milliseconds back from now (`all`: no bound). */
export const timeRanges = {
  '15m': 900_000,
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 604_800_000,
  all: 0,
} as const;
export type TimeRange = keyof typeof timeRanges;

/** What the operator set in the filter bar; `custom` is a span picked on the timeline. */
export interface SceneMarkFilterForm {
  range: TimeRange | 'custom';
  custom: TimeWindow | null;
  deviceId: string;
  itemType: string;
  eventType: string;
  minProbability: number;
  text: string;
}

const pageSize = 200;
/** Sessions looked through for the one that holds a SceneMark. */
const sessionLookback = 50;
/** Bars the timeline asks for; main picks the bucket size that fits (1 s … 1 day). */
const timelineBars = 120;

/** The time span a form searches, or undefined for all time. */
export function formWindow(form: SceneMarkFilterForm, now: number): TimeWindow | undefined {
  if (form.range === 'custom') return form.custom ?? undefined;
  const window = timeRanges[form.range];
  return window > 0 ? { from: now - window, to: now + 1 } : undefined;
}

/** Turns the filter bar into the contract's filter; empty fields filter nothing. */
export function toSceneMarkFilter(form: SceneMarkFilterForm, now: number): SceneMarkFilter {
  const window = formWindow(form, now);
  return {
    ...(window ? { from: window.from, to: window.to } : {}),
    ...(form.deviceId ? { deviceIds: [form.deviceId] } : {}),
    ...(form.itemType ? { itemTypes: [form.itemType] } : {}),
    ...(form.eventType ? { eventTypes: [form.eventType] } : {}),
    ...(form.minProbability > 0 ? { minProbability: form.minProbability } : {}),
    ...(form.text.trim() ? { text: form.text.trim() } : {}),
  };
}

/** Whether the form filters by anything besides time. */
export function filtersBesidesTime(form: SceneMarkFilterForm): boolean {
  return !!(form.deviceId || form.itemType || form.eventType || form.minProbability > 0 || form.text.trim());
}

/**
 * SceneMark search: one filter, pages fetched by keyset cursor, the timeline of the same
 * filter over a window the operator zooms within the searched span (fitted to where the
 * SceneMarks are at first), and the detail of the SceneMark the operator opens. A span picked
 * on the timeline (drag, or a click on a bar) narrows the search to it.
 */
export const useSceneMarksStore = defineStore('sceneMarks', () => {
  const bridge = useBridge();
  const form = ref<SceneMarkFilterForm>({
    range: '24h',
    custom: null,
    deviceId: '',
    itemType: '',
    eventType: '',
    minProbability: 0,
    text: '',
  });
  /** The preset to go back to when a picked span is cleared. */
  const lastPreset = ref<TimeRange>('24h');
  const rows = shallowRef<SceneMarkRow[]>([]);
  const nextCursor = ref<string | null>(null);
  const timeline = ref<GetTimelineResponse>();
  /** The span the searched SceneMarks lie in: the timeline zooms within it. */
  const bounds = ref<TimeWindow>();
  /** The span the timeline shows now. */
  const view = ref<TimeWindow>();
  const facets = ref<ListFacetsResponse>();
  const detail = ref<GetSceneMarkResponse>();
  /** The recorded session with the detail's device whose time range holds it, if any. */
  const detailSession = ref<SessionHistoryRow>();
  const loading = ref(false);
  const error = ref<string>();
  const applied = ref<SceneMarkFilter>({});
  /** Whether the applied search filtered by anything besides time (for the empty message). */
  const appliedFilters = ref(false);
  /** The part of the applied search an export can take: everything but the text search. */
  const exportFilter = computed<ExportFilter>(() => ({
    ...(applied.value.from !== undefined ? { fromMs: Math.max(0, applied.value.from) } : {}),
    ...(applied.value.to !== undefined ? { toMs: applied.value.to } : {}),
    ...(applied.value.deviceIds ? { deviceIds: applied.value.deviceIds } : {}),
    ...(applied.value.itemTypes ? { itemTypes: applied.value.itemTypes } : {}),
    ...(applied.value.eventTypes ? { eventTypes: applied.value.eventTypes } : {}),
    ...(applied.value.minProbability !== undefined ? { minProbability: applied.value.minProbability } : {}),
  }));
  /** The applied text search, which exports do not take. */
  const appliedText = computed(() => applied.value.text ?? '');
  /** Whether the console holds any SceneMark at all (devices or item types were ever seen). */
  const hasHistory = computed(
    () => (facets.value?.devices.length ?? 0) > 0 || (facets.value?.itemTypes.length ?? 0) > 0,
  );

  /** The span "all time" covers on the timeline: from the oldest stored SceneMark to now. */
  async function allTimeBounds(now: number): Promise<TimeWindow> {
    const usage = await bridge.invoke('retention:getUsage', {});
    const oldest = usage.ok ? usage.value.oldestSceneMarkMs : null;
    const newest = usage.ok ? usage.value.newestSceneMarkMs : null;
    const to = Math.max(now + 1, (newest ?? now) + 1);
    // The widest a timeline of day-long bars can be.
    const widest = to - 2000 * 86_400_000;
    return { from: Math.max(widest, Math.min(oldest ?? to - timeRanges['7d'], to - 60_000)), to };
  }

  async function fetchTimeline(window: TimeWindow): Promise<GetTimelineResponse | undefined> {
    const counts = await bridge.invoke('scenemarks:getTimeline', {
      ...applied.value,
      from: window.from,
      to: window.to,
      maxBuckets: timelineBars,
    });
    if (!counts.ok) {
      error.value = counts.error.message;
      return undefined;
    }
    return counts.value;
  }

  /**
   * Shows `window` on the timeline; with `fit`, narrowed to where its SceneMarks are when they
   * fill less than half of it. Later passes look again at finer bars and trim what a coarse
   * bar's margin left.
   */
  async function showTimeline(window: TimeWindow, fit: boolean): Promise<void> {
    let counts = await fetchTimeline(window);
    let shown = window;
    for (let pass = 0; fit && counts && pass < 3; pass += 1) {
      const extent = dataExtent(counts, shown, pass === 0 ? 0.5 : 0.9);
      if (!extent) break;
      const fitted = await fetchTimeline(extent);
      if (!fitted) break;
      [counts, shown] = [fitted, extent];
    }
    timeline.value = counts;
    view.value = counts ? shown : undefined;
  }

  async function search(): Promise<void> {
    loading.value = true;
    try {
      const now = Date.now();
      if (form.value.range !== 'custom') lastPreset.value = form.value.range;
      applied.value = toSceneMarkFilter(form.value, now);
      appliedFilters.value = filtersBesidesTime(form.value);
      const [page, present, span] = await Promise.all([
        bridge.invoke('scenemarks:querySceneMarks', { ...applied.value, pageSize }),
        bridge.invoke('scenemarks:listFacets', {}),
        Promise.resolve(formWindow(form.value, now) ?? allTimeBounds(now)),
      ]);
      if (!page.ok) {
        error.value = page.error.message;
        return;
      }
      error.value = undefined;
      rows.value = page.value.rows;
      nextCursor.value = page.value.nextCursor;
      if (present.ok) facets.value = present.value;
      bounds.value = span;
      await showTimeline(span, form.value.range !== 'custom');
    } finally {
      loading.value = false;
    }
  }

  /** Zooms the timeline (not the search) by `factor` around `centerMs` (default: the middle). */
  async function zoom(factor: number, centerMs?: number): Promise<void> {
    if (!view.value || !bounds.value) return;
    const next = zoomWindow(
      view.value,
      factor,
      centerMs ?? (view.value.from + view.value.to) / 2,
      bounds.value,
    );
    if (next.from === view.value.from && next.to === view.value.to) return;
    await showTimeline(next, false);
  }

  /** Shows the whole searched span on the timeline again. */
  async function showAll(): Promise<void> {
    if (bounds.value) await showTimeline(bounds.value, false);
  }

  /** Narrows the search to a span picked on the timeline. */
  async function select(window: TimeWindow): Promise<void> {
    form.value = { ...form.value, range: 'custom', custom: window };
    await search();
  }

  /** Drops the picked span: back to the preset range chosen before it. */
  async function clearSelection(): Promise<void> {
    form.value = { ...form.value, range: lastPreset.value, custom: null };
    await search();
  }

  async function loadMore(): Promise<void> {
    if (!nextCursor.value) return;
    loading.value = true;
    try {
      const page = await bridge.invoke('scenemarks:querySceneMarks', {
        ...applied.value,
        pageSize,
        cursor: nextCursor.value,
      });
      if (!page.ok) {
        error.value = page.error.message;
        return;
      }
      rows.value = [...rows.value, ...page.value.rows];
      nextCursor.value = page.value.nextCursor;
    } finally {
      loading.value = false;
    }
  }

  async function open(sceneMarkId: string): Promise<void> {
    const result = await bridge.invoke('scenemarks:getSceneMark', { sceneMarkId });
    if (!result.ok) {
      error.value = result.error.message;
      return;
    }
    detail.value = result.value;
    detailSession.value = await sessionHolding(
      result.value.sceneMark.deviceId,
      result.value.sceneMark.timeMs,
    );
  }

  /**
   * The newest session with `deviceId` that had started by `timeMs` and had not ended before
   * it, among the last sessionLookback that started by then.
   */
  async function sessionHolding(
    deviceId: string | null,
    timeMs: number,
  ): Promise<SessionHistoryRow | undefined> {
    if (!deviceId) return undefined;
    const page = await bridge.invoke('sessions:queryHistory', {
      peer: deviceId,
      to: timeMs + 1,
      pageSize: sessionLookback,
    });
    if (!page.ok) return undefined;
    return page.value.rows.find(
      (row) =>
        row.peer?.toLowerCase() === deviceId.toLowerCase() && (row.endedMs === null || row.endedMs >= timeMs),
    );
  }

  /** A search for what a link from another view asks for (a session's device and span). */
  async function searchSpan(window: TimeWindow, deviceId: string | undefined): Promise<void> {
    form.value = { ...form.value, range: 'custom', custom: window, deviceId: deviceId ?? '' };
    await search();
  }

  function close(): void {
    detail.value = undefined;
    detailSession.value = undefined;
  }

  return {
    form,
    rows,
    nextCursor,
    timeline,
    bounds,
    view,
    hasHistory,
    appliedFilters,
    zoom,
    showAll,
    select,
    clearSelection,
    facets,
    detail,
    detailSession,
    searchSpan,
    loading,
    error,
    exportFilter,
    appliedText,
    search,
    loadMore,
    open,
    close,
  };
});
