import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSceneMark } from '../../../../src-main/core/nice/sceneMark';
import { RetentionRepository } from '../../../../src-main/services/scenemarks/retentionRepository';
import { SceneMarkMinutes } from '../../../../src-main/services/scenemarks/sceneMarkMinutes';
import { SceneMarkQueryService } from '../../../../src-main/services/scenemarks/sceneMarkQueryService';
import {
  SceneMarkRepository,
  storeSceneMark,
  type StoreItem,
} from '../../../../src-main/services/scenemarks/sceneMarkRepository';
import { migrate } from '../../../../src-main/services/store/migrations';
import {
  GetTimelineRequest,
  maxTimelineBuckets,
  timelineBucketCount,
  type GetTimelineResponse,
} from '../../../../src-shared/contract/sceneMarksContract';
import { generateSceneMark } from '../../../../bench/support/sceneMarkGenerator';
import { editedSceneMark, migrations, openIngestDatabase } from './ingestFixture';

// scenemark_minutes (migration 0007) is an exact per-minute rollup of scenemarks kept by
// the writers (inserts, migration 0008) and triggers (deletes, time changes), and an unfiltered timeline with whole-minute buckets is answered from it. These
// tests hold the rollup against a GROUP BY of the table after every kind of write, and the
// timeline against both an independent count in JavaScript and the query that counts rows.

const minuteMs = 60_000;
const statuses = ['Active', 'Processed', 'Removed'] as const;
const everyStatus = { statuses: [...statuses] };
const minutesVersion = migrations.findIndex((migration) => migration.name === 'scenemark_minutes') + 1;

const open: Database.Database[] = [];
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
});

function track(db: Database.Database): Database.Database {
  open.push(db);
  return db;
}

/** Deterministic PRNG (mulberry32). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(next: () => number, list: readonly T[]): T {
  return list[Math.floor(next() * list.length)] as T;
}

function floorMinute(timeMs: number): number {
  return timeMs - (((timeMs % minuteMs) + minuteMs) % minuteMs);
}

/** The rollup as stored, and as it should be: a GROUP BY of scenemarks by floored minute. */
function rollup(db: Database.Database): { stored: unknown[]; expected: unknown[] } {
  const expected = new Map<number, number>();
  for (const { time_ms } of db.prepare('SELECT time_ms FROM scenemarks').all() as { time_ms: number }[]) {
    const minute = floorMinute(time_ms);
    expected.set(minute, (expected.get(minute) ?? 0) + 1);
  }
  return {
    stored: db.prepare('SELECT minute_ms, count FROM scenemark_minutes ORDER BY minute_ms').all(),
    expected: [...expected].sort(([a], [b]) => a - b).map(([minute_ms, count]) => ({ minute_ms, count })),
  };
}

function expectExactRollup(db: Database.Database): void {
  const { stored, expected } = rollup(db);
  expect(stored).toEqual(expected);
}

let nextRowId = 1;

/**
 * Inserts a minimal SceneMark row with the columns the repository writes and, as every writer
 * must since migration 0008, counts it into the rollup (not before the rollup exists).
 */
function insertRaw(db: Database.Database, timeMs: number, status: string = 'Active', counted = true): number {
  const id = nextRowId++;
  db.prepare(
    `INSERT INTO scenemarks (id, scenemark_id, time_ms, device_id, node_id, port_id, event_type, status,
       item_types, highest_probability, schema_version, revision, original, source, received_ms)
     VALUES (?, ?, ?, NULL, 'n', NULL, NULL, ?, ' ', NULL, '1.0', 0, x'7b7d', 'test', 0)`,
  ).run(id, `SMK-${id}`, timeMs, status);
  if (counted) new SceneMarkMinutes(db).add([timeMs]);
  return id;
}

function storedTimes(db: Database.Database): number[] {
  return (db.prepare('SELECT time_ms FROM scenemarks').all() as { time_ms: number }[]).map(
    ({ time_ms }) => time_ms,
  );
}

