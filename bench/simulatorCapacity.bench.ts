import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../src-main/core/util/logger';
import { startAccountService, type AccountService } from '../src-main/embedded/accountService/accountService';
import { startEmbeddedBroker, type EmbeddedBroker } from '../src-main/embedded/broker/embeddedBroker';
import { createSiteCertificate } from '../src-main/embedded/localSite/siteCertificate';
import {
  defaultSimulatorEntry,
  SimulatorHost,
  type SimulatorCamera,
} from '../src-main/embedded/localSite/simulatorHost';
import { percentile, writeBenchResult } from './benchResult';
import { ConsoleReceiver, CountingSession } from './support/simulatorCapacityReceiver';

// Simulator capacity (issue: how many 640x360@30 cameras one simulator process sustains at
// ≥ 28 fps each, and its CPU per camera). The cameras run in their own process exactly as the
// product runs them (SimulatorHost forks simulatorProcess.ts), against a real embedded broker
// and account service on 127.0.0.1 as LocalSite starts them; this process is the console: one
// console-role NICE endpoint with, per camera, a WebRTC control session whose RTCVideoSink only
// counts frames. Streams are added step by step (N = 1, 2, 4, 6, …) and each step is measured
// over a fixed window after a warm-up.
const video = { width: 640, height: 360, fps: 30 };
const maxCameras = Number(process.env.BENCH_MAX_CAMERAS ?? 16);
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const windowSeconds = Number(process.env.BENCH_SECONDS ?? 10);
const targetFps = 28;
const steps = [1, 2, ...Array.from({ length: maxCameras }, (_, index) => (index + 2) * 2)].filter(
  (step) => step <= maxCameras,
);

const logger: Logger = {
  log(level, source, message) {
    if (level === 'error') process.stderr.write(`[${level}] ${source}: ${message}\n`);
  },
};

interface Step {
  cameras: number;
  minFps: number;
  medianFps: number;
  /** The simulator's own per-camera fps (its `stats` IPC message), median over cameras and seconds. */
  simulatorFps: number;
  /** Simulator process CPU over the window, % of one core. */
  simulatorCpuPercent: number;
  /** This process's CPU (the receivers' decoding, MQTT, broker, AS) over the window, % of one core. */
  receiverCpuPercent: number;
  /** CPU of everything else on the machine over the window (other processes), % of one core. */
  otherCpuPercent: number;
  loadAverage1m: number;
}

const ticksPerSecond = 100; // USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK)

/** utime + stime of `pid` in seconds (all threads: libwebrtc's encoder threads included). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), 1-based field 3 is index 0.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** The forked simulator: the child of this process whose command line names simulatorProcess. */
function findSimulatorPid(): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('simulatorProcess')) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  throw new Error('the simulator process was not found among this process’s children');
}

/** Busy seconds of the whole machine (all cores; /proc/stat minus idle and iowait). */
function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  return (total - (ticks[3] ?? 0) - (ticks[4] ?? 0)) / ticksPerSecond;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await sleep(50);
  }
}

