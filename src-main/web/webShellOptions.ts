import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** What `npm run serve -- …` accepts. */
export interface WebShellCliOptions {
  host: string;
  port: number;
  dataDir: string;
  open: boolean;
  maxFrameBytes: number;
  help: boolean;
  /** Start the local site at launch with this many simulated cameras. */
  localSiteCameras: number | undefined;
  /** Read simulated-camera faults as JSON lines from stdin (end-to-end tests). */
  faultsOnStdin: boolean;
}

/** Usage text printed by `--help` and after a bad option. */
export const webShellUsage = `Usage: npm run serve -- [options]

  --port N             port on 127.0.0.1 (default: a free one)
  --host ADDR          loopback address to bind (default 127.0.0.1)
  --data-dir DIR       where the database and keys live (default ~/.nice-console)
  --max-frame-bytes N  largest WebSocket frame accepted (default 1048576)
  --open               open the console in the default browser
  --local-site N       start the local site (embedded broker, account service and
                       N simulated cameras, 0-32) at launch
  --faults-on-stdin    for tests: read simulated-camera faults from stdin, one JSON
                       line each: {"camera": 0, "fault": {"kind": "vanish"}}
  --help               show this text`;

function integerOption(
  name: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new Error(`--${name} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

/** Parses the web shell's command line; throws an Error naming the bad option. */
export function parseWebShellArgs(argv: readonly string[]): WebShellCliOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'max-frame-bytes': { type: 'string' },
      open: { type: 'boolean' },
      'local-site': { type: 'string' },
      'faults-on-stdin': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  return {
    host: values.host ?? '127.0.0.1',
    port: integerOption('port', values.port, 0, 0, 65535),
    dataDir: resolve(values['data-dir'] ?? join(homedir(), '.nice-console')),
    maxFrameBytes: integerOption(
      'max-frame-bytes',
      values['max-frame-bytes'],
      1024 * 1024,
      1024,
      64 * 1024 * 1024,
    ),
    open: values.open ?? false,
    help: values.help ?? false,
    faultsOnStdin: values['faults-on-stdin'] ?? false,
    localSiteCameras:
      values['local-site'] === undefined
        ? undefined
        : integerOption('local-site', values['local-site'], 4, 0, 32),
  };
}
