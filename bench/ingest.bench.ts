import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseSceneMark } from '../src-main/core/nice/sceneMark';
import { IngestPipeline } from '../src-main/services/scenemarks/ingestPipeline';
import { SceneMarkParsePool } from '../src-main/services/scenemarks/sceneMarkParsePool';
import { parseSceneMarkRecord } from '../src-main/services/scenemarks/sceneMarkRecord';
import { SceneMarkRepository } from '../src-main/services/scenemarks/sceneMarkRepository';
import { openDatabase } from '../src-main/services/store/database';
import { WalCheckpointer } from '../src-main/services/store/walCheckpointer';
import { loadMigrations } from '../src-main/services/store/migrations';
import { writeBenchResult } from './benchResult';
import { generateSceneMarks } from './support/sceneMarkGenerator';

// Sustained SceneMark ingest through the IngestPipeline (issue #5: target ≥ 20,000/s), set up
// as consoleServices sets it up: raw bytes are submitted as fast as backpressure allows, the
// parse worker pool validates them, main commits batches into a file database in WAL mode with
// every index and trigger of the migrations, and the checkpointer thread checkpoints the WAL.
// Unique generated SceneMarks (bench/support/sceneMarkGenerator.ts), so every one is a new row.
// Breakdown runs on fresh databases show where the time goes: the store alone (already parsed
// SceneMarks through submitParsed) and parsing alone on one thread.
const count = Number(process.env.BENCH_COUNT ?? 150_000);
const batchSize = Number(process.env.BENCH_BATCH ?? 500);
const maxQueue = 50_000;
const migrations = loadMigrations(join(import.meta.dirname, '../resources/migrations'));
const silent = { log: () => undefined };

process.stdout.write(`generating ${count} SceneMarks…\n`);
const warmup = [...generateSceneMarks(10_000, { idPrefix: 'WARM' })];
const sceneMarks = [...generateSceneMarks(count)];
const averageBytes = Math.round(sceneMarks.reduce((sum, bytes) => sum + bytes.byteLength, 0) / count);

interface Run {
  perSecond: number;
  mainLagP99Ms: number;
  mainLagMaxMs: number;
  walPeakMiB: number;
  /** Per second of this process's CPU time: comparable when other work shares the machine. */
  perCpuSecond: number;
  seconds: number;
  stored: number;
  dropped: number;
  rejected: number;
  maxQueueDepth: number;
  databaseMiB: number;
}

async function run(parsed: boolean): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'nice-ingest-bench-'));
  const file = join(dir, 'console.sqlite');
  const { db } = openDatabase(file, migrations);
  const checkpointer = new WalCheckpointer({ db, databaseFile: file, logger: silent });
  const pool = parsed ? undefined : new SceneMarkParsePool();
  const pipeline = new IngestPipeline({
    repository: new SceneMarkRepository(db),
    logger: silent,
    publisher: { ingested: () => undefined, countersChanged: () => undefined },
    ...(pool ? { parser: pool } : {}),
    batchSize,
    maxQueue,
  });
  let walPeak = 0;
  const walSampler = setInterval(() => {
    const wal = `${file}-wal`;
    if (existsSync(wal)) walPeak = Math.max(walPeak, statSync(wal).size);
  }, 50);
  const items = parsed ? sceneMarks.map((bytes) => parseSceneMark(bytes)) : undefined;
  const feed = async (list: readonly Uint8Array[], source: string): Promise<number> => {
    let maxDepth = 0;
    for (let index = 0; index < list.length; index++) {
      if (pipeline.queueDepth >= maxQueue) await pipeline.ready();
      const parsedItem = items?.[index];
      if (parsedItem && source === 'bench') pipeline.submitParsed(parsedItem, source);
      else pipeline.submit(list[index] ?? new Uint8Array(), source);
      if (pipeline.queueDepth > maxDepth) maxDepth = pipeline.queueDepth;
      // Hand the event loop over now and then, as sockets delivering SceneMarks would.
      if (index % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
    }
    await pipeline.drained();
    return maxDepth;
  };
  await feed(warmup, 'warmup');
  const before = pipeline.counters();
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const maxQueueDepth = await feed(sceneMarks, 'bench');
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  lag.disable();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const after = pipeline.counters();
  clearInterval(walSampler);
  pipeline.dispose();
  pool?.dispose();
  checkpointer.dispose();
  db.close();
  const databaseMiB = statSync(file).size / 2 ** 20;
  rmSync(dir, { recursive: true, force: true });
  return {
    mainLagP99Ms: Number((lag.percentile(99) / 1e6).toFixed(1)),
    mainLagMaxMs: Number((lag.max / 1e6).toFixed(1)),
    walPeakMiB: Number((walPeak / 2 ** 20).toFixed(1)),
    perSecond: Math.round(count / seconds),
    perCpuSecond: Math.round(count / cpuSeconds),
    seconds: Number(seconds.toFixed(2)),
    stored: after.stored - before.stored,
    dropped: after.dropped,
    rejected: after.rejected,
    maxQueueDepth,
    databaseMiB: Number(databaseMiB.toFixed(1)),
  };
}

function parseOnly(): number {
  const started = performance.now();
  for (const bytes of sceneMarks) parseSceneMarkRecord(bytes);
  return Math.round(count / ((performance.now() - started) / 1000));
}

const full = await run(false);
const storeOnly = await run(true);
const parseRate = parseOnly();

writeBenchResult(
  'ingest',
  `IngestPipeline.submit of ${count} unique generated SceneMarks (~${averageBytes} bytes, 0–4 detected objects, 1–2 SceneData references, 50 devices x 4 nodes) as fast as backpressure allows (queue ${maxQueue}, batches of ${batchSize}, 50 ms flush), after a warm-up of 10,000, set up as the console does: parse and validation in the SceneMarkParsePool (worker threads, ${new SceneMarkParsePool().concurrency / 2} here), batched transactions on main into a file database (WAL, synchronous=NORMAL, every index and trigger of the migrations), WAL checkpoints on the WalCheckpointer thread; timed from the first submit until the last commit. perCpuSecond: per second of this process's CPU time (all threads). mainLag*: event-loop delay of main during the run (monitorEventLoopDelay). walPeakMiB: largest WAL file seen (sampled every 50 ms). storeOnly*: the same with SceneMarks parsed beforehand (submitParsed). parseOnlyPerSecond: parseSceneMarkRecord alone on one thread`,
  {
    sceneMarksPerSecond: full.perSecond,
    sceneMarksPerCpuSecond: full.perCpuSecond,
    loadAverage1m: Number(loadavg()[0]?.toFixed(2)),
    seconds: full.seconds,
    mainLagP99Ms: full.mainLagP99Ms,
    mainLagMaxMs: full.mainLagMaxMs,
    walPeakMiB: full.walPeakMiB,
    stored: full.stored,
    dropped: full.dropped,
    rejected: full.rejected,
    maxQueueDepth: full.maxQueueDepth,
    databaseMiB: full.databaseMiB,
    storeOnlyPerSecond: storeOnly.perSecond,
    storeOnlyPerCpuSecond: storeOnly.perCpuSecond,
    parseOnlyPerSecond: parseRate,
    sceneMarkBytes: averageBytes,
    batchSize,
  },
);
