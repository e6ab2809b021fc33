import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { Disposable } from '../../core/util/disposable';
import { startWorker, workerEntryBeside, type WorkerEntry } from '../workers/workerEntry';
import type { SceneMarkParser } from './ingestPipeline';
import type { ParseRequest, ParseResponse } from './sceneMarkParseProtocol';
import type { SceneMarkParseOutcome } from './sceneMarkRecord';
import { unpackOutcomes } from './sceneMarkRecordCodec';

/** Options of the parse pool. */
export interface SceneMarkParsePoolOptions {
  /** Worker threads (default: one per core beyond the first, at least 1, at most 4). */
  workers?: number;
  entry?: WorkerEntry;
}

interface Slot {
  worker: Worker;
  waiting: Map<
    number,
    { resolve: (outcomes: SceneMarkParseOutcome[]) => void; reject: (error: Error) => void }
  >;
}

/**
 * Worker threads that parse and validate SceneMarks for the ingest pipeline (issue #5: parsing
 * costs more than writing, and on main it held the event loop for every batch). Each batch
 * goes to the least busy worker; a worker that dies fails its batches (the pipeline then parses
 * them on main) and is replaced on the next batch. Workers are unref'd: they never keep the
 * process alive.
 */
export class SceneMarkParsePool implements SceneMarkParser, Disposable {
  readonly concurrency: number;
  private readonly slots: (Slot | undefined)[];
  private readonly entry: WorkerEntry;
  private nextId = 1;
  private disposed = false;

  constructor(options: SceneMarkParsePoolOptions = {}) {
    const workers = options.workers ?? Math.min(4, Math.max(1, availableParallelism() - 1));
    this.slots = new Array<Slot | undefined>(workers).fill(undefined);
    // Two batches per worker: one being parsed while the answer to the other crosses back.
    this.concurrency = workers * 2;
    this.entry = options.entry ?? workerEntryBeside(import.meta.url, 'sceneMarkParseWorker');
  }

  parseBatch(inputs: readonly Uint8Array[]): Promise<SceneMarkParseOutcome[]> {
    if (this.disposed) return Promise.reject(new Error('the SceneMark parse pool is closed'));
    const slot = this.leastBusy();
    const ends = new Uint32Array(inputs.length);
    let total = 0;
    inputs.forEach((input, index) => {
      total += input.byteLength;
      ends[index] = total;
    });
    const packed = new Uint8Array(total);
    let offset = 0;
    for (const input of inputs) {
      packed.set(input, offset);
      offset += input.byteLength;
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.waiting.set(id, { resolve, reject });
      const request: ParseRequest = { id, buffer: packed.buffer, ends };
      slot.worker.postMessage(request, [packed.buffer, ends.buffer]);
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.slots.forEach((slot, index) => {
      if (!slot) return;
      this.slots[index] = undefined;
      failAll(slot, new Error('the SceneMark parse pool is closed'));
      void slot.worker.terminate();
    });
  }

  private leastBusy(): Slot {
    let best = 0;
    for (let index = 0; index < this.slots.length; index++) {
      const slot = this.slots[index];
      if (!slot) {
        best = index;
        break;
      }
      if (slot.waiting.size < (this.slots[best]?.waiting.size ?? 0)) best = index;
    }
    return this.slots[best] ?? this.spawn(best);
  }

  private spawn(index: number): Slot {
    const worker = startWorker(this.entry);
    worker.unref();
    const slot: Slot = { worker, waiting: new Map() };
    worker.on('message', ({ id, outcomes }: ParseResponse) => {
      const waiting = slot.waiting.get(id);
      slot.waiting.delete(id);
      waiting?.resolve(unpackOutcomes(outcomes));
    });
    const gone = (error: Error): void => {
      if (this.slots[index] === slot) this.slots[index] = undefined;
      failAll(slot, error);
    };
    worker.on('error', gone);
    worker.on('exit', (code) => gone(new Error(`the SceneMark parse worker exited with code ${code}`)));
    this.slots[index] = slot;
    return slot;
  }
}

function failAll(slot: Slot, error: Error): void {
  for (const waiting of slot.waiting.values()) waiting.reject(error);
  slot.waiting.clear();
}