/** The timeline computed in JavaScript from the stored TimeStamps (half-open range, aligned buckets). */
function expectedTimeline(
  times: readonly number[],
  from: number,
  to: number,
  bucketMs: number,
): GetTimelineResponse {
  const firstBucketMs = Math.floor(from / bucketMs) * bucketMs;
  const counts = new Array<number>(timelineBucketCount(from, to, bucketMs)).fill(0);
  let total = 0;
  for (const time_ms of times) {
    if (time_ms < from || time_ms >= to) continue;
    const bucket = Math.floor((time_ms - firstBucketMs) / bucketMs);
    counts[bucket] = (counts[bucket] ?? 0) + 1;
    total += 1;
  }
  return { bucketMs, firstBucketMs, counts, total };
}

function usesMinutes(service: SceneMarkQueryService, request: GetTimelineRequest, bucketMs: number): boolean {
  const firstBucketMs = Math.floor(request.from / bucketMs) * bucketMs;
  return service.timelineSql(request, bucketMs, firstBucketMs).sql.includes('scenemark_minutes');
}

/** A time near a minute edge (often exactly on it, or one millisecond either side), or anywhere. */
function timeNear(next: () => number, originMs: number, spanMinutes: number): number {
  const minute = originMs + Math.floor(next() * spanMinutes) * minuteMs;
  const roll = next();
  if (roll < 0.2) return minute;
  if (roll < 0.3) return minute - 1;
  if (roll < 0.4) return minute + 1;
  if (roll < 0.45) return minute + minuteMs - 1;
  return minute + Math.floor(next() * minuteMs);
}

describe('migration 0007 scenemark_minutes', () => {
  it('fills the rollup from the SceneMarks already stored, flooring times before 1970 too', () => {
    expect(minutesVersion).toBeGreaterThan(0);
    const db = track(new Database(':memory:'));
    migrate(db, migrations.slice(0, minutesVersion - 1));
    const times = [
      -120_001,
      -60_001,
      -60_000,
      -59_999,
      -1,
      0,
      1,
      59_999,
      60_000,
      60_001,
      119_999,
      Date.UTC(2026, 0, 1),
      Date.UTC(2026, 0, 1) + 59_999,
      Date.UTC(2026, 0, 1) + 60_000,
    ];
    for (const time of times) insertRaw(db, time, 'Active', false);
    expect(
      db.prepare("SELECT name FROM sqlite_schema WHERE name = 'scenemark_minutes'").get(),
    ).toBeUndefined();

    expect(migrate(db, migrations)).toBe(migrations.length);
    expect(db.prepare('SELECT minute_ms, count FROM scenemark_minutes ORDER BY minute_ms').all()).toEqual([
      { minute_ms: -180_000, count: 1 },
      { minute_ms: -120_000, count: 1 },
      { minute_ms: -60_000, count: 3 },
      { minute_ms: 0, count: 3 },
      { minute_ms: 60_000, count: 3 },
      { minute_ms: Date.UTC(2026, 0, 1), count: 2 },
      { minute_ms: Date.UTC(2026, 0, 1) + 60_000, count: 1 },
    ]);
    expectExactRollup(db);
  });

  it('starts empty on an empty history', () => {
    const db = track(openIngestDatabase());
    expect(db.prepare('SELECT count(*) AS n FROM scenemark_minutes').get()).toEqual({ n: 0 });
  });
});

