import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../src-main/core/util/logger';
import { IngestPipeline } from '../src-main/services/scenemarks/ingestPipeline';
import { SceneMarkRepository } from '../src-main/services/scenemarks/sceneMarkRepository';
import { openDatabase } from '../src-main/services/store/database';
import { WalCheckpointer } from '../src-main/services/store/walCheckpointer';
import { migrations } from '../tests/unit/services/scenemarks/ingestFixture';
import {
  bytesOnDisk,
  createOldFormatDatabase,
  growHistory,
  timedRetention,
  watchEventLoop,
} from '../tests/unit/services/scenemarks/retentionVacuumFixture';
import { writeBenchResult } from './benchResult';
import { generateSceneMark } from './support/sceneMarkGenerator';

// How VACUUM on demand treats main's event loop while SceneMarks keep arriving (20 every 10 ms,
// 2,000/s), with the WAL checkpointer thread running as in the console:
// - full: an old-format (auto_vacuum NONE) file is rewritten on a worker connection with ingest
//   held, then its log folded back and truncated under a second short hold;
// - incremental: a new-format file gives pages back in short steps between ingest commits.
// Figures: how late a 5 ms interval tick came (worst over the whole VACUUM and, for full, during
// the rewrite), hold and step durations, bytes before and after. The history is 40 days pruned
// to 7: copies of generated SceneMarks padded to 8 KB each (BENCH_SEEDS × BENCH_COPIES per half).
const dayMs = 24 * 60 * 60 * 1000;
const nowMs = Date.parse('2026-03-01T00:00:00.000Z');
const seeds = Number(process.env.BENCH_SEEDS ?? 300);
const copies = Number(process.env.BENCH_COPIES ?? 40);

interface Run {
  dir: string;
  file: string;
  db: ReturnType<typeof openDatabase>['db'];
  ingest: IngestPipeline;
  checkpointer: WalCheckpointer;
  close(): void;
}

async function open(oldFormat: boolean): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'nice-vacuum-bench-'));
  const file = join(dir, 'nice-console.sqlite');
  if (oldFormat) createOldFormatDatabase(file);
  const { db } = openDatabase(file, migrations);
  const ingest = new IngestPipeline({ repository: new SceneMarkRepository(db), logger: silentLogger });
  const checkpointer = new WalCheckpointer({ db, databaseFile: file, logger: silentLogger });
  if (!(await checkpointer.running)) throw new Error('the WAL checkpointer thread did not start');
  for (const [idPrefix, ageDays] of [
    ['OLD', 40],
    ['NEW', 1],
  ] as const)
    growHistory(db, { idPrefix, startMs: nowMs - ageDays * dayMs, seeds, copies, padBytes: 8000 });
  return {
    dir,
    file,
    db,
    ingest,
    checkpointer,
    close() {
      checkpointer.dispose();
      ingest.dispose();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function measure(oldFormat: boolean): Promise<Record<string, number>> {
  const run = await open(oldFormat);
  try {
    const { retention, holds, steps } = timedRetention(run.db, { nowMs, ingest: run.ingest });
    retention.setBudgets({ maxAgeDays: 7 });
    await retention.prune();

    let submitted = 0;
    const feed = setInterval(() => {
      for (let index = 0; index < 20; index += 1)
        run.ingest.submit(generateSceneMark(submitted++, { startMs: nowMs, idPrefix: 'LIVE' }), 'bench');
    }, 10);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stop = watchEventLoop();
    const started = performance.now();
    const result = await retention.vacuum();
    const vacuumMs = performance.now() - started;
    const lag = stop();
    clearInterval(feed);
    await run.ingest.drained();
    const counters = run.ingest.counters();
    if (counters.dropped > 0 || counters.storeErrors > 0)
      throw new Error(`ingest lost SceneMarks during the VACUUM: ${JSON.stringify(counters)}`);

    const figures: Record<string, number> = {
      'MB before': Math.round(result.bytesBefore / 1e5) / 10,
      'MB after': Math.round(bytesOnDisk(run.file).total / 1e5) / 10,
      'VACUUM ms': Math.round(vacuumMs),
      'main worst tick lag ms': Math.round(lag.maxLagMs),
      'SceneMarks fed': submitted,
    };
    const [rewrite, truncate] = holds;
    if (rewrite?.releasedAt !== undefined) {
      figures['rewrite hold ms'] = Math.round(rewrite.releasedAt - rewrite.heldAt);
      figures['main worst tick lag during rewrite ms'] = Math.round(
        lag.maxLagBetween(rewrite.heldAt, rewrite.releasedAt),
      );
    }
    if (truncate?.releasedAt !== undefined)
      figures['log truncation hold ms'] = Math.round(truncate.releasedAt - truncate.heldAt);
    if (steps.length > 0) {
      figures.steps = steps.length;
      figures['longest step ms'] = Math.round(Math.max(...steps));
    }
    return figures;
  } finally {
    run.close();
  }
}

const figures: Record<string, number> = {};
for (const [label, oldFormat] of [
  ['full', true],
  ['incremental', false],
] as const) {
  for (const [name, value] of Object.entries(await measure(oldFormat))) figures[`${label}: ${name}`] = value;
}
writeBenchResult(
  'vacuum',
  `RetentionService.vacuum() after pruning a 40-day history (${seeds}×${copies + 1} SceneMarks of ~8 KB per half) to 7 days, ingest fed 2,000 SceneMarks/s, WAL checkpointer thread running; lag = lateness of a 5 ms setInterval tick on main`,
  figures,
);
