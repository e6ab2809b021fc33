import type { LogSeverity, Logger } from '../core/util/logger';
import { SimulatorFleet } from './simulatorFleet';
import { SimulatorRequest, type SimulatorReply } from './simulatorIpc';

/*
 * Entry of the simulator child process that main fork()s (ARCHITECTURE: video encoding never
 * runs on main's event loop). Messages are validated with simulatorIpc.ts; log lines go to
 * stderr, which main inherits.
 */

const levels: Record<LogSeverity, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const threshold =
  levels[(process.env.NICE_SIMULATOR_LOG as LogSeverity | undefined) ?? 'warn'] ?? levels.warn;

const logger: Logger = {
  log(level, source, message) {
    if (levels[level] >= threshold) process.stderr.write(`[${level}] ${source}: ${message}\n`);
  },
};

let fleet: SimulatorFleet | undefined;
let starting = false;
let statsTimer: ReturnType<typeof setInterval> | undefined;
let stopping: Promise<void> | undefined;

function send(message: SimulatorReply): void {
  if (process.connected) process.send?.(message);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Says bye on every session, disconnects, and exits. */
function stop(code = 0): Promise<void> {
  stopping ??= (async () => {
    clearInterval(statsTimer);
    await fleet?.close().catch(() => undefined);
    process.exit(code);
  })();
  return stopping;
}

async function onMessage(raw: unknown): Promise<void> {
  const parsed = SimulatorRequest.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    send({
      type: 'error',
      message: `invalid message: ${issue?.path.join('.') || '$'}: ${issue?.message ?? ''}`,
    });
    return;
  }
  const message = parsed.data;
  switch (message.type) {
    case 'start': {
      if (fleet || starting) {
        send({ type: 'error', message: 'the simulator is already started' });
        return;
      }
      starting = true;
      try {
        fleet = await SimulatorFleet.start({
          cameras: message.cameras,
          bootstrapUrl: message.bootstrapUrl,
          ca: message.ca,
          video: message.video,
          stateDir: message.stateDir,
          ...(message.fallbackBrokerUrl ? { fallbackBrokerUrl: message.fallbackBrokerUrl } : {}),
          ...(message.webApiStyle ? { webApiStyle: message.webApiStyle } : {}),
          logger,
        });
      } catch (error) {
        send({ type: 'error', message: `could not start: ${describe(error)}` });
        return;
      } finally {
        starting = false;
      }
      const running = fleet;
      send({
        type: 'ready',
        cameras: running.cameras.map((camera, index) => ({
          index,
          deviceId: camera.deviceId,
          name: camera.name,
        })),
      });
      statsTimer = setInterval(() => send({ type: 'stats', cameras: running.stats() }), 1000);
      return;
    }
    case 'fault':
      if (!fleet) {
        send({ type: 'error', message: 'no cameras are running' });
        return;
      }
      await fleet.fault(message.cameraIndex, message.fault).catch((error: unknown) => {
        send({ type: 'error', message: `fault ${message.fault.kind}: ${describe(error)}` });
      });
      return;
    case 'stop':
      await stop(0);
  }
}

if (!process.send) {
  process.stderr.write('simulatorProcess is started by the console with fork(); use cli.ts from a shell\n');
  process.exit(2);
}
process.on('message', (raw) => void onMessage(raw));
// Main went away: nobody is left to stop us.
process.on('disconnect', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));
