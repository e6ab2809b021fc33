import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { LogSeverity, Logger } from '../core/util/logger';
import { SimulatorFleet } from './simulatorFleet';
import { StartMessage } from './simulatorIpc';

/*
 * Runs simulated NICE cameras from a shell against any NICE site:
 *   node … cli --devices 8 --bootstrap https://127.0.0.1:PORT/1/{LA id} [--ca file.pem]
 *        [--broker URL] [--width 640 --height 360 --fps 30] [--state-dir dir]
 *        [--webapi-style cmf|setSceneMark|mixed] [--verbose]
 * Prints one line per camera when it is bound; stops cleanly (bye to every session) on SIGINT
 * or SIGTERM.
 */

const usage = `usage: simulator --devices N --bootstrap https://host:port/1/{LA EndPointID}
  [--ca file.pem] [--broker mqtt://host:port] [--width 640] [--height 360] [--fps 30]
  [--state-dir .nice-simulator] [--webapi-style cmf|setSceneMark|mixed] [--verbose]`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        devices: { type: 'string', default: '4' },
        bootstrap: { type: 'string' },
        ca: { type: 'string' },
        broker: { type: 'string' },
        width: { type: 'string', default: '640' },
        height: { type: 'string', default: '360' },
        fps: { type: 'string', default: '30' },
        'state-dir': { type: 'string', default: '.nice-simulator' },
        'webapi-style': { type: 'string', default: 'cmf' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (!values.bootstrap) fail('--bootstrap is required');
  let ca = '';
  if (values.ca) {
    try {
      ca = readFileSync(values.ca, 'utf8');
    } catch (error) {
      fail(`--ca: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  // The same validation as the IPC start message, so both entries accept the same settings.
  const parsed = StartMessage.safeParse({
    type: 'start',
    cameras: Number(values.devices),
    bootstrapUrl: values.bootstrap,
    ca,
    video: { width: Number(values.width), height: Number(values.height), fps: Number(values.fps) },
    stateDir: resolve(values['state-dir']),
    ...(values.broker ? { fallbackBrokerUrl: values.broker } : {}),
    webApiStyle: values['webapi-style'],
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const option: Record<string, string> = {
      cameras: '--devices',
      bootstrapUrl: '--bootstrap',
      stateDir: '--state-dir',
    };
    const field = String(issue?.path.at(-1) ?? '');
    fail(`${option[field] ?? `--${field}`}: ${issue?.message ?? 'invalid'}`);
  }
  const settings = parsed.data;
  const minimum: LogSeverity = values.verbose ? 'info' : 'warn';
  const order: LogSeverity[] = ['debug', 'info', 'warn', 'error'];
  const logger: Logger = {
    log(level, source, message) {
      if (order.indexOf(level) >= order.indexOf(minimum))
        process.stderr.write(`[${level}] ${source}: ${message}\n`);
    },
  };
  const fleet = await SimulatorFleet.start({
    cameras: settings.cameras,
    bootstrapUrl: settings.bootstrapUrl,
    ...(settings.ca ? { ca: settings.ca } : {}),
    ...(settings.fallbackBrokerUrl ? { fallbackBrokerUrl: settings.fallbackBrokerUrl } : {}),
    video: settings.video,
    stateDir: settings.stateDir,
    ...(settings.webApiStyle ? { webApiStyle: settings.webApiStyle } : {}),
    logger,
  });
  process.stdout.write(
    `simulating ${fleet.cameras.length} camera(s) at ${settings.video.width}x${settings.video.height}, ${settings.video.fps} fps; identities in ${settings.stateDir}\n`,
  );
  for (const [index, camera] of fleet.cameras.entries()) {
    let printed = false;
    camera.onDidChange(() => {
      if (camera.state === 'bound' && !printed) {
        printed = true;
        process.stdout.write(`bound  ${String(index).padStart(2)}  ${camera.deviceId}  ${camera.name}\n`);
      } else if (camera.state !== 'bound') {
        printed = false;
      }
    });
  }
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('stopping: saying bye to every session\n');
    void fleet.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main().catch((error: unknown) => {
  process.stderr.write(`simulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
