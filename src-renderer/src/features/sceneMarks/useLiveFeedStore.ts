import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { IngestedSceneMark } from '../../../../src-shared/contract/ingestContract';
import { useBridge } from '../../bridge/bridge';
import { ArrivalRate } from './arrivalRate';

/** SceneMarks the feed holds; older ones are in the store and found by search. */
export const liveFeedCapacity = 5000;

/**
 * The live feed of the SceneMarks page: `scenemarks:ingested` batches kept in a bounded
 * buffer outside Vue's reactivity, shown as a snapshot replaced at most once per animation
 * frame, so 2,000 SceneMarks a second cost a few renders a second, not thousands. Pausing
 * freezes the snapshot; arrivals are still counted and kept, and appear on resume. Started by
 * the console frame, so the feed keeps filling while the operator is on another page.
 */
export const useLiveFeedStore = defineStore('liveFeed', () => {
  const bridge = useBridge();
  /** What the feed shows, oldest first (the view reads it from the end). */
  const shown = shallowRef<readonly IngestedSceneMark[]>([]);
  const paused = ref(false);
  /** SceneMarks received since the feed opened. */
  const received = ref(0);
  /** Received while paused, not shown yet. */
  const waiting = ref(0);
  const ratePerSecond = ref(0);
  /** `received` when the snapshot was taken: the view keeps a scrolled position steady by it. */
  const shownThrough = ref(0);
  let buffer: IngestedSceneMark[] = [];
  let frame: number | undefined;
  let rateTimer: ReturnType<typeof setInterval> | undefined;
  let meter = new ArrivalRate();
  let release: (() => void) | undefined;

  function arrived(items: readonly IngestedSceneMark[]): void {
    buffer.push(...items);
    // Trimmed in steps, not per batch: one copy per capacity's worth of arrivals.
    if (buffer.length > liveFeedCapacity * 2) buffer = buffer.slice(-liveFeedCapacity);
    received.value += items.length;
    meter.add(items.length, Date.now());
    if (paused.value) waiting.value += items.length;
    else frame ??= requestAnimationFrame(show);
  }

  function show(): void {
    frame = undefined;
    if (buffer.length > liveFeedCapacity) buffer = buffer.slice(-liveFeedCapacity);
    shown.value = buffer.slice();
    shownThrough.value = received.value;
  }

  function pause(): void {
    paused.value = true;
  }

  function resume(): void {
    paused.value = false;
    waiting.value = 0;
    show();
  }

  function start(): void {
    if (release) return;
    release = bridge.on('scenemarks:ingested', arrived);
    rateTimer = setInterval(() => (ratePerSecond.value = meter.perSecond(Date.now())), 500);
  }

  function stop(): void {
    release?.();
    release = undefined;
    if (rateTimer) clearInterval(rateTimer);
    if (frame !== undefined) cancelAnimationFrame(frame);
    rateTimer = frame = undefined;
    buffer = [];
    meter = new ArrivalRate();
    shown.value = [];
    received.value = waiting.value = ratePerSecond.value = shownThrough.value = 0;
    paused.value = false;
  }

  return { shown, shownThrough, paused, received, waiting, ratePerSecond, pause, resume, start, stop };
});
