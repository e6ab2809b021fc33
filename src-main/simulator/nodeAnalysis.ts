import type { DataSection } from '../core/nice/sceneData';
import type { Logger } from '../core/util/logger';
import type { NodeDefinition } from './deviceNodes';
import { malformSceneMark } from './faults';
import type { FrameClock } from './frameClock';
import { buildSceneMark, sceneDataIdFor, type ThumbnailReference } from './scene/sceneMarkBuilder';
import { sceneAt, type SceneObject } from './scene/sceneModel';
import { makeThumbnail } from './scene/thumbnail';
import type { SceneMarkDelivery, SceneMarkParcel } from './sceneMarkDelivery';
import type { AnalysisPlan } from './sceneModePlan';

export interface NodeAnalysisOptions {
  deviceId: string;
  node: NodeDefinition;
  /** The scene seed: every camera shows its own street. */
  seed: string;
  clock: FrameClock;
  fps: number;
  width: number;
  height: number;
  /** Paints frame `frame` (for thumbnails) and returns the I420 bytes. */
  render(frame: number, timeMs: number): Uint8ClampedArray;
  delivery: SceneMarkDelivery;
  malformed(): boolean;
  logger: Logger;
  source: string;
}

/** Counters of one node's SceneMarks, for logs and tests. */
export interface AnalysisCounters {
  built: number;
  sent: number;
  skipped: number;
  failed: number;
}

/**
 * The simulated detector of one node: every period of the SceneMode in force it looks at the
 * frame showing now, keeps the objects the SceneMode asks for and, when any is left, sends one
 * SceneMark describing exactly that frame (`Frame` = the counter drawn in the video, TimeStamp =
 * the frame's wall-clock ms) to every destination. WebAPI destinations also get the JPEG
 * thumbnail of the largest object as SceneData.
 */
export class NodeAnalysis {
  private plan: AnalysisPlan | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private running = false;
  readonly counters: AnalysisCounters = { built: 0, sent: 0, skipped: 0, failed: 0 };

  constructor(private readonly options: NodeAnalysisOptions) {}

  /** Uses `plan` from now on (a new SceneMode); a plan without destinations sends nothing. */
  apply(plan: AnalysisPlan): void {
    this.plan = plan;
    if (this.running) this.restartTimer();
  }

  /** Starts sending (the camera is bound). */
  start(): void {
    this.running = true;
    this.restartTimer();
  }

  /** Stops sending without forgetting the plan (vanish, restart, release). */
  stop(): void {
    this.running = false;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private restartTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    const plan = this.plan;
    if (!plan || plan.destinations.length === 0) return;
    this.timer = setInterval(() => void this.tick(), plan.periodMs);
  }

  /** Builds and sends the SceneMark of the frame showing now; exposed for tests. */
  async tick(nowMs = Date.now()): Promise<void> {
    const plan = this.plan;
    if (!plan || plan.destinations.length === 0) return;
    const { clock, fps, width, height, deviceId, node } = this.options;
    const frame = clock.frameAt(fps, nowMs);
    const timeMs = clock.timeOf(fps, frame);
    const state = sceneAt(this.options.seed, timeMs, width, height);
    const visible = state.objects.filter((object) => plan.keep(object, state));
    const base = {
      deviceId,
      nodeId: node.nodeId,
      portId: node.sceneMarkPortId,
      frame,
      wallClockMs: timeMs,
      state: { ...state, objects: visible },
      instance: timeMs,
      filter: plan.filter,
      eventType: plan.eventType,
    };
    const built = buildSceneMark(base);
    if (built.objects.length === 0) return;
    this.counters.built += 1;
    const parcel: SceneMarkParcel = { sceneMark: this.finish(built.sceneMark) };
    if (plan.destinations.some((destination) => destination.protocol === 'WebAPI')) {
      const largest = built.objects.reduce((a, b) =>
        b.box.width * b.box.height > a.box.width * a.box.height ? b : a,
      );
      const withData = this.withThumbnail(base, largest, frame, timeMs, built.sceneMarkId);
      parcel.withSceneData = { sceneMark: this.finish(withData.sceneMark), sections: withData.sections };
    }
    const outcomes = await Promise.all(
      plan.destinations.map((destination) => this.options.delivery.deliver(destination, parcel)),
    );
    for (const outcome of outcomes) {
      if (outcome === 'sent') this.counters.sent += 1;
      else if (outcome === 'failed') this.counters.failed += 1;
      else this.counters.skipped += 1;
    }
  }

  private withThumbnail(
    base: Parameters<typeof buildSceneMark>[0],
    object: SceneObject,
    frame: number,
    timeMs: number,
    sceneMarkId: string,
  ): { sceneMark: object; sections: DataSection[] } {
    const { width, height, deviceId, node } = this.options;
    const image = this.options.render(frame, timeMs);
    const dataId = sceneDataIdFor(deviceId, node.nodeId, timeMs);
    const thumbnail = makeThumbnail(image, width, height, object.box, {
      dataId,
      relatedSceneMarks: [sceneMarkId],
    });
    const reference: ThumbnailReference = {
      objectId: object.objectId,
      sceneDataId: dataId,
      width: thumbnail.width,
      height: thumbnail.height,
    };
    const built = buildSceneMark({ ...base, thumbnails: [reference] });
    return { sceneMark: built.sceneMark, sections: thumbnail.sections };
  }

  /** The SceneMark as sent: broken when the `malformed` fault is on. */
  private finish(sceneMark: object): Record<string, unknown> {
    const plain = sceneMark as Record<string, unknown>;
    return this.options.malformed() ? malformSceneMark(plain) : plain;
  }
}
