import type { PackedOutcomes } from './sceneMarkRecordCodec';

/**
 * One batch for a parse worker: the inputs back to back in one transferred buffer (one copy on
 * main instead of one structured clone per input), `ends[i]` the end offset of input i.
 */
export interface ParseRequest {
  id: number;
  buffer: ArrayBuffer;
  ends: Uint32Array;
}

/** The answer to one ParseRequest: one outcome per input, in order, packed (sceneMarkRecordCodec). */
export interface ParseResponse {
  id: number;
  outcomes: PackedOutcomes;
}