describe('scenemark_minutes triggers', () => {
  const startMs = Date.UTC(2026, 0, 1);
  const options = { startMs, intervalMs: 7_000 };
  const item = (bytes: Uint8Array): StoreItem => storeSceneMark(parseSceneMark(bytes), 'test', 0);
  /** SceneMark `index` again as revision 2, with its TimeStamp moved to `timeMs`. */
  const revised = (index: number, timeMs: number): Uint8Array =>
    editedSceneMark(
      index,
      (sceneMark) => {
        sceneMark['TimeStamp'] = new Date(timeMs).toISOString();
      },
      { ...options, revision: 2 },
    );

  it('stay exact through ingest, duplicates, revisions that move a SceneMark, and retention', () => {
    const db = track(openIngestDatabase());
    const repository = new SceneMarkRepository(db);
    const retention = new RetentionRepository(db);

    const first = Array.from({ length: 120 }, (_, index) => item(generateSceneMark(index, options)));
    expect(repository.writeBatch(first).every((outcome) => outcome === 'stored')).toBe(true);
    expectExactRollup(db);
    // About 8.6 SceneMarks per minute: many minutes hold several.
    expect(
      (db.prepare('SELECT max(count) AS n FROM scenemark_minutes').get() as { n: number }).n,
    ).toBeGreaterThan(1);

    // The same SceneMarks again: duplicates insert nothing and change nothing.
    expect(repository.writeBatch(first.slice(0, 30)).every((outcome) => outcome === 'duplicate')).toBe(true);
    expectExactRollup(db);

    // Later revisions: into another (possibly empty) minute, within the same minute, onto the
    // exact edge of a minute, and far before the history (before 1970).
    const moves: Array<[number, number]> = [
      [3, startMs + 3 * 60 * minuteMs + 17],
      [4, startMs + 4 * 7_000 + 1],
      [5, startMs + 10 * minuteMs],
      [6, startMs + 10 * minuteMs - 1],
      [7, -5 * minuteMs - 1],
      [8, startMs + 8 * 7_000],
    ];
    const outcomes = repository.writeBatch(moves.map(([index, timeMs]) => item(revised(index, timeMs))));
    expect(outcomes).toEqual(moves.map(() => 'updated'));
    expect(db.prepare('SELECT time_ms FROM scenemarks WHERE revision = 2 ORDER BY id').all()).toEqual(
      moves.map(([, timeMs]) => ({ time_ms: timeMs })),
    );
    expectExactRollup(db);

    // A lone SceneMark moved out of its minute leaves no empty row behind.
    const lonely = item(generateSceneMark(500, { startMs: startMs + 1000 * minuteMs + 5, intervalMs: 0 }));
    expect(repository.writeBatch([lonely])).toEqual(['stored']);
    expect(
      db.prepare('SELECT count FROM scenemark_minutes WHERE minute_ms = ?').get(startMs + 1000 * minuteMs),
    ).toEqual({
      count: 1,
    });
    const moved = editedSceneMark(
      500,
      (sceneMark) => {
        sceneMark['TimeStamp'] = new Date(startMs + 2000 * minuteMs).toISOString();
      },
      { startMs: startMs + 1000 * minuteMs + 5, intervalMs: 0, revision: 3 },
    );
    expect(repository.writeBatch([item(moved)])).toEqual(['updated']);
    expect(
      db
        .prepare('SELECT count(*) AS n FROM scenemark_minutes WHERE minute_ms = ?')
        .get(startMs + 1000 * minuteMs),
    ).toEqual({ n: 0 });
    expectExactRollup(db);

    // Retention: by age, part of a minute and then the rest; then the oldest, in small batches.
    const cutoff = startMs + 4 * minuteMs + 30_000;
    while (retention.pruneSceneMarksBefore(cutoff, 7).sceneMarks > 0) expectExactRollup(db);
    expect(db.prepare('SELECT count(*) AS n FROM scenemarks WHERE time_ms < ?').get(cutoff)).toEqual({
      n: 0,
    });
    expectExactRollup(db);
    for (let batch = 0; batch < 5; batch += 1) {
      retention.pruneOldestSceneMarks(9);
      expectExactRollup(db);
    }
    while (retention.pruneOldestSceneMarks(50).sceneMarks > 0) expectExactRollup(db);
    expect(db.prepare('SELECT count(*) AS n FROM scenemark_minutes').get()).toEqual({ n: 0 });
  });

  it('ignore updates that leave time_ms alone, and roll back with the batch', () => {
    const db = track(openIngestDatabase());
    const ids = [0, 1, 2, 59_999, 60_000].map((time) => insertRaw(db, Date.UTC(2026, 0, 1) + time));
    db.prepare("UPDATE scenemarks SET status = 'Removed', revision = 3").run();
    db.prepare('UPDATE scenemarks SET time_ms = time_ms + 1 WHERE id = ?').run(ids[0]);
    expectExactRollup(db);
    const before = rollup(db).stored;
    expect(() =>
      db.transaction(() => {
        insertRaw(db, 5);
        db.prepare('DELETE FROM scenemarks WHERE id = ?').run(ids[4]);
        db.prepare('UPDATE scenemarks SET time_ms = -1 WHERE id = ?').run(ids[1]);
        throw new Error('abort');
      })(),
    ).toThrow('abort');
    expect(rollup(db).stored).toEqual(before);
    // Emptying the table goes row by row through the trigger (no truncate shortcut).
    db.prepare('DELETE FROM scenemarks').run();
    expect(rollup(db).stored).toEqual([]);
  });
});

