import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workerEntryBeside } from '../../../../src-main/services/workers/workerEntry';
import {
  IngestPipeline,
  type IngestPipelineOptions,
  type SceneMarkParser,
} from '../../../../src-main/services/scenemarks/ingestPipeline';
import { SceneMarkParsePool } from '../../../../src-main/services/scenemarks/sceneMarkParsePool';
import {
  parseSceneMarkRecord,
  type SceneMarkParseOutcome,
} from '../../../../src-main/services/scenemarks/sceneMarkRecord';
import { SceneMarkRepository } from '../../../../src-main/services/scenemarks/sceneMarkRepository';
import { generateSceneMark, generateSceneMarks } from '../../../../bench/support/sceneMarkGenerator';
import { editedSceneMark, embedThumbnail, openIngestDatabase } from './ingestFixture';

let db: Database.Database;
let warnings: string[];
const disposables: { dispose(): void }[] = [];

function makePipeline(options: Partial<IngestPipelineOptions>): IngestPipeline {
  const pipeline = new IngestPipeline({
    repository: new SceneMarkRepository(db),
    logger: { log: (level, _source, message) => level !== 'info' && warnings.push(message) },
    flushIntervalMs: 5,
    ...options,
  });
  disposables.push(pipeline);
  return pipeline;
}

function storedIds(): string[] {
  return db.prepare('SELECT scenemark_id FROM scenemarks ORDER BY id').pluck().all() as string[];
}

function idOf(bytes: Uint8Array): string {
  return (JSON.parse(Buffer.from(bytes).toString('utf8')) as { SceneMarkID: string }).SceneMarkID;
}

/** A parser whose batches the test answers by hand, in any order. */
class ManualParser implements SceneMarkParser {
  readonly concurrency = 3;
  readonly batches: { inputs: readonly Uint8Array[]; answer: () => void; fail: () => void }[] = [];

  parseBatch(inputs: readonly Uint8Array[]): Promise<SceneMarkParseOutcome[]> {
    return new Promise((resolve, reject) => {
      this.batches.push({
        inputs,
        answer: () => resolve(inputs.map((input) => parseSceneMarkRecord(input))),
        fail: () => reject(new Error('worker gone')),
      });
    });
  }
}

const settle = (ms = 20): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

beforeEach(() => {
  db = openIngestDatabase();
  warnings = [];
});
afterEach(() => {
  for (const disposable of disposables.splice(0).reverse()) disposable.dispose();
  if (db.open) db.close();
});

