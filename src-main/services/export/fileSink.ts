import { closeSync, openSync } from 'node:fs';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

/** Bytes gathered before they are handed to the writer thread. */
const stagingBytes = 1 << 20;
/** Bytes handed over but not yet written, beyond which `write` waits for the writer. */
const maxInFlightBytes = 8 << 20;
/** The writer asks the kernel to start writing back (fdatasync, off-thread) every this many bytes. */
const writeBackBytes = 32 << 20;
/** Without any sign of life from the writer for this long, the export fails. */
const stallTimeoutMs = 120_000;

// Slots of the shared Int32Array between this thread and the writer.
const inFlight = 0;
const status = 1;
const abort = 2;
const heartbeat = 3;
const ended = 1;

/**
 * The writer thread, started from source text (`eval`) so it needs no bundled entry and no
 * TypeScript loader: it hashes and writes the chunks it is handed, in order, asks for
 * write-back now and then (so the final fsync finds little left to do), frees each chunk at
 * once (a transfer into a closed port detaches it) and reports through the shared slots and
 * the reply port. Once it has settled it no longer touches the file descriptor, which the
 * producer then closes (the thread that opened it).
 */
const writerSource = `'use strict';
const { workerData, parentPort, MessageChannel } = require('node:worker_threads');
const { writeSync, fdatasync, fsyncSync, ftruncateSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { fd, shared, reply, writeBackBytes } = workerData;
const state = new Int32Array(shared);
let hash = createHash('sha256');
const discard = new MessageChannel().port1;
discard.close();
let written = 0, unsynced = 0, syncing = false, failure = null, finishing = null, rejected = false;
const beat = () => { Atomics.add(state, ${heartbeat}, 1); Atomics.notify(state, ${heartbeat}); };
const describe = (error) => ({ code: typeof error?.code === 'string' ? error.code : undefined, message: String(error?.message ?? error) });
// Whether rows CRLF-terminated records of fields unquoted fields are exactly what RFC 4180
// quoting gives: no quote, and only the separators' commas, CRs and LFs.
function plainCsv(view, rows, fields) {
  let commas = 0, crs = 0, lfs = 0;
  for (let i = 0; i < view.length; i += 1) {
    const c = view[i];
    if (c > 44) continue;
    if (c === 44) commas += 1;
    else if (c === 10) lfs += 1;
    else if (c === 13) crs += 1;
    else if (c === 34) return false;
  }
  return commas === rows * (fields - 1) && crs === rows && lfs === rows;
}
function settle() {
  if (syncing || !finishing) return;
  const mode = finishing;
  finishing = 'settled';
  let result = failure ? { failed: failure } : undefined;
  try {
    if (mode === 'end' && !failure) fsyncSync(fd);
  } catch (error) { result = { failed: describe(error) }; }
  if (mode === 'end') reply.postMessage(result ?? { bytes: written, sha256: hash.digest('hex') });
  Atomics.store(state, ${status}, ${ended});
  Atomics.notify(state, ${status});
  beat();
  parentPort.close();
  reply.close();
}
parentPort.on('message', (message) => {
  if (message === 'end' || message === 'abort') { finishing = message; settle(); return; }
  if (message === 'restart') {
    rejected = false;
    if (!failure) {
      try { ftruncateSync(fd, 0); } catch (error) { failure = describe(error); reply.postMessage({ failed: failure }); }
      hash = createHash('sha256');
      written = 0;
      unsynced = 0;
    }
    beat();
    return;
  }
  const { buffer, length, csv } = message;
  if (!failure && !rejected && Atomics.load(state, ${abort}) === 0) {
    try {
      const view = new Uint8Array(buffer, 0, length);
      if (csv && !plainCsv(view, csv.rows, csv.fields)) {
        rejected = true;
        reply.postMessage({ rejected: true });
      } else {
        hash.update(view);
        for (let offset = 0; offset < length; ) offset += writeSync(fd, view, offset, length - offset, written + offset);
        written += length;
        unsynced += length;
        if (unsynced >= writeBackBytes && !syncing) {
          unsynced = 0;
          syncing = true;
          fdatasync(fd, () => { syncing = false; beat(); settle(); });
        }
      }
    } catch (error) {
      failure = describe(error);
      reply.postMessage({ failed: failure });
    }
  }
  try { discard.postMessage(null, [buffer]); } catch {}
  Atomics.sub(state, ${inFlight}, length);
  Atomics.notify(state, ${inFlight});
  beat();
});
`;

