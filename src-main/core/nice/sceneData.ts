import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { mediaFormatAliases, mediaFormats } from './niceEnumerations';
import { NiceProtocolError } from './niceProtocolError';
import {
  canonicalEnum,
  canonicalMembers,
  canonicalVersion,
  mapMembers,
  numericValue,
  parseJsonObjectInput,
  parseWith,
} from './niceValidation';

/*
 * SceneData transfer object ("DataSection", digest §3.4) and its reassembly: a file is sent in
 * sections 1..LastSection under one DataID (= the SceneDataID the SceneMark names); the
 * receiver concatenates the decoded sections and checks `OriginalFileHash`, the SHA-256 of the
 * whole original file (HashMethod `SHA256`; hex or base64).
 */

const base64Text = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

/** The DataSection object (digest §3.4). */
export const DataSection = z
  .looseObject({
    Version: z.string().regex(/^1\.\d+$/, 'expected "1.0"'),
    DataID: z.string().min(1, 'must not be empty').max(256, 'longer than 256 characters'),
    Section: z.number().int('expected an integer').min(1, 'sections count from 1'),
    LastSection: z
      .number()
      .int('expected an integer')
      .min(1, 'sections count from 1')
      .max(1_000_000, 'too many sections'),
    SectionBase64: z.string().regex(base64Text, 'expected base64'),
    MediaFormat: z.enum(mediaFormats).optional(),
    FileType: z.string().max(64).optional(),
    FileName: z.string().max(1024).optional(),
    PathURI: z.string().max(4096).optional(),
    HashMethod: z.enum(['SHA256'], { error: 'only SHA256 is accepted' }).optional(),
    OriginalFileHash: z.string().min(1, 'must not be empty').max(256).optional(),
    EncryptionOn: z.boolean().optional(),
    RelatedSceneMarks: z.array(z.string()).optional(),
  })
  .refine((section) => section.Section <= section.LastSection, {
    message: 'Section is after LastSection',
    path: ['Section'],
  });
export type DataSection = z.output<typeof DataSection>;

const sectionMembers = [
  'Version',
  'DataID',
  'Section',
  'LastSection',
  'SectionBase64',
  'MediaFormat',
  'FileType',
  'FileName',
  'PathURI',
  'HashMethod',
  'OriginalFileHash',
  'EncryptionOn',
  'RelatedSceneMarks',
];

/**
 * Validates one DataSection (an object, JSON text or UTF-8 bytes); numbers as text, `H264` and
 * `SHA-256` spellings are accepted. Throws NiceProtocolError('MALFORMED') naming the field.
 */
export function parseDataSection(input: unknown, options: { maxBytes?: number } = {}): DataSection {
  const value = parseJsonObjectInput(input, options.maxBytes ?? 64 * 1024 * 1024, 'DataSection');
  const members = mapMembers(
    canonicalMembers(value, sectionMembers),
    ['Section', 'LastSection'],
    numericValue,
  );
  const canonical = {
    ...members,
    Version: canonicalVersion(members.Version),
    ...('MediaFormat' in members
      ? { MediaFormat: canonicalEnum(members.MediaFormat, mediaFormats, mediaFormatAliases) }
      : {}),
    ...('HashMethod' in members ? { HashMethod: canonicalEnum(members.HashMethod, ['SHA256']) } : {}),
  };
  return parseWith(DataSection, canonical, 'DataSection');
}

/** A reassembled SceneData file. */
export interface SceneDataFile {
  dataId: string;
  bytes: Uint8Array;
  sections: number;
  fileName: string | null;
  fileType: string | null;
  mediaFormat: string | null;
  pathUri: string | null;
  encryptionOn: boolean;
  /** SHA-256 of `bytes`, lowercase hex (checked against OriginalFileHash). */
  sha256: string;
  relatedSceneMarks: string[];
}

/** What adding one section achieved. */
export type SceneDataProgress =
  | { complete: false; dataId: string; received: number; total: number }
  | { complete: true; file: SceneDataFile };

/** An incomplete object dropped after its timeout, reported so nothing vanishes silently. */
export interface ExpiredSceneData {
  dataId: string;
  received: number[];
  total: number;
  /** The decoded bytes received so far, in section order (gaps left out). */
  partial: Uint8Array;
  reason: string;
}