describe('IngestPipeline with a parser', () => {
  it('parses in the worker pool and stores verbatim, in submission order, with rejects', async () => {
    const pool = new SceneMarkParsePool({ workers: 2 });
    disposables.push(pool);
    const pipeline = makePipeline({ parser: pool, batchSize: 100 });
    const inputs = [...generateSceneMarks(450)];
    inputs.splice(200, 0, new TextEncoder().encode('{"Version":"1.0"'));
    inputs.splice(300, 0, editedSceneMark(999, embedThumbnail));
    for (const bytes of inputs) pipeline.submit(bytes, 'mqtt:lab');
    await pipeline.drained();

    const valid = inputs.filter((_, index) => index !== 200);
    expect(storedIds()).toEqual(valid.map(idOf));
    const originals = db.prepare('SELECT original FROM scenemarks ORDER BY id').pluck().all() as Buffer[];
    expect(originals.every((original, index) => original.equals(Buffer.from(valid[index] ?? [])))).toBe(true);
    expect(db.prepare('SELECT reason FROM rejects').pluck().all()).toEqual([expect.stringMatching(/JSON/i)]);
    // The embedded thumbnail was decoded and hashed in the worker.
    expect(db.prepare('SELECT count(*) FROM scene_data WHERE content IS NOT NULL').pluck().get()).toBe(1);
    expect(pipeline.counters()).toMatchObject({ received: 452, stored: 451, rejected: 1, dropped: 0 });
  });

  it('commits in queue order even when later batches are parsed first', async () => {
    const parser = new ManualParser();
    const pipeline = makePipeline({ parser, batchSize: 10 });
    const inputs = [...generateSceneMarks(30)];
    for (const bytes of inputs) pipeline.submit(bytes, 'test');
    await settle(1);
    expect(parser.batches.map((batch) => batch.inputs.length)).toEqual([10, 10, 10]);

    parser.batches[2]?.answer();
    parser.batches[1]?.answer();
    await settle();
    expect(storedIds()).toEqual([]); // the head of the queue is still being parsed

    parser.batches[0]?.answer();
    await pipeline.drained();
    expect(storedIds()).toEqual(inputs.map(idOf));
  });

  it('parses on main what a broken parser failed, and says so', async () => {
    const parser = new ManualParser();
    const pipeline = makePipeline({ parser, batchSize: 5 });
    const inputs = [...generateSceneMarks(8)];
    for (const bytes of inputs) pipeline.submit(bytes, 'test');
    await settle(1);
    parser.batches[0]?.fail();
    parser.batches[1]?.answer();
    await pipeline.drained();

    expect(storedIds()).toEqual(inputs.map(idOf));
    expect(warnings.some((message) => message.includes('parser failed'))).toBe(true);
  });

  it('falls back to main when a pool worker dies', async () => {
    const pool = new SceneMarkParsePool({
      workers: 1,
      entry: workerEntryBeside(new URL('./fixtures/', import.meta.url).href, 'exitingParseWorker'),
    });
    disposables.push(pool);
    const pipeline = makePipeline({ parser: pool });
    const inputs = [...generateSceneMarks(20)];
    for (const bytes of inputs) pipeline.submit(bytes, 'test');
    await pipeline.drained();

    expect(storedIds()).toEqual(inputs.map(idOf));
    expect(warnings.some((message) => message.includes('parser failed'))).toBe(true);
  });

  it('holds commits while writes are held and commits everything on release', async () => {
    const pool = new SceneMarkParsePool({ workers: 1 });
    disposables.push(pool);
    const pipeline = makePipeline({ parser: pool });
    const release = pipeline.holdWrites();
    for (const bytes of generateSceneMarks(50)) pipeline.submit(bytes, 'test');
    await settle(300);
    expect(storedIds()).toEqual([]);
    expect(pipeline.queueDepth).toBe(50);

    release();
    release(); // a second call does nothing
    await pipeline.drained();
    expect(storedIds()).toHaveLength(50);
  });

  it('commits what is still being parsed when it is disposed', () => {
    const parser = new ManualParser();
    const pipeline = makePipeline({ parser, batchSize: 10 });
    const inputs = [...generateSceneMarks(25)];
    for (const bytes of inputs) pipeline.submit(bytes, 'test');
    return settle(1).then(() => {
      expect(parser.batches.length).toBeGreaterThan(0);
      pipeline.dispose();
      expect(storedIds()).toEqual(inputs.map(idOf));
      parser.batches.forEach((batch) => batch.answer()); // late answers change nothing
      return settle().then(() => expect(storedIds()).toHaveLength(25));
    });
  });

  it('gives the same records as parsing on the calling thread', async () => {
    const pool = new SceneMarkParsePool({ workers: 1 });
    disposables.push(pool);
    const inputs = [generateSceneMark(1), editedSceneMark(2, embedThumbnail), new Uint8Array([0x7b])];
    const outcomes = await pool.parseBatch(inputs);
    const expected = inputs.map((input) => parseSceneMarkRecord(input));
    // Structured clone turns Buffers into Uint8Arrays; compare the bytes.
    expect(asPlainData(outcomes)).toEqual(asPlainData(expected));
    expect(outcomes[2]).toMatchObject({ ok: false });
  });
});

function asPlainData(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, bytesAsArrays));
}

function bytesAsArrays(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return [...value];
  if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer')
    return (value as { data: number[] }).data;
  return value;
}