const round1 = (value: number): number => Math.round(value * 10) / 10;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nice-capacity-'));
  const cleanups: (() => unknown)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const results: Step[] = [];
  const sessions: CountingSession[] = [];
  let setupSeconds: number;
  try {
    const setupStarted = performance.now();
    const certificate = await createSiteCertificate();
    const accounts = {
      console: { username: 'console', password: randomBytes(24).toString('base64url') },
      devices: { username: 'devices', password: randomBytes(24).toString('base64url') },
      service: { username: 'account-service', password: randomBytes(24).toString('base64url') },
    };
    const broker: EmbeddedBroker = await startEmbeddedBroker({
      host: '127.0.0.1',
      credentials: [accounts.console, accounts.devices, accounts.service],
      tls: { cert: certificate.cert, key: certificate.key },
      logger,
    });
    cleanups.push(() => broker.close());
    const accountService: AccountService = await startAccountService({
      databaseFile: join(dir, 'account-service.sqlite'),
      brokerUrl: broker.tcpUrl,
      brokerUsername: accounts.service.username,
      brokerPassword: accounts.service.password,
      deviceBroker: { url: broker.tcpUrl, ...accounts.devices },
      https: { host: '127.0.0.1', cert: certificate.cert, key: certificate.key },
      autoBind: true,
      logger,
    });
    cleanups.push(() => accountService.close());
    const receiver = await ConsoleReceiver.start({
      accountService,
      brokerUrl: broker.tcpUrl,
      ...accounts.console,
      logger,
    });
    cleanups.push(() => receiver.close());
    cleanups.push(() => {
      for (const session of sessions) session.close();
    });

    const host = new SimulatorHost(
      logger,
      (reason) => process.stderr.write(`the simulator process ${reason}\n`),
      defaultSimulatorEntry(),
    );
    cleanups.push(() => host.stop());
    const cameras: SimulatorCamera[] = await host.start({
      cameras: maxCameras,
      bootstrapUrl: accountService.bootstrapUrl,
      ca: certificate.cert,
      video,
      stateDir: dir,
    });
    const pid = findSimulatorPid();
    const ids = new Set(cameras.map((camera) => camera.deviceId.toLowerCase()));
    await waitUntil(
      () =>
        accountService
          .listDevices()
          .filter((device) => device.binding === 'bound' && ids.has(device.deviceId.toLowerCase())).length ===
        cameras.length,
      60_000,
      `${cameras.length} cameras bound`,
    );
    // Binding answers before the camera has settled; give it a moment before the first session.
    await sleep(500);
    setupSeconds = (performance.now() - setupStarted) / 1000;

    for (const count of steps) {
      while (sessions.length < count) {
        const camera = cameras[sessions.length] as SimulatorCamera;
        const session = new CountingSession(receiver, camera.deviceId);
        sessions.push(session);
        await session.open();
        await session.startStreaming(video);
      }
      await sleep(warmupSeconds * 1000);
      const framesBefore = sessions.map((session) => session.frames);
      const simulatorBefore = cpuSeconds(pid);
      const machineBefore = machineBusySeconds();
      const receiverBefore = process.cpuUsage();
      const started = performance.now();
      const simulatorSamples: number[] = [];
      for (let second = 0; second < windowSeconds; second++) {
        await sleep(1000);
        const streaming = new Set(sessions.map((session) => session.deviceId.toLowerCase()));
        for (const stats of host.latestStats()) {
          if (streaming.has(stats.deviceId.toLowerCase())) simulatorSamples.push(stats.fps);
        }
      }
      const elapsed = (performance.now() - started) / 1000;
      const simulatorCpu = cpuSeconds(pid) - simulatorBefore;
      const machineCpu = machineBusySeconds() - machineBefore;
      const receiverCpu = process.cpuUsage(receiverBefore);
      const receiverSeconds = (receiverCpu.user + receiverCpu.system) / 1e6;
      const fps = sessions
        .map((session, index) => (session.frames - (framesBefore[index] ?? 0)) / elapsed)
        .sort((a, b) => a - b);
      const step: Step = {
        cameras: count,
        minFps: round1(fps[0] ?? 0),
        medianFps: round1(percentile(fps, 50)),
        simulatorFps: round1(
          percentile(
            [...simulatorSamples].sort((a, b) => a - b),
            50,
          ),
        ),
        simulatorCpuPercent: Math.round((simulatorCpu / elapsed) * 100),
        receiverCpuPercent: Math.round((receiverSeconds / elapsed) * 100),
        otherCpuPercent: Math.max(
          0,
          Math.round(((machineCpu - simulatorCpu - receiverSeconds) / elapsed) * 100),
        ),
        loadAverage1m: round1(loadavg()[0] ?? 0),
      };
      results.push(step);
      process.stdout.write(
        `N=${step.cameras}: received fps min ${step.minFps} median ${step.medianFps}, simulator fps ${step.simulatorFps}, simulator CPU ${step.simulatorCpuPercent} %, receiver CPU ${step.receiverCpuPercent} %, other processes ${step.otherCpuPercent} %, load ${step.loadAverage1m}\n`,
      );
      if (step.medianFps < targetFps) break;
    }
  } finally {
    // Cameras first (they say bye), then the receivers, the console endpoint, the AS and the broker.
    for (const cleanup of cleanups.splice(0).reverse()) {
      await Promise.resolve()
        .then(cleanup)
        .catch((error: unknown) => process.stderr.write(`cleanup: ${String(error)}\n`));
    }
  }

  const sustained = results.filter((step) => step.medianFps >= targetFps).at(-1);
  const table = results
    .map(
      (step) =>
        `N${step.cameras}: fps min/med ${step.minFps}/${step.medianFps} sim ${step.simulatorFps} simCPU ${step.simulatorCpuPercent}% rxCPU ${step.receiverCpuPercent}% otherCPU ${step.otherCpuPercent}% load ${step.loadAverage1m}`,
    )
    .join('; ');
  writeBenchResult(
    'simulatorCapacity',
    `${video.width}x${video.height}@${video.fps} simulated cameras (VP8 via @roamhq/wrtc) in their own process forked by SimulatorHost (simulatorProcess.ts under tsx, started with ${maxCameras} cameras), ` +
      `embedded broker (aedes, mqtt:// on 127.0.0.1) and embedded account service (LA over HTTPS, auto-bind) in the bench process as LocalSite starts them; ` +
      `the bench is the console: one console-role NiceEndpoint + MqttEndpointLink with tokens from issueToken, per camera EstablishControlSession → answer the offer with a wrtc RTCPeerConnection → StartStreaming ${video.width}x${video.height}@${video.fps} on the control DataChannel, ` +
      `frames counted in an RTCVideoSink (decoded by libwebrtc, no work on the pixels). Streams added in steps N = ${steps.join(', ')} (earlier streams keep running); per step ${warmupSeconds} s warm-up then a ${windowSeconds} s window: ` +
      `received fps per camera (min/median), the simulator's own per-camera fps from its stats IPC message (median over cameras and seconds), simulator CPU from /proc/<pid>/stat utime+stime (all threads, % of one core), this process's CPU (receivers, broker, AS) and that of every other process on the machine (/proc/stat busy minus both) with the 1-min load average; ` +
      `stops at the first N whose median received fps is below ${targetFps}. setup (broker, AS, fork, ${maxCameras} cameras bound) took ${setupSeconds.toFixed(1)} s. ` +
      `The receivers (VP8 decoding), broker and AS share the machine's ${cpus().length} cores with the simulator (as does whatever else runs, see otherCPU), so maxCamerasAt28fps is a lower bound for a simulator process alone`,
    {
      maxCamerasAt28fps: sustained?.cameras ?? 0,
      cpuPerCameraPercent: sustained ? round1(sustained.simulatorCpuPercent / sustained.cameras) : Number.NaN,
      stoppedAt: results.at(-1)?.cameras ?? 0,
      steps: table,
    },
  );
}

main().then(
  // libwebrtc's threads may outlive the closed peer connections; everything is closed by now.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
