import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConsoleServices, type ConsoleServices } from '../services/consoleServices';
import { FileKeyCipher } from '../services/secrets/fileKeyCipher';
import { createAccessToken } from './accessToken';
import { WebExportDownloads } from './exportDownloads';
import { applyFaultsFromStdin } from './stdinFaults';
import { parseWebShellArgs, webShellUsage, type WebShellCliOptions } from './webShellOptions';
import { startWebShellServer, type WebShellServer } from './webShellServer';

// Built as out/main/serve.js and run from source by tests: both sit two folders below the root.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function readVersion(): string {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

function openInBrowser(url: string): void {
  const command =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(command, [url], { stdio: 'ignore', detached: true });
  const hint = command === 'xdg-open' ? ' (Debian package xdg-utils)' : '';
  child.on('error', () =>
    process.stderr.write(`Could not start ${command}${hint}; open the URL above yourself.\n`),
  );
  child.unref();
}

/** Composition root of the web shell: the console's services in plain Node, served on loopback. */
async function main(): Promise<void> {
  let options: WebShellCliOptions;
  try {
    options = parseWebShellArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${webShellUsage}\n`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(`${webShellUsage}\n`);
    return;
  }

  let services: ConsoleServices;
  let exportDownloads: WebExportDownloads;
  try {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    exportDownloads = new WebExportDownloads(options.dataDir, {
      log: (level, source, message) => {
        if (level === 'warn' || level === 'error') process.stderr.write(`[${level}] ${source}: ${message}\n`);
      },
    });
    services = createConsoleServices({
      shell: 'web',
      version: readVersion(),
      dataDir: options.dataDir,
      migrationsDir: join(root, 'resources', 'migrations'),
      appRoot: root,
      cipher: FileKeyCipher.inDataDir(options.dataDir),
      exportDestinations: exportDownloads,
      logSink: (entry, detail) => {
        if (entry.level === 'warn' || entry.level === 'error') {
          process.stderr.write(
            `[${entry.level}] ${entry.source}: ${entry.message}${detail ? `\n${detail}` : ''}\n`,
          );
        }
      },
    });
  } catch (error) {
    process.stderr.write(
      `Cannot start the console services in ${options.dataDir}: ${(error as Error).message}\n`,
    );
    process.exit(1);
  }

  let server: WebShellServer;
  try {
    server = await startWebShellServer({
      host: options.host,
      port: options.port,
      token: createAccessToken(),
      rendererDir: join(root, 'out', 'renderer'),
      maxFrameBytes: options.maxFrameBytes,
      dispatcher: services.dispatcher,
      events: services.events,
      logger: services.log,
      exportDownloads,
    });
  } catch (error) {
    services.dispose();
    process.stderr.write(`Cannot start the web shell: ${(error as Error).message}\n`);
    process.exit(1);
  }
  services.log.log('info', 'web-shell', `listening on ${server.origin}`);
  process.stdout.write(
    `NICE Console web shell ${services.info.version}\n` +
      `  Data folder: ${options.dataDir}\n` +
      `  Open:        ${server.accessUrl}\n` +
      `Press Ctrl+C to stop.\n`,
  );
  if (options.open) openInBrowser(server.accessUrl);
  if (options.faultsOnStdin) {
    applyFaultsFromStdin(
      process.stdin,
      (cameraIndex, fault) => services.localSite.fault(cameraIndex, fault),
      (message) => process.stderr.write(`${message}\n`),
    );
  }
  const siteStart =
    options.localSiteCameras === undefined
      ? services.localSite.autostart()
      : services.localSite.start({ cameras: options.localSiteCameras }).then(() => undefined);
  siteStart.then(
    () => {
      const site = services.localSite.status();
      if (site.state === 'running' && site.broker) {
        process.stdout.write(
          `Local site running: broker ${site.broker.tcpUrl}, ${site.simulator?.cameras ?? 0} simulated cameras\n`,
        );
      }
    },
    (error: unknown) => process.stderr.write(`The local site did not start: ${(error as Error).message}\n`),
  );

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void server
      .close()
      .then(() => services.shutdown())
      .finally(() => {
        exportDownloads.dispose();
        process.exit(0);
      });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
