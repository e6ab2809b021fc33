import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSceneMark } from '../src-main/core/nice/sceneMark';
import { IngestPipeline } from '../src-main/services/scenemarks/ingestPipeline';
import { SceneMarkRepository } from '../src-main/services/scenemarks/sceneMarkRepository';
import { openDatabase } from '../src-main/services/store/database';
import { loadMigrations } from '../src-main/services/store/migrations';
import { writeBenchResult } from './benchResult';
import { generateSceneMarks } from './support/sceneMarkGenerator';

// Sustained SceneMark ingest through the IngestPipeline (issue #5: target ≥ 20,000/s): raw
// bytes are submitted as fast as backpressure allows, the pipeline parses and validates them
// (parseSceneMark) and commits batches into a file database in WAL mode with every index of
// migration 0004. Unique generated SceneMarks (bench/support/sceneMarkGenerator.ts), so every
// one is a new row. Two breakdown runs on fresh databases show where the time goes: parsing
// alone, and the store alone (already parsed SceneMarks through submitParsed).
const count = Number(process.env.BENCH_COUNT ?? 60_000);
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
  const pipeline = new IngestPipeline({
    repository: new SceneMarkRepository(db),
    logger: silent,
    publisher: { ingested: () => undefined, countersChanged: () => undefined },
    batchSize,
    maxQueue,
  });
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
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const maxQueueDepth = await feed(sceneMarks, 'bench');
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const after = pipeline.counters();
  pipeline.dispose();
  db.close();
  const databaseMiB = statSync(file).size / 2 ** 20;
  rmSync(dir, { recursive: true, force: true });
  return {
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
  for (const bytes of sceneMarks) parseSceneMark(bytes);
  return Math.round(count / ((performance.now() - started) / 1000));
}

const full = await run(false);
const storeOnly = await run(true);
const parseRate = parseOnly();

writeBenchResult(
  'ingest',
  `IngestPipeline.submit of ${count} unique generated SceneMarks (~${averageBytes} bytes, 0–4 detected objects, 1–2 SceneData items, 50 devices x 4 nodes) as fast as backpressure allows (queue ${maxQueue}, batches of ${batchSize}, 50 ms flush), after a warm-up of 10,000; parse and validation (parseSceneMark) and batched transactions into a file database (WAL, synchronous=NORMAL, all indexes of migration 0004) on the main thread; timed from the first submit until the last commit (perCpuSecond: per second of this process's CPU time, for a machine shared with other work). storeOnly*: the same with already parsed SceneMarks (submitParsed); parseOnlyPerSecond: parseSceneMark alone`,
  {
    sceneMarksPerSecond: full.perSecond,
    sceneMarksPerCpuSecond: full.perCpuSecond,
    loadAverage1m: Number(loadavg()[0]?.toFixed(2)),
    seconds: full.seconds,
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
