import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { installBridge } from '../../../../src-renderer/src/bridge/bridge';
import {
  barsTotal,
  barsWindow,
  dataExtent,
  zoomWindow,
} from '../../../../src-renderer/src/features/sceneMarks/timelineWindow';
import { useSceneMarksStore } from '../../../../src-renderer/src/features/sceneMarks/useSceneMarksStore';
import {
  GetTimelineRequest,
  timelineBucketCount,
  timelineBucketSizesMs,
  type GetTimelineResponse,
} from '../../../../src-shared/contract/sceneMarksContract';
import { FakeBridge } from '../../fakeBridge';

const minute = 60_000;
const hour = 60 * minute;
const now = Date.UTC(2026, 11, 7, 12, 0, 0);

/** Counts of `times` as main's timeline gives them: aligned buckets, half-open range. */
function timelineOf(times: readonly number[], request: GetTimelineRequest): GetTimelineResponse {
  const bucketMs =
    request.bucketMs ??
    timelineBucketSizesMs.find(
      (size) => timelineBucketCount(request.from, request.to, size) <= request.maxBuckets,
    ) ??
    86_400_000;
  const firstBucketMs = Math.floor(request.from / bucketMs) * bucketMs;
  const counts = new Array<number>(timelineBucketCount(request.from, request.to, bucketMs)).fill(0);
  let total = 0;
  for (const time of times) {
    if (time < request.from || time >= request.to) continue;
    const bucket = Math.floor((time - firstBucketMs) / bucketMs);
    counts[bucket] = (counts[bucket] ?? 0) + 1;
    total += 1;
  }
  return { bucketMs, firstBucketMs, counts, total };
}

describe('timeline windows', () => {
  it('fits to where the SceneMarks are only when they fill less than the share asked', () => {
    const window = { from: now - 24 * hour, to: now };
    const times = [now - 40 * minute, now - 20 * minute, now - 5 * minute];
    const day = timelineOf(times, GetTimelineRequest.parse({ ...window, maxBuckets: 120 }));
    const extent = dataExtent(day, window);
    expect(extent?.from).toBeLessThanOrEqual(now - 40 * minute);
    expect(extent?.to).toBe(now);
    expect(dataExtent(day, window, 0.001)).toBeUndefined();
    const empty = timelineOf([], GetTimelineRequest.parse({ ...window, maxBuckets: 120 }));
    expect(dataExtent(empty, window)).toBeUndefined();
  });

  it('keeps at least a minute, inside the window', () => {
    const window = { from: now - hour, to: now + 1 };
    const counts = timelineOf([now - 1000], GetTimelineRequest.parse({ ...window, maxBuckets: 120 }));
    const extent = dataExtent(counts, window);
    expect(extent?.to).toBe(now + 1);
    expect((extent?.to ?? 0) - (extent?.from ?? 0)).toBeGreaterThanOrEqual(minute - 1000);
  });

  it('cuts picked bars to the window and sums them', () => {
    const window = { from: now - 10 * minute + 7000, to: now };
    const counts = timelineOf(
      [now - 9 * minute, now - 9 * minute + 1, now - minute],
      GetTimelineRequest.parse({ ...window, bucketMs: minute }),
    );
    expect(barsWindow(counts, window, 1, 0)).toEqual({ from: window.from, to: now - 8 * minute });
    expect(barsTotal(counts, 1, 0)).toBe(2);
    expect(barsWindow(counts, window, 9, 9)).toEqual({ from: now - minute, to: now });
  });

  it('zooms around a point, inside the bounds, never below a minute', () => {
    const bounds = { from: now - 24 * hour, to: now };
    const view = { from: now - 2 * hour, to: now };
    expect(zoomWindow(view, 0.5, now - hour, bounds)).toEqual({
      from: now - 1.5 * hour,
      to: now - 0.5 * hour,
    });
    expect(zoomWindow(view, 1000, now, bounds)).toEqual(bounds);
    const tight = zoomWindow({ from: now - 2 * minute, to: now }, 0.01, now - minute, bounds);
    expect(tight.to - tight.from).toBe(minute);
  });
});

describe('the SceneMarks store timeline', () => {
  let times: number[];
  let bridge: FakeBridge;

  beforeEach(() => {
    times = [];
    bridge = new FakeBridge()
      .respond('scenemarks:querySceneMarks', () => ({ ok: true, value: { rows: [], nextCursor: null } }))
      .respond('scenemarks:listFacets', () => ({
        ok: true,
        value: { devices: [], itemTypes: [], eventTypes: [] },
      }))
      .respond('scenemarks:getTimeline', (request) => ({
        ok: true,
        value: timelineOf(times, GetTimelineRequest.parse(request)),
      }));
    installBridge(bridge);
    setActivePinia(createPinia());
  });

  it('shows the last minute of a day whose SceneMarks all came in the last seconds', async () => {
    const realNow = Date.now();
    times = [realNow - 20_000, realNow - 10_000, realNow - 5000, realNow - 1000];
    const store = useSceneMarksStore();
    await store.search();
    const view = store.view ?? { from: 0, to: 0 };
    expect(view.to - view.from).toBeLessThanOrEqual(2 * minute);
    expect(store.timeline?.total).toBe(4);
    expect(store.timeline?.bucketMs).toBeLessThanOrEqual(1000);
  });

  it('narrows the search to a picked span and goes back to the preset', async () => {
    const store = useSceneMarksStore();
    await store.search();
    await store.select({ from: now - hour, to: now });
    const query = bridge.calls.filter((call) => call.channel === 'scenemarks:querySceneMarks').at(-1);
    expect(query?.request).toMatchObject({ from: now - hour, to: now });
    expect(store.form.range).toBe('custom');
    await store.clearSelection();
    expect(store.form.range).toBe('24h');
    expect(store.form.custom).toBeNull();
  });
});
