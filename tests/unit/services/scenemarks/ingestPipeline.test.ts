import type Database from 'better-sqlite3';
import BetterSqlite from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LogSeverity } from '../../../../src-main/core/util/logger';
import {
  IngestPipeline,
  type IngestPipelineOptions,
} from '../../../../src-main/services/scenemarks/ingestPipeline';
import {
  SceneMarkRepository,
  type StoreItem,
} from '../../../../src-main/services/scenemarks/sceneMarkRepository';
import type { IngestCounters, IngestedSceneMark } from '../../../../src-shared/contract/ingestContract';
import { IngestCounters as IngestCountersSchema } from '../../../../src-shared/contract/ingestContract';
import { generateSceneMark, generateSceneMarks } from '../../../../bench/support/sceneMarkGenerator';
import { at, editedSceneMark, firstAnalysis, openIngestDatabase } from './ingestFixture';

interface Logged {
  level: LogSeverity;
  message: string;
}

let db: Database.Database;
let logged: Logged[];
let ingested: IngestedSceneMark[];
let counterEvents: IngestCounters[];
const pipelines: IngestPipeline[] = [];

function makePipeline(options: Partial<IngestPipelineOptions> = {}): IngestPipeline {
  const pipeline = new IngestPipeline({
    repository: new SceneMarkRepository(db),
    logger: { log: (level, _source, message) => logged.push({ level, message }) },
    publisher: {
      ingested: (summary) => ingested.push(summary),
      countersChanged: (counters) => counterEvents.push(counters),
    },
    flushIntervalMs: 5,
    countersIntervalMs: 0,
    ...options,
  });
  pipelines.push(pipeline);
  return pipeline;
}

