import { performance } from 'node:perf_hooks';
import { FrameRenderer } from '../src-main/simulator/scene/frameRenderer';
import { sceneAt, type SceneState } from '../src-main/simulator/scene/sceneModel';
import { percentile, writeBenchResult } from './benchResult';

// What one simulated camera's picture costs: a FrameRenderer painting I420 frames of a busy scene
// (moving people and vehicles, the name, time and frame-code strip) on one thread, after a
// warm-up, per size the simulator offers. Each frame is timed on its own for p50/p95; the
// throughput is frames per CPU-second of this thread. Target: 640x360 well under 3 ms, so one
// core paints many 30 fps cameras.
const sizes = [
  [320, 180],
  [640, 360],
  [1280, 720],
] as const;
const frames = Number(process.env.BENCH_FRAMES ?? 3000);
const wallClock = Date.now();

const figures: Record<string, number> = {};
for (const [width, height] of sizes) {
  const renderer = new FrameRenderer({ cameraName: 'CAM 01 Lobby', width, height });
  const states: SceneState[] = Array.from({ length: 300 }, (_, i) => sceneAt('bench', i * 33, width, height));
  for (const [index, state] of states.entries()) renderer.render(state, index, wallClock);
  const samples: number[] = [];
  const cpuStart = process.cpuUsage();
  for (let index = 0; index < frames; index += 1) {
    const started = performance.now();
    renderer.render(states[index % states.length] as SceneState, index, wallClock + index * 33);
    samples.push(performance.now() - started);
  }
  const cpu = process.cpuUsage(cpuStart);
  samples.sort((a, b) => a - b);
  const label = `${width}x${height}`;
  figures[`${label} p50 ms`] = Number(percentile(samples, 50).toFixed(3));
  figures[`${label} p95 ms`] = Number(percentile(samples, 95).toFixed(3));
  figures[`${label} frames per CPU-second`] = Math.round(frames / ((cpu.user + cpu.system) / 1e6));
}

writeBenchResult(
  'frameRender',
  `FrameRenderer.render of a busy scene, ${frames} frames per size after 300 warm-up frames, each timed with performance.now(); frames per CPU-second from process.cpuUsage over the timed loop`,
  figures,
);
