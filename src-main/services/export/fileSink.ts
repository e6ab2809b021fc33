import { createHash, type Hash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';

/** Bytes gathered before one write system call. */
const flushThreshold = 1 << 20;

/**
 * Appends to one file synchronously (the export worker has nothing else to do) through a small
 * buffer, counting bytes and hashing them as they go, so the output never sits in memory.
 */
export class FileSink {
  private readonly fd: number;
  private readonly hash: Hash = createHash('sha256');
  private chunks: Uint8Array[] = [];
  private pendingBytes = 0;
  private pendingText = '';
  private written = 0;
  private closed = false;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w', 0o600);
  }

  /** Bytes accepted so far (written or buffered). */
  get bytes(): number {
    return this.written + this.pendingBytes + Buffer.byteLength(this.pendingText);
  }

  /** Queues bytes; the caller may reuse nothing it passed (chunks are kept until the flush). */
  write(chunk: Uint8Array): void {
    if (this.pendingText.length > 0) this.moveText();
    if (chunk.length >= flushThreshold >> 2) {
      // Large enough for its own system call: skip the copy into a combined buffer.
      this.flush();
      this.writeNow(chunk);
      return;
    }
    this.chunks.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= flushThreshold) this.flush();
  }

  /** Queues UTF-8 text; cheaper than many small Buffers for CSV rows. */
  writeText(text: string): void {
    this.pendingText += text;
    if (this.pendingText.length >= flushThreshold >> 1) {
      this.moveText();
      if (this.pendingBytes >= flushThreshold) this.flush();
    }
  }

  /** Writes everything buffered. */
  flush(): void {
    if (this.pendingText.length > 0) this.moveText();
    if (this.chunks.length === 0) return;
    const data =
      this.chunks.length === 1 && this.chunks[0]
        ? this.chunks[0]
        : Buffer.concat(this.chunks, this.pendingBytes);
    this.chunks = [];
    this.pendingBytes = 0;
    this.writeNow(data);
  }

  private writeNow(data: Uint8Array): void {
    this.hash.update(data);
    let offset = 0;
    while (offset < data.length) offset += writeSync(this.fd, data, offset, data.length - offset);
    this.written += data.length;
  }

  /** Flushes, makes the data durable (so ENOSPC shows here, not later) and closes; returns the SHA-256. */
  finish(): { bytes: number; sha256: string } {
    this.flush();
    fsyncSync(this.fd);
    this.close();
    return { bytes: this.written, sha256: this.hash.digest('hex') };
  }

  /** Closes without flushing; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  private moveText(): void {
    const buffer = Buffer.from(this.pendingText, 'utf8');
    this.pendingText = '';
    this.chunks.push(buffer);
    this.pendingBytes += buffer.length;
  }
}
