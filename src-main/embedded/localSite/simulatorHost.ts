import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Logger } from '../../core/util/logger';

/** Frame size and rate of the simulated cameras, and the stream sizes they offer. */
export interface SimulatedVideo {
  width: number;
  height: number;
  fps: number;
  resolutions?: { Width: number; Height: number }[];
}

/** Where the simulator's process entry is: beside the bundle when built, the source under tsx in tests. */
export interface SimulatorEntry {
  file: string;
  execArgv: string[];
}

export function defaultSimulatorEntry(): SimulatorEntry {
  const fromSource = import.meta.url.endsWith('.ts');
  return fromSource
    ? {
        file: fileURLToPath(new URL('../../simulator/simulatorProcess.ts', import.meta.url)),
        execArgv: ['--import', 'tsx'],
      }
    : { file: fileURLToPath(new URL('./simulatorProcess.js', import.meta.url)), execArgv: [] };
}

export interface SimulatorStart {
  cameras: number;
  bootstrapUrl: string;
  /** PEM of the certificate the LA presents. */
  ca: string;
  video: SimulatedVideo;
  stateDir: string;
}

const Ready = z.object({
  type: z.literal('ready'),
  cameras: z.array(z.object({ index: z.number(), deviceId: z.string(), name: z.string() })),
});
const Failure = z.object({ type: z.literal('error'), message: z.string() });
const Stats = z.object({
  type: z.literal('stats'),
  cameras: z.array(
    z.object({ deviceId: z.string(), fps: z.number(), streaming: z.boolean(), sessions: z.number() }),
  ),
});
const Message = z.union([Ready, Failure, Stats]);

export type SimulatorCamera = z.infer<typeof Ready>['cameras'][number];
export type SimulatorStats = z.infer<typeof Stats>['cameras'];

/**
 * Runs the simulated cameras in their own process (issue #4: video encoding never touches
 * main's event loop) and reports when it ends by itself.
 */
export class SimulatorHost {
  private child: ChildProcess | undefined;
  private stats: SimulatorStats = [];
  cameras: SimulatorCamera[] = [];

  constructor(
    private readonly logger: Logger,
    private readonly onExit: (reason: string) => void,
    private readonly entry: SimulatorEntry = defaultSimulatorEntry(),
  ) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  latestStats(): SimulatorStats {
    return this.stats;
  }

  /** Forks the process and resolves when every camera has its identity (not yet bound). */
  start(options: SimulatorStart, readyTimeoutMs = 60_000): Promise<SimulatorCamera[]> {
    if (this.child) return Promise.reject(new Error('the simulator is already running'));
    const child = fork(this.entry.file, [], {
      execArgv: this.entry.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    this.child = child;
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(
        () => fail(new Error('the simulator did not report ready in time')),
        readyTimeoutMs,
      );
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        void this.stop();
        reject(error);
      };
      child.on('message', (raw) => {
        const parsed = Message.safeParse(raw);
        if (!parsed.success) {
          this.logger.log('warn', 'simulator', 'ignored a malformed message from the simulator process');
          return;
        }
        const message = parsed.data;
        if (message.type === 'stats') this.stats = message.cameras;
        else if (message.type === 'error') {
          this.logger.log('error', 'simulator', message.message);
          fail(new Error(`the simulator failed: ${message.message}`));
        } else if (!settled) {
          settled = true;
          clearTimeout(timer);
          this.cameras = message.cameras;
          resolve(message.cameras);
        }
      });
      child.on('exit', (code, signal) => {
        const wasCurrent = this.child === child;
        if (wasCurrent) this.child = undefined;
        const reason = signal ? `ended by ${signal}` : `exited with code ${code ?? 0}`;
        if (!settled) fail(new Error(`the simulator process ${reason} before it was ready`));
        else if (wasCurrent) this.onExit(reason);
      });
      child.send({ type: 'start', ...options });
    });
  }

  /** Sends a fault switch to one camera (tests and the operator's fault panel). */
  fault(cameraIndex: number, fault: unknown): void {
    this.child?.send({ type: 'fault', cameraIndex, fault });
  }

  /** Asks the process to stop (cameras say bye), and kills it if it does not within `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    const child = this.child;
    this.child = undefined;
    this.cameras = [];
    this.stats = [];
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (child.connected) child.send({ type: 'stop' });
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
