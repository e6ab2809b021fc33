import { MessageChannel } from 'node:worker_threads';

const released = new MessageChannel().port1;
released.close();

/**
 * Frees the memory of a Buffer that nothing will read again, at once instead of at the next
 * garbage collection (which V8 triggers only after tens of MB of such garbage): transferring
 * its ArrayBuffer into a closed port detaches it. Only for Buffers that own their whole
 * ArrayBuffer; others are left to the collector.
 */
export function releaseBuffer(buffer: Uint8Array): void {
  if (buffer.byteOffset !== 0 || buffer.byteLength !== buffer.buffer.byteLength) return;
  if (!(buffer.buffer instanceof ArrayBuffer) || buffer.byteLength < 4096) return;
  try {
    released.postMessage(null, [buffer.buffer]);
  } catch {
    // Not transferable (a pooled or external buffer): the collector frees it.
  }
}