/** A limit of the reassembler was hit; the server answers 413. */
export class SceneDataLimitError extends NiceProtocolError {
  constructor(
    message: string,
    readonly limit: number,
  ) {
    super('MALFORMED', message, 'SectionBase64');
    this.name = 'SceneDataLimitError';
  }
}

/** Limits and clock of a reassembler. */
export interface SceneDataReassemblerOptions {
  /** Largest file, decoded bytes (default 64 MiB). */
  maxObjectBytes?: number;
  /** Bytes held across all incomplete objects (default 256 MiB). */
  maxTotalBytes?: number;
  /** Incomplete objects held at once (default 256). */
  maxPendingObjects?: number;
  /** An object with no new section for this long is dropped (default 60 s). */
  timeoutMs?: number;
  /** Require OriginalFileHash (default true): the integrity check is not optional. */
  requireHash?: boolean;
  now?: () => number;
}

interface Pending {
  dataId: string;
  total: number;
  first: DataSection;
  chunks: Map<number, Uint8Array>;
  bytes: number;
  touched: number;
}

/** Metadata that must be the same in every section of one object. */
const constantMembers = [
  'LastSection',
  'HashMethod',
  'OriginalFileHash',
  'FileName',
  'MediaFormat',
  'EncryptionOn',
] as const;

/** A SHA-256 given as 64 hex digits or as base64 / base64url of 32 bytes. */
function declaredSha256(value: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return bytes.length === 32 ? bytes : null;
  }
  return null;
}

/**
 * Collects the DataSections of SceneData objects (digest §3.4) in any order, bounded in memory
 * (per object, in total, in number of objects) and time (objects idle longer than the timeout
 * are dropped and reported by `sweep`). The clock is injected; nothing here starts a timer.
 */
export class SceneDataReassembler {
  private readonly pending = new Map<string, Pending>();
  private heldBytes = 0;
  private readonly maxObjectBytes: number;
  private readonly maxTotalBytes: number;
  private readonly maxPendingObjects: number;
  private readonly timeoutMs: number;
  private readonly requireHash: boolean;
  private readonly now: () => number;

  constructor(options: SceneDataReassemblerOptions = {}) {
    this.maxObjectBytes = options.maxObjectBytes ?? 64 * 1024 * 1024;
    this.maxTotalBytes = options.maxTotalBytes ?? 256 * 1024 * 1024;
    this.maxPendingObjects = options.maxPendingObjects ?? 256;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.requireHash = options.requireHash ?? true;
    this.now = options.now ?? Date.now;
  }

  /** Bytes currently held for incomplete objects. */
  get bytesHeld(): number {
    return this.heldBytes;
  }

  /** DataIDs of the incomplete objects. */
  get pendingIds(): string[] {
    return [...this.pending.keys()];
  }

