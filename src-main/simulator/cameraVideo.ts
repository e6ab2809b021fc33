import type { Disposable } from '../core/util/disposable';
import type { FrameClock } from './frameClock';
import { RateMeter } from './rateMeter';
import { FrameRenderer } from './scene/frameRenderer';
import { sceneAt } from './scene/sceneModel';
import type { I420Frame } from './wrtc';

/** Frame size and rate of a camera, and the stream sizes its GetCapabilities offers. */
export interface VideoSettings {
  width: number;
  height: number;
  fps: number;
  /** Offered stream sizes; deviceNodes' VIDEO_RESOLUTIONS when not given. */
  resolutions?: readonly { Width: number; Height: number }[];
}

/** What one stream asks for (StartStreaming Video, clamped to the camera's rate). */
export interface StreamFormat {
  width: number;
  height: number;
  fps: number;
}

/**
 * The video of one camera: frames of its deterministic scene, painted only while something
 * streams (or a thumbnail needs one), once per frame and size however many streams want it.
 * Frame numbers come from the process's frame clock at the camera's rate, so the counter drawn
 * into the video and the `Frame` of a SceneMark agree.
 */
export class CameraVideo {
  /** Frames per second streamed, each frame counted once (the simulator's `fps` stat). */
  private readonly streamed = new RateMeter();
  private lastStreamedFrame = -1;
  private readonly renderers = new Map<
    string,
    { renderer: FrameRenderer; frame: number; output?: Uint8ClampedArray }
  >();

  constructor(
    private readonly name: string,
    /** The scene seed: sceneAt(seed, …) is what the camera shows. */
    readonly seed: string,
    private readonly clock: FrameClock,
    readonly settings: VideoSettings,
  ) {}

  get fps(): number {
    return this.streamed.rate();
  }

  /** Paints frame `frame` (showing `timeMs`) at `width` × `height`; the buffer is reused. */
  render(
    frame: number,
    timeMs: number,
    width = this.settings.width,
    height = this.settings.height,
  ): Uint8ClampedArray {
    const key = `${width}x${height}`;
    let entry = this.renderers.get(key);
    if (!entry) {
      entry = { renderer: new FrameRenderer({ cameraName: this.name, width, height }), frame: -1 };
      this.renderers.set(key, entry);
    }
    // The renderer paints into one buffer per size, so it still holds the frame painted last.
    if (entry.frame === frame && entry.output) return entry.output;
    entry.output = entry.renderer.render(sceneAt(this.seed, timeMs, width, height), frame, timeMs);
    entry.frame = frame;
    return entry.output;
  }

  /**
   * Calls `push` with each frame of a stream until disposed: the clock runs at the camera's
   * rate and a slower stream takes every n-th frame, so frame numbers stay the camera's.
   */
  stream(format: StreamFormat, push: (frame: I420Frame) => void): Disposable {
    const cameraFps = this.settings.fps;
    let lastSlot = -1;
    return this.clock.subscribe(cameraFps, ({ frame, timeMs }) => {
      const slot = Math.floor((frame * format.fps) / cameraFps);
      if (slot === lastSlot) return;
      lastSlot = slot;
      const image = this.render(frame, timeMs, format.width, format.height);
      push({
        width: format.width,
        height: format.height,
        data: new Uint8Array(image.buffer, image.byteOffset, image.byteLength),
      });
      if (frame !== this.lastStreamedFrame) {
        this.lastStreamedFrame = frame;
        this.streamed.record();
      }
    });
  }
}
