import { fork } from 'node:child_process';
import { once } from 'node:events';
import { WebApiClient } from '../src-main/services/webapi/webApiClient';
import { sampleSceneMark } from '../tests/support/sceneMarkSamples';
import { createSelfSignedCertificate } from '../tests/support/testCertificates';
import { percentile, writeBenchResult } from './benchResult';

// SceneMark ingest over HTTPS: POST …/SetSceneMark (application/json, Bearer) to the WebAPI
// server running in a child process; the client keeps `connections` TLS sockets alive and keeps
// `inFlight` requests outstanding on each, for `seconds` after a warm-up. The same load is first
// run against a bare Fastify HTTPS server, so the figures show what NICE ingest itself costs.
const connections = Number(process.env.BENCH_CONNECTIONS ?? 8);
const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 2);
const warmupSeconds = 4;
const seconds = 5;
const consoleId = '00000002-5eab-2e3d-8003-000100000001';
const deviceIds = Array.from(
  { length: 16 },
  (_, i) => `00000013-60ed-9b3e-8002-${(i + 1).toString(16).padStart(12, '0')}`,
);
const token = 'bench-token';
const { cert, key } = createSelfSignedCertificate();

// Pre-serialised, realistic SceneMarks (3 detected objects, one SceneData item: ~1.9 KB each).
const bodies = Array.from({ length: 1024 }, (_, n) =>
  Buffer.from(JSON.stringify(sampleSceneMark(deviceIds[n % deviceIds.length] ?? '', n))),
);

interface Run {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  measured: number;
  failed: number;
  sceneMarks: number;
  rejects: number;
}

async function run(baseline: boolean): Promise<Run> {
  const server = fork(new URL('./webapiIngestServer.ts', import.meta.url), { execArgv: ['--import', 'tsx'] });
  server.send({ consoleId, cert, key, token, baseline });
  const [{ port }] = (await once(server, 'message')) as [{ port: number }];
  const client = new WebApiClient({ ca: cert, maxSockets: connections, timeoutMs: 10_000 });
  const url = `https://127.0.0.1:${port}/1/${consoleId}/data/0001/0002/SetSceneMark`;
  let sent = 0;
  let failed = 0;
  const samples: number[] = [];
  const drive = async (until: number, record: boolean): Promise<void> => {
    while (performance.now() < until) {
      const body = bodies[sent % bodies.length] ?? Buffer.alloc(0);
      sent += 1;
      try {
        const exchange = await client.postRaw(url, body, 'application/json', { bearer: token });
        if (record) samples.push(exchange.latencyMs);
      } catch {
        failed += 1;
      }
    }
  };
  const loops = async (untilMs: number, record: boolean): Promise<void> => {
    await Promise.all(Array.from({ length: connections * inFlight }, () => drive(untilMs, record)));
  };
  await loops(performance.now() + warmupSeconds * 1000, false);
  const started = performance.now();
  await loops(started + seconds * 1000, true);
  const elapsed = (performance.now() - started) / 1000;
  client.close();
  server.send('stop');
  const [{ sceneMarks, rejects }] = (await once(server, 'message')) as [
    { sceneMarks: number; rejects: number },
  ];
  samples.sort((a, b) => a - b);
  return {
    requestsPerSecond: Math.round(samples.length / elapsed),
    p50: Number(percentile(samples, 50).toFixed(3)),
    p99: Number(percentile(samples, 99).toFixed(3)),
    measured: samples.length,
    failed,
    sceneMarks,
    rejects,
  };
}

const bare = await run(true);
const ingest = await run(false);
const averageBytes = Math.round(bodies.reduce((sum, body) => sum + body.length, 0) / bodies.length);

writeBenchResult(
  'webapiIngest',
  `POST /1/{consoleId}/data/0001/0002/SetSceneMark over HTTPS (TLS, self-signed EC P-256 cert) with keep-alive; server (startWebApiServer: token check, rate limit, parse, validation, normalisation, counting sink) in a child process, client (WebApiClient, node:https keep-alive Agent) in the bench process on the same machine; ${connections} connections x ${inFlight} requests in flight, ${warmupSeconds} s warm-up, ${seconds} s measured; realistic SceneMarks of ~${averageBytes} bytes with 3 detected objects. The same load is first sent to a bare Fastify HTTPS server answering {} (bareFastify*), the ceiling of this machine and client`,
  {
    requestsPerSecond: ingest.requestsPerSecond,
    latencyP50Ms: ingest.p50,
    latencyP99Ms: ingest.p99,
    measuredRequests: ingest.measured,
    failedRequests: ingest.failed,
    sceneMarksDelivered: ingest.sceneMarks,
    rejected: ingest.rejects,
    bareFastifyRequestsPerSecond: bare.requestsPerSecond,
    bareFastifyLatencyP50Ms: bare.p50,
    connections,
    inFlightPerConnection: inFlight,
    sceneMarkBytes: averageBytes,
  },
);