  /**
   * Adds one section (already parsed or raw). Returns the progress, or the complete file once
   * every section arrived and the hash matched. A repeated identical section is ignored.
   * Throws NiceProtocolError naming the field (inconsistent metadata, bad hash: the object is
   * dropped) or SceneDataLimitError when a limit would be exceeded.
   */
  add(input: unknown): SceneDataProgress {
    const section = parseDataSection(input);
    if (this.requireHash && section.OriginalFileHash === undefined) {
      throw new NiceProtocolError('MALFORMED', 'required to check the file (SHA-256)', 'OriginalFileHash');
    }
    if (section.OriginalFileHash !== undefined && declaredSha256(section.OriginalFileHash) === null) {
      throw new NiceProtocolError(
        'MALFORMED',
        'expected a SHA-256 as 64 hex digits or base64',
        'OriginalFileHash',
      );
    }
    const chunk = Buffer.from(section.SectionBase64, 'base64');
    let entry = this.pending.get(section.DataID);
    if (entry) {
      for (const name of constantMembers) {
        if (entry.first[name] !== section[name]) {
          this.drop(entry);
          throw new NiceProtocolError(
            'MALFORMED',
            `differs from section ${[...entry.chunks.keys()][0] ?? 1} of ${section.DataID}`,
            name,
          );
        }
      }
      const previous = entry.chunks.get(section.Section);
      if (previous) {
        if (Buffer.compare(previous, chunk) === 0) {
          entry.touched = this.now();
          return { complete: false, dataId: entry.dataId, received: entry.chunks.size, total: entry.total };
        }
        this.drop(entry);
        throw new NiceProtocolError(
          'MALFORMED',
          `section ${section.Section} of ${section.DataID} arrived twice with different data`,
          'Section',
        );
      }
    }
    const objectBytes = (entry?.bytes ?? 0) + chunk.length;
    if (objectBytes > this.maxObjectBytes) {
      if (entry) this.drop(entry);
      throw new SceneDataLimitError(
        `SceneData ${section.DataID} exceeds ${this.maxObjectBytes} bytes`,
        this.maxObjectBytes,
      );
    }
    if (!entry && section.LastSection > 1) {
      if (this.pending.size >= this.maxPendingObjects) {
        throw new SceneDataLimitError(
          `more than ${this.maxPendingObjects} SceneData objects in progress`,
          this.maxPendingObjects,
        );
      }
    }
    if (this.heldBytes + chunk.length > this.maxTotalBytes && section.LastSection > 1) {
      throw new SceneDataLimitError(
        `SceneData in progress would exceed ${this.maxTotalBytes} bytes`,
        this.maxTotalBytes,
      );
    }
    if (!entry) {
      entry = {
        dataId: section.DataID,
        total: section.LastSection,
        first: section,
        chunks: new Map(),
        bytes: 0,
        touched: 0,
      };
      this.pending.set(entry.dataId, entry);
    }
    entry.chunks.set(section.Section, chunk);
    entry.bytes += chunk.length;
    entry.touched = this.now();
    this.heldBytes += chunk.length;
    if (entry.chunks.size < entry.total) {
      return { complete: false, dataId: entry.dataId, received: entry.chunks.size, total: entry.total };
    }
    this.drop(entry);
    return { complete: true, file: this.assemble(entry) };
  }

  /** Drops objects idle longer than the timeout and returns them, so the caller can report them. */
  sweep(): ExpiredSceneData[] {
    const limit = this.now() - this.timeoutMs;
    const expired: ExpiredSceneData[] = [];
    for (const entry of [...this.pending.values()]) {
      if (entry.touched > limit) continue;
      this.drop(entry);
      const received = [...entry.chunks.keys()].sort((a, b) => a - b);
      const missing = entry.total - received.length;
      expired.push({
        dataId: entry.dataId,
        received,
        total: entry.total,
        partial: Buffer.concat(received.map((index) => entry.chunks.get(index) as Uint8Array)),
        reason: `SceneData ${entry.dataId} incomplete after ${this.timeoutMs} ms: ${missing} of ${entry.total} sections missing`,
      });
    }
    return expired;
  }

  /** Forgets everything held. */
  clear(): void {
    this.pending.clear();
    this.heldBytes = 0;
  }

  private drop(entry: Pending): void {
    if (this.pending.get(entry.dataId) === entry) {
      this.pending.delete(entry.dataId);
      this.heldBytes -= entry.bytes;
    }
  }

  private assemble(entry: Pending): SceneDataFile {
    const parts: Uint8Array[] = [];
    for (let index = 1; index <= entry.total; index += 1) {
      const chunk = entry.chunks.get(index);
      if (!chunk)
        throw new NiceProtocolError('MALFORMED', `section ${index} of ${entry.dataId} is missing`, 'Section');
      parts.push(chunk);
    }
    const bytes = Buffer.concat(parts);
    const digest = createHash('sha256').update(bytes).digest();
    const declared = entry.first.OriginalFileHash;
    if (declared !== undefined) {
      const expected = declaredSha256(declared);
      if (!expected || !timingSafeEqual(expected, digest)) {
        throw new NiceProtocolError(
          'MALFORMED',
          `SHA-256 of the reassembled SceneData ${entry.dataId} (${digest.toString('hex')}) does not match`,
          'OriginalFileHash',
        );
      }
    }
    const first = entry.first;
    return {
      dataId: entry.dataId,
      bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      sections: entry.total,
      fileName: first.FileName ?? null,
      fileType: first.FileType ?? null,
      mediaFormat: first.MediaFormat ?? null,
      pathUri: first.PathURI ?? null,
      encryptionOn: first.EncryptionOn ?? false,
      sha256: digest.toString('hex'),
      relatedSceneMarks: first.RelatedSceneMarks ?? [],
    };
  }
}
