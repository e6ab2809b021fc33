import type { GetTimelineResponse } from '../../../../src-shared/contract/sceneMarksContract';

/** A half-open span of time, ms since the epoch: `from` ≤ t < `to`. */
export interface TimeWindow {
  from: number;
  to: number;
}

/** The narrowest window the timeline zooms to: one minute of 1-second bars. */
export const minTimelineSpanMs = 60_000;

/**
 * The part of `window` that holds SceneMarks, one bar of margin each side, when that is less than
 * `share` of it; otherwise (or with no SceneMarks) undefined, and the whole window is worth
 * showing. A day with SceneMarks in its last ten minutes then shows those minutes in useful bars.
 */
export function dataExtent(
  timeline: GetTimelineResponse,
  window: TimeWindow,
  share = 0.5,
): TimeWindow | undefined {
  const first = timeline.counts.findIndex((count) => count > 0);
  if (first < 0) return undefined;
  const last = timeline.counts.length - 1 - [...timeline.counts].reverse().findIndex((count) => count > 0);
  const extent = {
    from: Math.max(window.from, timeline.firstBucketMs + (first - 1) * timeline.bucketMs),
    to: Math.min(window.to, timeline.firstBucketMs + (last + 2) * timeline.bucketMs),
  };
  if (extent.to - extent.from < minTimelineSpanMs) {
    const middle = (extent.from + extent.to) / 2;
    extent.from = Math.max(window.from, Math.floor(middle - minTimelineSpanMs / 2));
    extent.to = Math.min(window.to, extent.from + minTimelineSpanMs);
  }
  return extent.to - extent.from < (window.to - window.from) * share ? extent : undefined;
}

/**
 * The time bars `firstIndex`..`lastIndex` (either order) cover, cut to `view`: the buckets are
 * aligned to their size, so the first and last may reach past the window the counts were for.
 */
export function barsWindow(
  timeline: GetTimelineResponse,
  view: TimeWindow,
  firstIndex: number,
  lastIndex: number,
): TimeWindow {
  const low = Math.max(0, Math.min(firstIndex, lastIndex));
  const high = Math.min(timeline.counts.length - 1, Math.max(firstIndex, lastIndex));
  return {
    from: Math.max(view.from, timeline.firstBucketMs + low * timeline.bucketMs),
    to: Math.min(view.to, timeline.firstBucketMs + (high + 1) * timeline.bucketMs),
  };
}

/** SceneMarks the bars `firstIndex`..`lastIndex` count. */
export function barsTotal(timeline: GetTimelineResponse, firstIndex: number, lastIndex: number): number {
  const low = Math.max(0, Math.min(firstIndex, lastIndex));
  const high = Math.max(firstIndex, lastIndex);
  return timeline.counts.slice(low, high + 1).reduce((sum, count) => sum + count, 0);
}

/**
 * `view` zoomed by `factor` (< 1 in, > 1 out) around `centerMs`, kept inside `bounds` and no
 * narrower than a minute (or than `bounds`, when that is narrower).
 */
export function zoomWindow(
  view: TimeWindow,
  factor: number,
  centerMs: number,
  bounds: TimeWindow,
): TimeWindow {
  const boundsSpan = bounds.to - bounds.from;
  const span = Math.min(boundsSpan, Math.max(minTimelineSpanMs, (view.to - view.from) * factor));
  const center = Math.min(bounds.to, Math.max(bounds.from, centerMs));
  // Where the center sits in the view stays where it is on screen.
  const share = view.to > view.from ? (center - view.from) / (view.to - view.from) : 0.5;
  let from = Math.round(center - span * share);
  from = Math.max(bounds.from, Math.min(from, bounds.to - span));
  return { from, to: Math.round(from + span) };
}