function count(table: string, database = db): number {
  return (database.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

beforeEach(() => {
  db = openIngestDatabase();
  logged = [];
  ingested = [];
  counterEvents = [];
});
afterEach(() => {
  for (const pipeline of pipelines.splice(0)) pipeline.dispose();
  vi.useRealTimers();
  if (db.open) db.close();
});

describe('IngestPipeline', () => {
  it('stores submitted SceneMarks verbatim and counts them', async () => {
    const pipeline = makePipeline();
    const all = [...generateSceneMarks(120)];
    for (const bytes of all) expect(pipeline.submit(bytes, 'mqtt:lab')).toBe(true);
    await pipeline.drained();

    expect(count('scenemarks')).toBe(120);
    const originals = db.prepare('SELECT original FROM scenemarks ORDER BY id').pluck().all() as Buffer[];
    expect(originals.every((original, index) => original.equals(Buffer.from(at(all, index))))).toBe(true);
    expect(pipeline.counters()).toEqual({
      received: 120,
      stored: 120,
      updated: 0,
      duplicates: 0,
      rejected: 0,
      dropped: 0,
      queueDepth: 0,
      storeErrors: 0,
      lastError: null,
    });
    expect(IngestCountersSchema.parse(counterEvents.at(-1))).toEqual(pipeline.counters());
    expect(ingested).toHaveLength(120);
    expect(ingested[0]).toEqual({
      sceneMarkId: expect.stringMatching(/^SMK_/),
      time: expect.any(Number),
      deviceId: expect.any(String),
      nodeId: '0001',
      eventType: expect.any(String),
      itemTypes: expect.any(Array),
      highestProbability: expect.anything(),
      status: expect.any(String),
    });
  });

  it('commits within the flush interval, or at once when a batch is full', async () => {
    vi.useFakeTimers();
    const writes: number[] = [];
    const repository = new SceneMarkRepository(db);
    const pipeline = makePipeline({
      flushIntervalMs: 50,
      batchSize: 10,
      repository: {
        writeBatch: (items: readonly StoreItem[]) => {
          writes.push(items.length);
          return repository.writeBatch(items);
        },
      },
    });
    pipeline.submit(generateSceneMark(0), 'test');
    await vi.advanceTimersByTimeAsync(49);
    expect(writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toEqual([1]);

    for (let index = 1; index <= 25; index++) pipeline.submit(generateSceneMark(index), 'test');
    // A full batch is committed on the next timer turn, not after the interval.
    await vi.advanceTimersByTimeAsync(2);
    expect(writes).toEqual([1, 10, 10]);
    await vi.advanceTimersByTimeAsync(40);
    expect(writes).toEqual([1, 10, 10]);
    await vi.advanceTimersByTimeAsync(10);
    expect(writes).toEqual([1, 10, 10, 5]);
    expect(count('scenemarks')).toBe(26);
  });

  it('counts duplicates and revision updates, and publishes only what changed', async () => {
    const pipeline = makePipeline();
    pipeline.submit(generateSceneMark(1), 'a');
    pipeline.submit(generateSceneMark(1), 'b');
    await pipeline.drained();
    pipeline.submit(generateSceneMark(1, { revision: 2 }), 'c');
    pipeline.submit(generateSceneMark(1), 'd');
    await pipeline.drained();

    expect(pipeline.counters()).toMatchObject({ received: 4, stored: 1, duplicates: 2, updated: 1 });
    expect(count('scenemarks')).toBe(1);
    expect(db.prepare('SELECT source, revision FROM scenemarks').get()).toEqual({ source: 'c', revision: 2 });
    expect(ingested).toHaveLength(2);
  });

  it('keeps invalid input in rejects with the reason and field, never silently', async () => {
    const pipeline = makePipeline();
    const notJson = new TextEncoder().encode('{"SceneMarkID": ');
    const badBox = editedSceneMark(2, (sceneMark) => {
      const analysis = firstAnalysis(sceneMark);
      analysis['DetectedObjects'] = [
        { NICEItemType: 'Human', BoundingBox: { XCoordinate: 0.9, YCoordinate: 0, Width: 0.5, Height: 0.1 } },
      ];
    });
    pipeline.submit(notJson, 'webapi');
    pipeline.submit(badBox, 'mqtt:lab');
    pipeline.submit(generateSceneMark(3), 'mqtt:lab');
    await pipeline.drained();

    expect(pipeline.counters()).toMatchObject({ received: 3, stored: 1, rejected: 2, dropped: 0 });
    const rejects = db.prepare('SELECT source, reason, field, original FROM rejects ORDER BY id').all() as {
      source: string;
      reason: string;
      field: string | null;
      original: Buffer;
    }[];
    expect(rejects.map((reject) => reject.source)).toEqual(['webapi', 'mqtt:lab']);
    expect(at(rejects, 0).original.equals(Buffer.from(notJson))).toBe(true);
    expect(at(rejects, 1).original.equals(Buffer.from(badBox))).toBe(true);
    expect(at(rejects, 0).reason).not.toBe('');
    expect(at(rejects, 1).field).toMatch(/BoundingBox/);
  });

  it('refuses and counts as dropped when the queue is full; enqueue waits instead', async () => {
    const pipeline = makePipeline({ maxQueue: 3, flushIntervalMs: 20 });
    expect([0, 1, 2, 3].map((index) => pipeline.submit(generateSceneMark(index), 'test'))).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(pipeline.counters()).toMatchObject({ received: 4, dropped: 1, queueDepth: 3 });
    expect(logged.some((entry) => entry.level === 'warn' && /queue full/.test(entry.message))).toBe(true);

    const waiting = pipeline.enqueue(generateSceneMark(10), 'test');
    expect(pipeline.queueDepth).toBe(3);
    await waiting;
    await pipeline.drained();
    expect(pipeline.counters()).toMatchObject({ received: 5, stored: 4, dropped: 1, queueDepth: 0 });
  });

  it('makes one SceneMark the store refuses a reject without holding up the rest', async () => {
    db.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON detected_objects WHEN NEW.item_type = 'Weapon' " +
        "BEGIN SELECT RAISE(ABORT, 'weapons refused'); END",
    );
    const weapon = editedSceneMark(5, (sceneMark) => {
      const analysis = firstAnalysis(sceneMark);
      analysis['DetectedObjects'] = [{ NICEItemType: 'Weapon' }];
    });
    const pipeline = makePipeline();
    pipeline.submit(generateSceneMark(4), 'test');
    pipeline.submit(weapon, 'test');
    pipeline.submit(generateSceneMark(6), 'test');
    await pipeline.drained();
    expect(pipeline.counters()).toMatchObject({ stored: 2, rejected: 1, storeErrors: 0 });
    expect(db.prepare('SELECT reason FROM rejects').pluck().get()).toMatch(/weapons refused/);
  });

  it('retries while another connection holds the write lock, then stores everything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nice-ingest-'));
    try {
      db.close();
      const file = join(dir, 'console.sqlite');
      db = openIngestDatabase(file);
      db.pragma('busy_timeout = 0');
      const other = new BetterSqlite(file);
      other.exec('BEGIN IMMEDIATE');

      const pipeline = makePipeline({ retryDelayMs: 5, maxRetryDelayMs: 20 });
      for (let index = 0; index < 30; index++) pipeline.submit(generateSceneMark(index), 'test');
      await vi.waitFor(() => expect(pipeline.counters().storeErrors).toBeGreaterThanOrEqual(2), {
        timeout: 10_000,
      });
      const failing = pipeline.counters();
      expect(failing).toMatchObject({ stored: 0, dropped: 0, queueDepth: 30 });
      expect(failing.lastError?.code).toBe('SQLITE_BUSY');
      expect(counterEvents.some((counters) => counters.lastError?.code === 'SQLITE_BUSY')).toBe(true);
      expect(
        logged.filter((entry) => /cannot store 30 SceneMarks \(SQLITE_BUSY/.test(entry.message)),
      ).not.toEqual([]);
      pipeline.submit(generateSceneMark(30), 'test');

      other.exec('ROLLBACK');
      other.close();
      await pipeline.drained();
      expect(pipeline.counters()).toMatchObject({ stored: 31, dropped: 0, queueDepth: 0, lastError: null });
      expect(count('scenemarks')).toBe(31);
      expect(logged.some((entry) => /accepts writes again/.test(entry.message))).toBe(true);
    } finally {
      for (const pipeline of pipelines.splice(0)) pipeline.dispose();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('surfaces a failing store (corrupt file) without crashing or losing the queue', async () => {
    vi.useFakeTimers();
    let broken = true;
    const repository = new SceneMarkRepository(db);
    const pipeline = makePipeline({
      retryDelayMs: 10,
      repository: {
        writeBatch: (items: readonly StoreItem[]) => {
          if (broken)
            throw Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' });
          return repository.writeBatch(items);
        },
      },
    });
    pipeline.submit(generateSceneMark(0), 'test');
    pipeline.submit(generateSceneMark(1), 'test');
    await vi.advanceTimersByTimeAsync(200);
    expect(pipeline.counters()).toMatchObject({
      stored: 0,
      queueDepth: 2,
      lastError: { code: 'SQLITE_CORRUPT', message: 'database disk image is malformed' },
    });
    expect(pipeline.counters().storeErrors).toBeGreaterThan(1);
    expect(logged.filter((entry) => entry.level === 'error')).toHaveLength(1);

    broken = false;
    await vi.advanceTimersByTimeAsync(5000);
    expect(pipeline.counters()).toMatchObject({ stored: 2, queueDepth: 0, lastError: null });
  });

  it('commits what is queued when disposed', () => {
    const pipeline = makePipeline({ flushIntervalMs: 10_000 });
    pipeline.submit(generateSceneMark(0), 'test');
    pipeline.dispose();
    expect(count('scenemarks')).toBe(1);
    expect(pipeline.submit(generateSceneMark(1), 'test')).toBe(false);
  });
});
