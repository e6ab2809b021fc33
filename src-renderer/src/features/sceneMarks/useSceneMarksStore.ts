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
import { useBridge } from '../../bridge/bridge';

/** The time windows the filter bar offers, in milliseconds back from now (`all`: no bound). */
export const timeRanges = {
  '15m': 900_000,
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 604_800_000,
  all: 0,
} as const;
export type TimeRange = keyof typeof timeRanges;

/** What the operator set in the filter bar. */
export interface SceneMarkFilterForm {
  range: TimeRange;
  deviceId: string;
  itemType: string;
  eventType: string;
  minProbability: number;
  text: string;
}

const pageSize = 200;

/** Turns the filter bar into the contract's filter; empty fields filter nothing. */
export function toSceneMarkFilter(form: SceneMarkFilterForm, now: number): SceneMarkFilter {
  const window = timeRanges[form.range];
  return {
    ...(window > 0 ? { from: now - window, to: now + 1 } : {}),
    ...(form.deviceId ? { deviceIds: [form.deviceId] } : {}),
    ...(form.itemType ? { itemTypes: [form.itemType] } : {}),
    ...(form.eventType ? { eventTypes: [form.eventType] } : {}),
    ...(form.minProbability > 0 ? { minProbability: form.minProbability } : {}),
    ...(form.text.trim() ? { text: form.text.trim() } : {}),
  };
}

/**
 * SceneMark search: one filter, pages fetched by keyset cursor, the timeline of the same
 * filter, and the detail of the SceneMark the operator opens.
 */
export const useSceneMarksStore = defineStore('sceneMarks', () => {
  const bridge = useBridge();
  const form = ref<SceneMarkFilterForm>({
    range: '24h',
    deviceId: '',
    itemType: '',
    eventType: '',
    minProbability: 0,
    text: '',
  });
  const rows = shallowRef<SceneMarkRow[]>([]);
  const nextCursor = ref<string | null>(null);
  const timeline = ref<GetTimelineResponse>();
  const facets = ref<ListFacetsResponse>();
  const detail = ref<GetSceneMarkResponse>();
  const loading = ref(false);
  const error = ref<string>();
  const applied = ref<SceneMarkFilter>({});
  /** The part of the applied search an export can take: its time range and device. */
  const exportFilter = computed<ExportFilter>(() => ({
    ...(applied.value.from !== undefined ? { fromMs: Math.max(0, applied.value.from) } : {}),
    ...(applied.value.to !== undefined ? { toMs: applied.value.to } : {}),
    ...(applied.value.deviceIds ? { deviceIds: applied.value.deviceIds } : {}),
  }));

  async function search(): Promise<void> {
    loading.value = true;
    try {
      const now = Date.now();
      applied.value = toSceneMarkFilter(form.value, now);
      const [page, counts, present] = await Promise.all([
        bridge.invoke('scenemarks:querySceneMarks', { ...applied.value, pageSize }),
        bridge.invoke('scenemarks:getTimeline', {
          ...applied.value,
          from: applied.value.from ?? now - timeRanges['7d'],
          to: applied.value.to ?? now + 1,
          maxBuckets: 120,
        }),
        bridge.invoke('scenemarks:listFacets', {}),
      ]);
      if (!page.ok) {
        error.value = page.error.message;
        return;
      }
      error.value = counts.ok ? undefined : counts.error.message;
      rows.value = page.value.rows;
      nextCursor.value = page.value.nextCursor;
      timeline.value = counts.ok ? counts.value : undefined;
      if (present.ok) facets.value = present.value;
    } finally {
      loading.value = false;
    }
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
    if (result.ok) detail.value = result.value;
    else error.value = result.error.message;
  }

  function close(): void {
    detail.value = undefined;
  }

  return {
    form,
    rows,
    nextCursor,
    timeline,
    facets,
    detail,
    loading,
    error,
    exportFilter,
    search,
    loadMore,
    open,
    close,
  };
});
