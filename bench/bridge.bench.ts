import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { createConsoleServices } from '../src-main/services/consoleServices';
import { FileKeyCipher } from '../src-main/services/secrets/fileKeyCipher';
import { createAccessToken } from '../src-main/web/accessToken';
import { startWebShellServer } from '../src-main/web/webShellServer';
import { percentile, writeBenchResult } from './benchResult';

// Round trip of one contract invoke through the web shell: WebSocket frame → validation →
// handler → reply, one request in flight at a time, then a pipelined burst for throughput.
const warmup = 500;
const sequential = 5000;
const burst = 20000;

const root = resolve(import.meta.dirname, '..');
const rendererDir = mkdtempSync(join(tmpdir(), 'nice-bench-'));
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html>');
const services = createConsoleServices({
  shell: 'web',
  version: 'bench',
  dataDir: rendererDir,
  databaseFile: ':memory:',
  migrationsDir: join(root, 'resources', 'migrations'),
  cipher: FileKeyCipher.inDataDir(rendererDir),
});
const token = createAccessToken();
const server = await startWebShellServer({
  host: '127.0.0.1',
  port: 0,
  token,
  rendererDir,
  maxFrameBytes: 1 << 20,
  dispatcher: services.dispatcher,
  events: services.events,
  logger: services.log,
});
const socket = new WebSocket(`ws://127.0.0.1:${server.port}/bridge`, {
  headers: { authorization: `Bearer ${token}` },
});
await new Promise((done) => socket.once('open', done));

const waiting = new Map<number, () => void>();
socket.on('message', (data) => {
  const frame = JSON.parse(data.toString()) as { type: string; id: number };
  if (frame.type === 'result') waiting.get(frame.id)?.();
});
let nextId = 1;
const invoke = (): Promise<void> =>
  new Promise((done) => {
    const id = nextId++;
    waiting.set(id, () => {
      waiting.delete(id);
      done();
    });
    socket.send(JSON.stringify({ type: 'invoke', id, channel: 'settings:getSettings', payload: {} }));
  });

for (let i = 0; i < warmup; i += 1) await invoke();
const samples: number[] = [];
for (let i = 0; i < sequential; i += 1) {
  const started = process.hrtime.bigint();
  await invoke();
  samples.push(Number(process.hrtime.bigint() - started) / 1e6);
}
samples.sort((a, b) => a - b);
const burstStarted = process.hrtime.bigint();
await Promise.all(Array.from({ length: burst }, () => invoke()));
const burstSeconds = Number(process.hrtime.bigint() - burstStarted) / 1e9;

socket.close();
await server.close();
services.dispose();
rmSync(rendererDir, { recursive: true, force: true });

writeBenchResult(
  'bridge',
  `settings:getSettings over the web shell WebSocket on loopback, client and server in one Node process; ${warmup} warm-up, ${sequential} sequential round trips timed with hrtime, then ${burst} pipelined requests`,
  {
    sequentialP50Ms: Number(percentile(samples, 50).toFixed(3)),
    sequentialP99Ms: Number(percentile(samples, 99).toFixed(3)),
    pipelinedRequestsPerSecond: Math.round(burst / burstSeconds),
  },
);
