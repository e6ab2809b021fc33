import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './freePort';
import { generateTestCertificates, type TestCertificates } from './testCertificates';

/** The Mosquitto binary (Debian puts it in /usr/sbin, often not on a user's PATH). */
export const mosquittoBinary = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';

/** Ports of the listeners the fixture configures, all on 127.0.0.1. */
export interface MosquittoPorts {
  /** Plain TCP, anonymous. */
  plain: number;
  /** Plain TCP, password file, no anonymous clients. */
  auth: number;
  /** TLS 1.2+, anonymous, client certificate optional. */
  tls: number;
  /** TLS 1.2+, client certificate required. */
  mtls: number;
  /** MQTT over WebSocket over TLS. */
  wss: number;
}

/** A running Mosquitto with its certificates; `stop`/`start` restart it on the same ports. */
export interface MosquittoBroker {
  dir: string;
  ports: MosquittoPorts;
  certificates: TestCertificates;
  users: Readonly<Record<string, string>>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the broker and removes its folder. */
  dispose(): Promise<void>;
  output(): string;
}

/** The v0.9 §5 TLS 1.2 suites, as the broker's `ciphers` option. */
const brokerCiphers =
  'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384';

/**
 * Starts a real Mosquitto in a temporary folder with a plain, an authenticated, a TLS, a
 * mutual-TLS and a WebSocket-over-TLS listener (`tls_version tlsv1.2` is the minimum since
 * Mosquitto 2.0). Ports are found free beforehand because Mosquitto cannot bind port 0.
 */
export async function startMosquitto(
  users: Record<string, string> = { operator: 'correct horse battery staple' },
): Promise<MosquittoBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'nice-mosquitto-'));
  const certificates = generateTestCertificates(join(dir, 'pki'));
  const passwordFile = join(dir, 'passwords');
  let first = true;
  for (const [user, password] of Object.entries(users)) {
    execFileSync('mosquitto_passwd', [...(first ? ['-c'] : []), '-b', passwordFile, user, password], {
      stdio: 'ignore',
    });
    first = false;
  }
  const ports: MosquittoPorts = {
    plain: await freePort(),
    auth: await freePort(),
    tls: await freePort(),
    mtls: await freePort(),
    wss: await freePort(),
  };
  const tls = (requireCertificate: boolean): string[] => [
    `cafile ${certificates.caCert}`,
    `certfile ${certificates.serverCert}`,
    `keyfile ${certificates.serverKey}`,
    'tls_version tlsv1.2',
    `ciphers ${brokerCiphers}`,
    `require_certificate ${requireCertificate}`,
  ];
  const config = [
    'per_listener_settings true',
    // As root Mosquitto would switch to the `mosquitto` user, who cannot read this private folder.
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    'persistence false',
    'set_tcp_nodelay true',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    `listener ${ports.plain} 127.0.0.1`,
    'allow_anonymous true',
    `listener ${ports.auth} 127.0.0.1`,
    'allow_anonymous false',
    `password_file ${passwordFile}`,
    `listener ${ports.tls} 127.0.0.1`,
    'allow_anonymous true',
    ...tls(false),
    `listener ${ports.mtls} 127.0.0.1`,
    'allow_anonymous true',
    ...tls(true),
    // Mosquitto 2.0.11's websockets listener ignores the bind address (CI runs it in a
    // loopback-only network namespace).
    `listener ${ports.wss} 127.0.0.1`,
    'protocol websockets',
    'allow_anonymous true',
    ...tls(false),
    '',
  ].join('\n');
  const configFile = join(dir, 'mosquitto.conf');
  writeFileSync(configFile, config);

  let child: ChildProcess | undefined;
  let output = '';
  const start = async (): Promise<void> => {
    if (child) return;
    const started = spawn(mosquittoBinary, ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    started.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    started.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<never>((_, reject) =>
      started.once('exit', (code) => reject(new Error(`mosquitto exited with ${code}:\n${output}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([Promise.all(Object.values(ports).map((port) => waitForPort(port, 10_000))), exited]);
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGTERM');
      setTimeout(() => running.kill('SIGKILL'), 3_000).unref();
    });
  };
  await start();
  return {
    dir,
    ports,
    certificates,
    users,
    start,
    stop,
    output: () => output,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once a TCP connection to 127.0.0.1:port succeeds. */
export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