/**
 * A CSV batch handed over as plain (`writeOwned` with its shape) turned out to need RFC 4180
 * quotes: nothing from it on was written; `restart` empties the file to write it all again.
 */
export class SinkRejectedError extends Error {
  constructor() {
    super('a plain CSV batch needs quotes');
    this.name = 'SinkRejectedError';
  }
}

/** A batch of plain CSV records for the writer to check: records, and fields per record. */
export interface CsvShape {
  rows: number;
  fields: number;
}

/** The writer failed: the error it met, with its code (ENOSPC becomes DISK_FULL upstream). */
function writerError(failed: { code?: string; message: string }): Error {
  return Object.assign(new Error(failed.message), failed.code ? { code: failed.code } : {});
}

/**
 * Appends to one file from a synchronous producer (the export worker) through a writer thread,
 * so hashing (SHA-256 of the whole file) and the write system calls run beside the database
 * reads instead of after them (and so does the check of plain CSV batches, see `writeOwned`).
 * Chunks are gathered into 1 MiB blocks (or handed over whole) and at most 8 MiB are in
 * flight, so the output never sits in memory. The writer also starts write-back every 32 MiB
 * (fdatasync on the thread pool), so the final fsync has little left to wait for.
 */
export class FileSink {
  private readonly fd: number;
  private readonly shared = new Int32Array(new SharedArrayBuffer(16));
  private readonly writer: Worker;
  private readonly replies: MessagePort;
  private staging = new Uint8Array(stagingBytes);
  private staged = 0;
  private accepted = 0;
  private failure: Error | undefined;
  private rejected = false;
  private open = true;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w', 0o600);
    try {
      const { port1, port2 } = new MessageChannel();
      this.writer = new Worker(writerSource, {
        eval: true,
        execArgv: [],
        workerData: { fd: this.fd, shared: this.shared.buffer, reply: port2, writeBackBytes },
        transferList: [port2],
      });
      // Failures come back through the reply port; the thread ends by itself once settled.
      this.writer.on('error', () => undefined);
      this.writer.unref();
      this.replies = port1;
    } catch (error) {
      closeSync(this.fd);
      throw error;
    }
  }

  /** Bytes accepted so far (written or on their way). */
  get bytes(): number {
    return this.accepted;
  }

  /** Copies `chunk` on its way to the file; the caller may reuse it afterwards. */
  write(chunk: Uint8Array): void {
    this.accepted += chunk.length;
    let offset = 0;
    while (offset < chunk.length) {
      const count = Math.min(chunk.length - offset, this.staging.length - this.staged);
      this.staging.set(chunk.subarray(offset, offset + count), this.staged);
      this.staged += count;
      offset += count;
      if (this.staged === this.staging.length) this.flushStaging();
    }
  }

  /**
   * Hands a large Buffer to the writer without copying it (its memory moves to the writer and
   * it is empty afterwards); the caller must not use it again. Falls back to `write`.
   *
   * With `csv`, the chunk is whole plain CSV records (no field quoted) that the writer checks
   * before writing, on its own thread: when a field needed quotes, it writes nothing more and
   * the next call here (or `drain`) throws SinkRejectedError.
   */
  writeOwned(chunk: Buffer, csv?: CsvShape): void {
    const whole = chunk.byteOffset === 0 && chunk.buffer.byteLength === chunk.length;
    const transferable = whole && chunk.buffer instanceof ArrayBuffer;
    if (!csv && (chunk.length < stagingBytes >> 2 || !transferable)) {
      this.write(chunk);
      return;
    }
    this.flushStaging();
    const length = chunk.length;
    if (transferable && this.post(chunk.buffer as ArrayBuffer, length, false, csv)) {
      this.accepted += length;
      return;
    }
    if (!csv) {
      this.write(chunk);
      return;
    }
    this.post(new Uint8Array(chunk).buffer, length, true, csv);
    this.accepted += length;
  }

  /** Waits until everything handed over is written (or rejected, or failed: then throws). */
  drain(): void {
    this.flushStaging();
    this.waitUntil(() => Atomics.load(this.shared, inFlight) === 0);
    this.checkFailure();
  }

  /** After SinkRejectedError: empties the file, to write the export again from its start. */
  restart(): void {
    this.waitUntil(() => Atomics.load(this.shared, inFlight) === 0, false);
    this.staged = 0;
    this.accepted = 0;
    this.rejected = false;
    this.writer.postMessage('restart');
  }

  /** Writes everything, makes it durable (so ENOSPC shows here, not later) and closes; the SHA-256. */
  finish(): { bytes: number; sha256: string } {
    this.flushStaging();
    this.checkFailure();
    this.writer.postMessage('end');
    this.waitUntil(() => Atomics.load(this.shared, status) === ended);
    this.open = false;
    type Reply = { bytes?: number; sha256?: string; failed?: { message: string }; rejected?: boolean };
    let reply = this.nextReply() as Reply;
    while (reply.rejected) {
      // Only if the caller finished without `drain` after plain CSV batches (never here).
      this.rejected = true;
      reply = this.nextReply() as Reply;
    }
    this.replies.close();
    closeSync(this.fd);
    if (reply.failed) throw writerError(reply.failed);
    if (this.rejected) throw new SinkRejectedError();
    return { bytes: reply.bytes ?? 0, sha256: reply.sha256 ?? '' };
  }

  /** Stops the writer and closes the file, dropping what was not written; safe to call twice. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    Atomics.store(this.shared, abort, 1);
    this.writer.postMessage('abort');
    try {
      this.waitUntil(() => Atomics.load(this.shared, status) === ended, false);
    } catch {
      // The writer is gone without settling (it never gets here normally).
    } finally {
      this.replies.close();
      closeSync(this.fd);
    }
  }

  private flushStaging(): void {
    if (this.staged === 0) return;
    const length = this.staged;
    this.staged = 0;
    if (length < stagingBytes >> 2) {
      // A few bytes ahead of a handed-over Buffer: send a copy and keep the block.
      this.post(this.staging.slice(0, length).buffer, length);
      return;
    }
    const { buffer } = this.staging;
    this.staging = new Uint8Array(stagingBytes);
    this.post(buffer as ArrayBuffer, length);
  }

  /**
   * Hands `buffer` (its first `length` bytes) to the writer once fewer than 8 MiB are pending;
   * false when it cannot be transferred (only when `required` is false; then nothing happened).
   */
  private post(buffer: ArrayBuffer, length: number, required = true, csv?: CsvShape): boolean {
    this.checkFailure();
    this.waitUntil(() => {
      const pending = Atomics.load(this.shared, inFlight);
      return pending === 0 || pending + length <= maxInFlightBytes;
    });
    Atomics.add(this.shared, inFlight, length);
    try {
      this.writer.postMessage({ buffer, length, csv }, [buffer]);
    } catch (error) {
      Atomics.sub(this.shared, inFlight, length);
      if (required) throw error;
      return false;
    }
    return true;
  }

  /** Throws what the writer met, if anything (a rejected CSV batch as SinkRejectedError). */
  private checkFailure(): void {
    if (this.failure) throw this.failure;
    if (this.rejected) throw new SinkRejectedError();
    for (;;) {
      const reply = this.nextReply(false) as
        { failed?: { code?: string; message: string }; rejected?: boolean } | undefined;
      if (!reply) return;
      if (reply.failed) {
        this.failure = writerError(reply.failed);
        throw this.failure;
      }
      if (reply.rejected) {
        this.rejected = true;
        throw new SinkRejectedError();
      }
    }
  }

  private nextReply(required = true): unknown {
    const received = receiveMessageOnPort(this.replies);
    if (!received && required) throw new Error('the export writer ended without a result');
    return received?.message;
  }

  /**
   * Blocks until `done()`, waking whenever the writer moves; fails on a writer error (when
   * `checking`) or when the writer shows no sign of life for two minutes.
   */
  private waitUntil(done: () => boolean, checking = true): void {
    let beat = Atomics.load(this.shared, heartbeat);
    let since = performance.now();
    while (!done()) {
      if (checking) this.checkFailure();
      Atomics.wait(this.shared, heartbeat, beat, 1000);
      const now = Atomics.load(this.shared, heartbeat);
      if (now !== beat) {
        beat = now;
        since = performance.now();
      } else if (performance.now() - since > stallTimeoutMs) {
        throw new Error('the export writer stopped responding');
      }
    }
  }
}