describe('timeline from scenemark_minutes', () => {
  const originMs = Date.UTC(2026, 2, 1, 23, 50);
  const spanMinutes = 3 * 24 * 60;
  const bucketSizes = [
    60_000, 120_000, 180_000, 300_000, 420_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000,
    21_600_000, 43_200_000, 86_400_000,
  ];
  const otherBucketSizes = [1000, 5000, 30_000, 45_000, 90_000, 150_000];

  /** A valid random request: edges near minutes (or anywhere), a bucket size or maxBuckets. */
  function randomRequest(next: () => number): GetTimelineRequest {
    for (;;) {
      const bucketMs =
        next() < 0.8 ? pick(next, bucketSizes) : next() < 0.5 ? pick(next, otherBucketSizes) : undefined;
      const from = timeNear(next, originMs - 60 * minuteMs, spanMinutes + 120);
      const roll = next();
      const to =
        roll < 0.1
          ? from + Math.floor(next() * 2 * minuteMs) // at most two minutes: partial minutes only
          : roll < 0.15
            ? from
            : Math.max(from, timeNear(next, from - (from % minuteMs), Math.floor(next() * spanMinutes)));
      const request = {
        from,
        to,
        ...(bucketMs === undefined ? { maxBuckets: 1 + Math.floor(next() * 400) } : { bucketMs }),
      };
      if (bucketMs !== undefined && timelineBucketCount(from, to, bucketMs) > maxTimelineBuckets) continue;
      return GetTimelineRequest.parse(request);
    }
  }

  function fill(db: Database.Database, next: () => number, count: number): number[] {
    const ids: number[] = [];
    db.transaction(() => {
      for (let index = 0; index < count; index += 1)
        ids.push(insertRaw(db, timeNear(next, originMs, spanMinutes), pick(next, statuses)));
    })();
    return ids;
  }

  /** Random inserts, deletes (single and by range, as retention does), and time changes. */
  function mutate(db: Database.Database, next: () => number, ids: number[]): void {
    const retention = new RetentionRepository(db);
    db.transaction(() => {
      for (let step = 0; step < 300; step += 1) {
        const roll = next();
        if (roll < 0.3) ids.push(insertRaw(db, timeNear(next, originMs, spanMinutes), pick(next, statuses)));
        else if (roll < 0.55 && ids.length > 0) {
          const [id] = ids.splice(Math.floor(next() * ids.length), 1);
          db.prepare('DELETE FROM scenemarks WHERE id = ?').run(id);
        } else if (roll < 0.85 && ids.length > 0) {
          const id = pick(next, ids);
          const timeMs = next() < 0.5 ? timeNear(next, originMs, spanMinutes) : undefined;
          if (timeMs === undefined)
            db.prepare('UPDATE scenemarks SET time_ms = time_ms + ? WHERE id = ?').run(
              Math.floor((next() - 0.5) * 3 * minuteMs),
              id,
            );
          else
            db.prepare('UPDATE scenemarks SET time_ms = ?, revision = revision + 1 WHERE id = ?').run(
              timeMs,
              id,
            );
        } else if (roll < 0.87 && ids.length > 0) {
          db.prepare('UPDATE scenemarks SET time_ms = time_ms WHERE id = ?').run(pick(next, ids));
        }
      }
    })();
    retention.pruneSceneMarksBefore(timeNear(next, originMs, 60), 25);
    const remaining = new Set(
      (db.prepare('SELECT id FROM scenemarks').all() as { id: number }[]).map(({ id }) => id),
    );
    ids.splice(0, ids.length, ...ids.filter((id) => remaining.has(id)));
  }

  it.each([1, 2, 3, 4])('matches the row count exactly on random data and requests (seed %i)', (seed) => {
    const next = seeded(seed * 7919);
    const db = track(openIngestDatabase());
    const service = new SceneMarkQueryService(db);
    const ids = fill(db, next, 2500);
    let fromMinutes = 0;
    let checked = 0;
    for (let round = 0; round < 4; round += 1) {
      if (round > 0) mutate(db, next, ids);
      expectExactRollup(db);
      const times = storedTimes(db);
      for (let run = 0; run < 150; run += 1) {
        const request = randomRequest(next);
        const timeline = service.getTimeline(request);
        const { bucketMs } = timeline;
        if (usesMinutes(service, request, bucketMs)) fromMinutes += 1;
        expect(timeline, JSON.stringify(request)).toEqual(
          expectedTimeline(times, request.from, request.to, bucketMs),
        );
        // The query that counts rows (every status selected: the same SceneMarks, no rollup).
        const counted = service.getTimeline({ ...request, ...everyStatus, bucketMs });
        expect(usesMinutes(service, { ...request, ...everyStatus }, bucketMs)).toBe(false);
        expect(timeline, JSON.stringify(request)).toEqual(counted);
        checked += 1;
      }
    }
    expect(checked).toBe(600);
    // Most requests take the rollup; the rest check the fallbacks.
    expect(fromMinutes).toBeGreaterThan(300);
    expect(fromMinutes).toBeLessThan(checked);
  });

  it('takes the rollup only without filters, for whole-minute buckets over at least one whole minute', () => {
    const db = track(openIngestDatabase());
    const service = new SceneMarkQueryService(db);
    const t = Date.UTC(2026, 0, 1);
    const request = (extra: Record<string, unknown>): GetTimelineRequest =>
      GetTimelineRequest.parse({ from: t, to: t + 86_400_000, ...extra });
    expect(usesMinutes(service, request({}), 600_000)).toBe(true);
    expect(usesMinutes(service, request({ from: t + 1, to: t + 60_001 }), 60_000)).toBe(false);
    expect(usesMinutes(service, request({ from: t + 1, to: t + 120_000 }), 60_000)).toBe(true);
    expect(usesMinutes(service, request({}), 30_000)).toBe(false);
    expect(usesMinutes(service, request({}), 90_000)).toBe(false);
    for (const filter of [
      { deviceIds: ['d'] },
      { nodeIds: ['0001'] },
      { eventTypes: ['Fire'] },
      { itemTypes: ['Human'] },
      { minProbability: 0.5 },
      { statuses: ['Active'] },
      { text: 'gate' },
    ])
      expect(usesMinutes(service, request(filter), 600_000), JSON.stringify(filter)).toBe(false);
  });

  it('counts whole minutes by the primary key and the edge minutes on the covering time index', () => {
    const db = track(openIngestDatabase());
    const service = new SceneMarkQueryService(db);
    const from = Date.UTC(2026, 0, 1) + 1234;
    const { sql, params } = service.timelineSql({ from, to: from + 7 * 86_400_000 }, 3_600_000, from - 1234);
    const detail = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[])
      .map((row) => row.detail)
      .join('\n');
    expect(detail).toMatch(/SEARCH m USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)/);
    expect(detail).toMatch(/SEARCH s USING COVERING INDEX scenemarks_by_time \(time_ms>\? AND time_ms<\?\)/);
    expect(detail).not.toMatch(/^SCAN (s|m)\b/m);
  });

  it('answers a long history from one row per minute', () => {
    const db = track(openIngestDatabase());
    const service = new SceneMarkQueryService(db);
    const from = Date.UTC(2025, 0, 1);
    db.transaction(() => {
      for (let index = 0; index < 20_000; index += 1) insertRaw(db, from + index * 1500);
    })();
    const request = GetTimelineRequest.parse({ from: from - 17, to: from + 20_000 * 1500 + 17 });
    const timeline = service.getTimeline(request);
    expect(usesMinutes(service, request, timeline.bucketMs)).toBe(true);
    expect(timeline.total).toBe(20_000);
    expect(timeline).toEqual(expectedTimeline(storedTimes(db), request.from, request.to, timeline.bucketMs));
    expect(db.prepare('SELECT count(*) AS n FROM scenemark_minutes').get()).toEqual({ n: 500 });
  });
});
