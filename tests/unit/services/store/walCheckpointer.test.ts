import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../../src-main/services/store/database';
import { WalCheckpointer } from '../../../../src-main/services/store/walCheckpointer';
import { workerEntryBeside } from '../../../../src-main/services/workers/workerEntry';

let dir: string;
let file: string;
let db: Database.Database;
let warnings: string[];
const checkpointers: WalCheckpointer[] = [];

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function checkpointer(
  options: Partial<ConstructorParameters<typeof WalCheckpointer>[0]> = {},
): WalCheckpointer {
  const created = new WalCheckpointer({
    db,
    databaseFile: file,
    logger: { log: (_level, _source, message) => warnings.push(message) },
    intervalMs: 20,
    restartFrames: 256,
    ...options,
  });
  checkpointers.push(created);
  return created;
}

function walBytes(): number {
  return existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0;
}

/** Bytes of row content one round of `write` commits. */
const roundBytes = 16 * 4000;

/** 4 MB of committed rows in 64 small transactions, yielding between them as ingest does. */
async function write(rounds = 64): Promise<void> {
  const insert = db.prepare('INSERT INTO payload (bytes) VALUES (?)');
  for (let round = 0; round < rounds; round++) {
    db.transaction(() => {
      for (let row = 0; row < 16; row++) insert.run(Buffer.alloc(4000, round));
    })();
    await settle(5);
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nice-wal-'));
  file = join(dir, 'console.sqlite');
  db = openDatabase(file, []).db;
  db.exec('CREATE TABLE payload (id INTEGER PRIMARY KEY, bytes BLOB)');
  warnings = [];
});
afterEach(() => {
  for (const created of checkpointers.splice(0)) created.dispose();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('WalCheckpointer', () => {
  it('takes checkpoints off main and keeps the WAL bounded under continuous writes', async () => {
    const created = checkpointer();
    expect(created.active).toBe(true);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    expect(await created.running).toBe(true);
    let largest = 0;
    const sampler = setInterval(() => (largest = Math.max(largest, walBytes())), 5);
    await write(128);
    clearInterval(sampler);
    largest = Math.max(largest, walBytes());
    // The log never grew to what was written, so the thread rewound it while writes went on.
    // Restarts keep it near 256 frames (1 MiB) on a quiet machine; how near is not asserted, as
    // a starved thread makes it larger.
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThan(128 * roundBytes);
    expect(db.prepare('SELECT count(*) FROM payload').pluck().get()).toBe(128 * 16);

    created.dispose();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });

  it('without it the same writes grow the WAL past that bound', async () => {
    db.pragma('wal_autocheckpoint = 0');
    await write(128);
    expect(walBytes()).toBeGreaterThan(128 * roundBytes);
  });

  it('gives checkpoints back to main when the thread dies', async () => {
    const created = checkpointer({
      entry: workerEntryBeside(
        new URL('../scenemarks/fixtures/', import.meta.url).href,
        'exitingParseWorker',
      ),
    });
    // That entry never checkpoints and exits on its first message: send it one.
    (created as unknown as { worker: { postMessage(message: unknown): void } }).worker.postMessage('go');
    for (let wait = 0; wait < 100 && created.active; wait++) await settle(20);
    expect(created.active).toBe(false);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(warnings.some((message) => message.includes('checkpoint thread stopped'))).toBe(true);
  });

  it('starts no thread for an in-memory database', () => {
    const memory = openDatabase(':memory:', []).db;
    const created = new WalCheckpointer({
      db: memory,
      databaseFile: ':memory:',
      logger: { log: () => undefined },
    });
    expect(created.active).toBe(false);
    created.dispose();
    memory.close();
  });
});
