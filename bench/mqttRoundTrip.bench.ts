import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildCmfRequest, CommandIdSequence } from '../src-main/core/nice/cmf';
import { NiceProtocolError } from '../src-main/core/nice/niceProtocolError';
import type { ConnectionProfile } from '../src-main/services/mqtt/connectionProfile';
import { MqttHub } from '../src-main/services/mqtt/mqttHub';
import { spawn } from 'node:child_process';
import { startMosquitto } from '../tests/support/mosquittoFixture';
import { percentile, writeBenchResult } from './benchResult';

// Command round trip through a real Mosquitto on loopback: MqttHub.request (QoS 0, shared
// response topic) → broker → responder client (parse, buildCmfResponse, publish) → broker →
// hub (parse, match ReplyID). Open loop: request i is due at t0 + i/rate whatever happened to
// earlier ones, and its latency counts from when it was due, so a stall shows up in p99
// instead of silently slowing the schedule (no coordinated omission).
const rate = 1_000; // requests per second
const warmupSeconds = 2;
const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const timeoutMs = 1_000;

const broker = await startMosquitto();
const consoleId = randomUUID();
const deviceId = randomUUID();
// The responder runs in its own process, as a device does, so its work does not share this
// process's event loop with the hub under test.
const responder = spawn(
  process.execPath,
  ['--import', 'tsx', 'bench/mqttResponderProcess.ts', `mqtt://127.0.0.1:${broker.ports.plain}`, deviceId],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
await new Promise<void>((ready, fail) => {
  responder.stdout.on('data', (chunk: Buffer) => {
    if (chunk.toString().includes('ready')) ready();
  });
  responder.once('exit', (code) => fail(new Error(`responder exited with ${code}`)));
});
const profile: ConnectionProfile = {
  id: 'bench',
  name: 'bench',
  url: `mqtt://127.0.0.1:${broker.ports.plain}`,
  clientId: '',
  keepalive: 60,
  protocolVersion: 5,
  cleanSession: true,
  hasPassword: false,
  tls: { rejectUnauthorized: true },
  allowPlainBodies: true,
  createdAt: '',
  updatedAt: '',
};
const hub = new MqttHub({ profiles: { require: () => profile, readPassword: async () => undefined } });
await hub.connect(profile.id);

const commandIds = new CommandIdSequence();
const requestTopic = `1/${deviceId}/control/0001/GetStatus`;
const responseTopic = `1/${consoleId}/control/0001/GetStatus`;
const body = JSON.stringify({ Version: '1.0', NodeID: '0001' });

interface Outcome {
  fromDueMs: number;
  hubLatencyMs: number;
}

/** Runs `count` requests on the paced schedule; resolves with each one's outcome (undefined = lost). */
async function run(
  count: number,
): Promise<{ outcomes: Array<Outcome | undefined>; errors: Map<string, number> }> {
  const outcomes: Array<Outcome | undefined> = new Array(count);
  const errors = new Map<string, number>();
  // Count outstanding requests instead of keeping every promise: holding 30,000 settled
  // promises only grows the heap and lengthens the collector's pauses.
  let outstanding = 0;
  let allSent = false;
  let drained: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => (drained = resolve));
  const finish = (): void => {
    outstanding -= 1;
    if (allSent && outstanding === 0) drained();
  };
  const interval = 1_000 / rate;
  const start = performance.now();
  let next = 0;
  await new Promise<void>((done) => {
    const tick = (): void => {
      const now = performance.now();
      while (next < count && start + next * interval <= now) {
        const index = next;
        const due = start + index * interval;
        next += 1;
        const message = buildCmfRequest({
          source: consoleId,
          destination: deviceId,
          commandType: requestTopic,
          commandId: commandIds.next(),
          accessToken: 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln',
          encryptionOn: false,
          body,
        });
        outstanding += 1;
        hub
          .request(profile.id, { requestTopic, responseTopic, message, timeoutMs })
          .then(
            (result) => {
              outcomes[index] = { fromDueMs: performance.now() - due, hubLatencyMs: result.latencyMs };
            },
            (error: unknown) => {
              const code = error instanceof NiceProtocolError ? error.code : String(error);
              errors.set(code, (errors.get(code) ?? 0) + 1);
            },
          )
          .finally(finish);
      }
      if (next < count) setImmediate(tick);
      else done();
    };
    tick();
  });
  allSent = true;
  if (outstanding > 0) await settled;
  return { outcomes, errors };
}

await run(rate * warmupSeconds);
const loadBefore = loadavg()[0] ?? 0;
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
const cpuBefore = process.cpuUsage();
const measuredStart = performance.now();
const { outcomes, errors } = await run(rate * seconds);
const elapsedSeconds = (performance.now() - measuredStart) / 1_000;
const cpu = process.cpuUsage(cpuBefore);
loopDelay.disable();

const answered = outcomes.filter((outcome): outcome is Outcome => outcome !== undefined);
const fromDue = answered.map((outcome) => outcome.fromDueMs).sort((a, b) => a - b);
const hubLatency = answered.map((outcome) => outcome.hubLatencyMs).sort((a, b) => a - b);

hub.dispose();
await new Promise<void>((exited) => {
  responder.once('exit', () => exited());
  responder.kill('SIGTERM');
});
await broker.dispose();

writeBenchResult(
  'mqttRoundTrip',
  `CMF GetStatus round trip MqttHub.request → Mosquitto 2.0 (plain TCP, 127.0.0.1, MQTT 5, QoS 0) → responder client (MQTT.js, parseCmfMessage + buildCmfResponse) → back; hub and bench in one Node process, the responder and the broker each in their own. Open loop at ${rate} requests/s paced by schedule for ${seconds} s after ${warmupSeconds} s warm-up; latency from each request's due time (includes pacing lag); hubLatency from its publish; lost = no response within ${timeoutMs} ms (no resends)`,
  {
    requests: outcomes.length,
    answered: answered.length,
    lost: outcomes.length - answered.length,
    errors: JSON.stringify(Object.fromEntries(errors)),
    achievedRequestsPerSecond: Math.round(outcomes.length / elapsedSeconds),
    p50Ms: Number(percentile(fromDue, 50).toFixed(3)),
    p99Ms: Number(percentile(fromDue, 99).toFixed(3)),
    p999Ms: Number(percentile(fromDue, 99.9).toFixed(3)),
    maxMs: Number((fromDue.at(-1) ?? Number.NaN).toFixed(3)),
    hubLatencyP50Ms: Number(percentile(hubLatency, 50).toFixed(3)),
    hubLatencyP99Ms: Number(percentile(hubLatency, 99).toFixed(3)),
    // Context for the tail: stalls of this process's event loop, its CPU share (the pacing
    // loop spins on setImmediate, so ~100 % is expected), and the machine's load.
    eventLoopDelayP99Ms: Number((loopDelay.percentile(99) / 1e6).toFixed(3)),
    eventLoopDelayMaxMs: Number((loopDelay.max / 1e6).toFixed(3)),
    processCpuPercent: Math.round(((cpu.user + cpu.system) / 1e3 / (elapsedSeconds * 1_000)) * 100),
    loadAverage1mBefore: Number(loadBefore.toFixed(2)),
    loadAverage1mAfter: Number((loadavg()[0] ?? 0).toFixed(2)),
  },
);
