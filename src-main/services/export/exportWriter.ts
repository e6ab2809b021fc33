import type Database from 'better-sqlite3';
import { Zip, ZipPassThrough, type AsyncFlateStreamHandler, type ZipInputFile } from 'fflate';
import { createHash } from 'node:crypto';
import { constants as zlibConstants, crc32, deflateRawSync } from 'node:zlib';
import type { ExportFilter, ExportFormat, ExportPhase } from '../../../src-shared/contract/exportContract';
import { csvRecord } from './csvFormat';
import {
  ExportQueries,
  needsQuoting,
  objectCsvColumns,
  objectCsvLine,
  sceneMarkCsvColumns,
  sceneMarkCsvLine,
  type BatchOptions,
  type CsvLine,
  type SceneDataRow,
} from './exportQueries';
import { FileSink, SinkRejectedError } from './fileSink';
import { releaseBuffer } from './releaseBuffer';
import { listedSceneData, type ListedSceneData } from './sceneDataList';

/** What one export writes, and where. */
export interface ExportJob {
  format: ExportFormat;
  filter: ExportFilter;
  /** The file written; the caller renames or removes it afterwards. */
  outputPath: string;
}

/** How the writer reports and learns that it must stop. */
export interface ExportControl {
  isCancelled(): boolean;
  progress(update: { phase: ExportPhase; rows: number; bytes: number; totalRows?: number }): void;
}

/** What a completed export wrote. */
export interface ExportOutcome {
  rows: number;
  bytes: number;
  sha256: string;
  /** Evidence packages: SHA-256 of their SHA256SUMS entry. */
  manifestSha256?: string;
}

/** Thrown inside the writer when the export was cancelled; the caller removes the file. */
export class ExportCancelledError extends Error {
  constructor() {
    super('export cancelled');
    this.name = 'ExportCancelledError';
  }
}

/** The evidence package is a plain ZIP (no ZIP64): fflate cannot write more entries or bytes. */
export class EvidenceTooLargeError extends Error {
  constructor(what: string) {
    super(`the evidence package would exceed the ZIP limits (${what}); narrow the time range or the devices`);
    this.name = 'EvidenceTooLargeError';
  }
}

const newline = Buffer.from('\n');
const zipMaxEntries = 0xffff;
const zipMaxBytes = 0xffffffff;
const progressIntervalMs = 100;
/** Compression of the evidence package's text entries (zlib; levels 1-3 run alike, 4 and up are much slower). */
const deflateLevel = 3;

/** Where an export's bytes go: the file, or one entry of the evidence package. */
interface ByteSink {
  /** Bytes the caller may reuse afterwards. */
  write(chunk: Uint8Array): void;
  /** A Buffer the caller hands over and never touches again (it may be emptied). */
  writeOwned(chunk: Buffer): void;
}

/**
 * Writes one export from an open (read-only) database, streaming rows into the file. Runs
 * synchronously: it is meant for the export worker thread, where blocking is the point (the
 * hashing and writing of the file run on a thread of their own, see FileSink).
 */
export function writeExport(db: Database.Database, job: ExportJob, control: ExportControl): ExportOutcome {
  const queries = new ExportQueries(db, job.filter);
  control.progress({ phase: 'preparing', rows: 0, bytes: 0 });
  const totalRows = queries.countSceneMarks();
  const sink = new FileSink(job.outputPath);
  try {
    const meter = new ProgressMeter(control, sink, totalRows);
    meter.report('writing');
    let manifestSha256: string | undefined;
    switch (job.format) {
      case 'ndjson':
        writeNdjson(queries, sink, meter);
        break;
      case 'json':
        writeJsonArray(queries, sink, meter);
        break;
      case 'csv':
        writeCsv(queries, sink, meter, sceneMarkCsvColumns, sceneMarkCsvLine);
        break;
      case 'objectsCsv':
        writeCsv(queries, sink, meter, objectCsvColumns, objectCsvLine, {
          sql: 'JOIN detected_objects o ON o.scenemark_row = s.id',
          order: 'o.ordinal',
        });
        break;
      case 'evidence':
        manifestSha256 = writeEvidence(queries, sink, meter);
        break;
    }
    meter.report('finishing');
    const { bytes, sha256 } = sink.finish();
    return { rows: meter.rows, bytes, sha256, ...(manifestSha256 ? { manifestSha256 } : {}) };
  } finally {
    sink.close();
  }
}

/** Counts rows, checks for cancel and reports progress at most every 100 ms. */
class ProgressMeter {
  rows = 0;
  private lastReport = 0;

  constructor(
    private readonly control: ExportControl,
    private readonly sink: FileSink,
    private readonly totalRows: number,
  ) {}

  /** `count` more rows written (one batch): look at the cancel flag and the clock. */
  add(count: number): void {
    this.rows += count;
    this.check();
  }

  /** The file was emptied to be written again: rows start over. */
  restart(): void {
    this.rows = 0;
    this.report('writing');
  }

  /** Looks at the cancel flag and the clock. */
  check(): void {
    if (this.control.isCancelled()) throw new ExportCancelledError();
    const now = performance.now();
    if (now - this.lastReport >= progressIntervalMs) this.report('writing');
  }

  report(phase: ExportPhase): void {
    this.lastReport = performance.now();
    this.control.progress({ phase, rows: this.rows, bytes: this.sink.bytes, totalRows: this.totalRows });
  }
}

/**
 * One original SceneMark per line. The bytes are the stored ones, except that a CR or LF
 * (only possible as whitespace between JSON tokens, e.g. a pretty-printed original) becomes a
 * space so that each SceneMark stays on one line; the JSON value is unchanged.
 */
function writeNdjson(queries: ExportQueries, out: ByteSink, meter: ProgressMeter): void {
  for (const { data, rows } of queries.batches({
    line: 's.original',
    separator: "x'0a'",
    redo: (batch, count) => batch.indexOf(13) !== -1 || !hasExactly(batch, 10, count - 1),
    redoLine: "CAST(replace(replace(CAST(s.original AS TEXT), char(10), ' '), char(13), ' ') AS BLOB)",
  })) {
    out.writeOwned(data);
    out.write(newline);
    meter.add(rows);
  }
}

/** Whether `buffer` holds exactly `count` bytes equal to `byte`. */
function hasExactly(buffer: Buffer, byte: number, count: number): boolean {
  let found = 0;
  for (let at = buffer.indexOf(byte); at !== -1; at = buffer.indexOf(byte, at + 1)) {
    found += 1;
    if (found > count) return false;
  }
  return found === count;
}

/** `[`, the original SceneMarks verbatim separated by `,\n`, then `]`. */
function writeJsonArray(queries: ExportQueries, sink: FileSink, meter: ProgressMeter): void {
  const separator = Buffer.from(',\n');
  sink.write(Buffer.from('[\n'));
  let first = true;
  for (const { data, rows } of queries.batches({ line: 's.original', separator: "x'2c0a'" })) {
    if (!first) sink.write(separator);
    first = false;
    sink.writeOwned(data);
    meter.add(rows);
  }
  sink.write(Buffer.from(first ? ']\n' : '\n]\n'));
}

/**
 * A CSV file: the header, then the records built in SQL. They are first written unquoted, which
 * is exactly RFC 4180 when no field holds a comma, quote, CR or LF; the writer thread checks
 * each batch for that before writing it (off this thread, where it costs nothing). When a batch
 * fails the check, the file is emptied and written again, each batch checked here (its text
 * fields gathered by SQL) and built with quotes where needed.
 */
function writeCsv(
  queries: ExportQueries,
  sink: FileSink,
  meter: ProgressMeter,
  columns: readonly string[],
  line: CsvLine,
  join?: BatchOptions['join'],
): void {
  const header = Buffer.from(csvRecord(columns));
  const fields = columns.length;
  try {
    sink.write(header);
    for (const { data, rows } of queries.batches({ ...(join ? { join } : {}), line: line.plain })) {
      sink.writeOwned(data, { rows, fields });
      meter.add(rows);
    }
    sink.drain();
    return;
  } catch (error) {
    if (!(error instanceof SinkRejectedError)) throw error;
  }
  sink.restart();
  meter.restart();
  sink.write(header);
  for (const { data, rows } of queries.batches({
    ...(join ? { join } : {}),
    line: line.plain,
    check: line.texts,
    redo: (_batch, _count, texts) => needsQuoting(texts),
    redoLine: line.quoted,
  })) {
    sink.writeOwned(data);
    meter.add(rows);
  }
}

function writeRecordsCsv(
  table: { columns: string[]; rows: IterableIterator<unknown[]> },
  write: (text: string) => void,
  meter: ProgressMeter,
): void {
  write(csvRecord(table.columns));
  for (const row of table.rows) {
    write(csvRecord(row as (string | number | null)[]));
    meter.check();
  }
}

/**
 * A deflated ZIP entry compressed by zlib (native, several times faster than fflate's
 * JavaScript deflate). Each chunk is compressed on its own with the previous 32 KiB as its
 * dictionary and ends on a byte boundary (sync flush), so the chunks form one deflate stream
 * that compresses as well as a continuous one.
 */
class DeflatedEntry implements ZipInputFile {
  readonly compression = 8;
  size = 0;
  crc = 0;
  ondata?: AsyncFlateStreamHandler;
  private window: Buffer | undefined;

  constructor(readonly filename: string) {}

  push(chunk: Uint8Array, final: boolean): void {
    this.crc = crc32(chunk, this.crc);
    this.size += chunk.length;
    // A small chunk (a line break between batches) is not worth priming with the window.
    const primed = this.window !== undefined && chunk.length >= 4096;
    const compressed = deflateRawSync(chunk, {
      level: deflateLevel,
      finishFlush: final ? zlibConstants.Z_FINISH : zlibConstants.Z_SYNC_FLUSH,
      ...(primed ? { dictionary: this.window } : {}),
    });
    const recent = this.window && chunk.length < 32_768 ? Buffer.concat([this.window, chunk]) : chunk;
    this.window = Buffer.from(recent.subarray(Math.max(0, recent.length - 32_768)));
    this.ondata?.(null, compressed as Uint8Array<ArrayBuffer>, final);
  }
}

/** Chunks at least this large go to the entry as they are; smaller ones are gathered. */
const directChunkBytes = 1 << 16;

/**
 * One ZIP entry being written: hashes and counts its uncompressed bytes. Text and small chunks
 * are gathered in a reused 1 MiB block (CSV text is encoded straight into it, never joined
 * into long strings); large chunks go to the entry as they are. The entry consumes every chunk
 * at once (compressed, or copied into the file), so the block can be reused and the Buffers
 * handed over (`writeOwned`) released right after.
 */
class ZipEntryWriter implements ByteSink {
  private readonly hash = createHash('sha256');
  private used = 0;
  private text = '';
  size = 0;

  /** `block` may be shared by entries written one after another. */
  constructor(
    readonly name: string,
    private readonly file: ZipInputFile & { push(chunk: Uint8Array, final?: boolean): void },
    private readonly block: Buffer,
  ) {}

  write = (chunk: Uint8Array): void => {
    this.moveText();
    if (chunk.length >= directChunkBytes) {
      this.flush(false);
      this.push(chunk, false);
      return;
    }
    if (chunk.length > this.block.length - this.used) this.flush(false);
    this.block.set(chunk, this.used);
    this.used += chunk.length;
  };

  writeOwned = (chunk: Buffer): void => {
    this.write(chunk);
    releaseBuffer(chunk);
  };

  /** Text is gathered into a short string first: one encoding call per ~16K characters. */
  writeText = (text: string): void => {
    this.text += text;
    if (this.text.length >= 1 << 14) this.moveText();
  };

  private moveText(): void {
    const text = this.text;
    if (text.length === 0) return;
    this.text = '';
    // A UTF-16 unit never takes more than 3 bytes of UTF-8.
    if (text.length * 3 > this.block.length - this.used) {
      this.flush(false);
      if (text.length * 3 > this.block.length) {
        this.push(Buffer.from(text, 'utf8'), false);
        return;
      }
    }
    this.used += this.block.write(text, this.used, 'utf8');
  }

  /** Ends the entry and returns its `sha256sum` line. */
  end(): string {
    this.moveText();
    this.flush(true);
    return `${this.hash.digest('hex')}  ${this.name}\n`;
  }

  private flush(final: boolean): void {
    if (this.used === 0 && !final) return;
    const data = this.block.subarray(0, this.used);
    this.used = 0;
    this.push(data, final);
  }

  private push(data: Uint8Array, final: boolean): void {
    this.size += data.length;
    if (this.size > zipMaxBytes) throw new EvidenceTooLargeError(`${this.name} is larger than 4 GiB`);
    this.hash.update(data);
    this.file.push(data, final);
  }
}

/** File-name-safe form of an identifier (so `SHA256SUMS` never needs `sha256sum` escapes). */
function safeName(id: string): string {
  const cleaned = id.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return cleaned.length > 0 ? cleaned.slice(0, 120) : '_';
}

const extensions: Record<string, string> = {
  jpeg: '.jpg',
  jpg: '.jpg',
  'image/jpeg': '.jpg',
  png: '.png',
  'image/png': '.png',
  h264: '.h264',
  h265: '.h265',
  mp4: '.mp4',
  'video/mp4': '.mp4',
  json: '.json',
  'application/json': '.json',
};

const sceneDataColumns = [
  'scene_data_id',
  'scenemark_id',
  'media_format',
  'encoding',
  'byte_size',
  'sha256',
  'sha256_matches',
  'uri',
  'received_ms',
  'file',
];

/**
 * What the SceneData index says of a SceneData that has no row (known only from the
 * SceneDataList): what ingest used to store for it (no content, URI and media format).
 */
function listedOnly(item: ListedSceneData, sceneMarkId: string, receivedMs: number): SceneDataRow {
  const embedded = item.embedded === null ? null : Buffer.from(item.embedded, 'base64');
  return {
    sceneDataId: item.sceneDataId,
    sceneMarkId,
    mediaFormat: item.mediaFormat,
    encoding: null,
    byteSize: embedded?.byteLength ?? 0,
    sha256: embedded ? createHash('sha256').update(embedded).digest('hex') : '',
    held: false,
    uri: item.uri,
    receivedMs,
  };
}

/** A stored row completed by the SceneMark's listing where it says nothing (URI, media format). */
function withListing(row: SceneDataRow, item: ListedSceneData): SceneDataRow {
  if (row.uri !== null && row.mediaFormat !== null) return row;
  return { ...row, uri: row.uri ?? item.uri, mediaFormat: row.mediaFormat ?? item.mediaFormat };
}

/**
 * The evidence package: `scenemarks.ndjson`, `scenedata.csv` (every SceneData of the
 * SceneMarks: the stored rows linked to them and the entries of their SceneDataLists, which are
 * the only record of SceneData known by reference), `scenedata/<SceneDataID>.<ext>` for every
 * SceneData whose content is held, `sessions.csv`, `command_audit.csv`, `README.txt`, and
 * `SHA256SUMS` in the `sha256sum` text format, so `unzip` then `sha256sum -c SHA256SUMS`
 * checks every file; returns the SHA-256 of SHA256SUMS. Entries are written one after another (an entry added while another is
 * open would wait in memory), so the SceneData files follow the index that names them.
 */
function writeEvidence(queries: ExportQueries, sink: FileSink, meter: ProgressMeter): string {
  const held = queries.countHeldSceneData(zipMaxEntries);
  if (held + 6 > zipMaxEntries) throw new EvidenceTooLargeError(`${held} SceneData files`);
  const zip = new Zip((error, chunk) => {
    if (error) throw error;
    sink.write(chunk);
    if (sink.bytes > zipMaxBytes) throw new EvidenceTooLargeError('the archive is larger than 4 GiB');
  });
  const sums: string[] = [];
  // Entries are written one at a time, so they share one block.
  const block = Buffer.allocUnsafe(1 << 20);
  const deflated = (name: string): ZipEntryWriter => {
    const file = new DeflatedEntry(name);
    zip.add(file);
    return new ZipEntryWriter(name, file, block);
  };

  const marks = deflated('scenemarks.ndjson');
  writeNdjson(queries, marks, meter);
  sums.push(marks.end());

  const index = deflated('scenedata.csv');
  index.writeText(csvRecord(sceneDataColumns));
  const files = writeSceneDataIndex(queries, index, meter);
  const indexLine = index.end();
  for (const [sceneDataId, file] of files) {
    const content = queries.sceneDataContent(sceneDataId) ?? Buffer.alloc(0);
    const entry = new ZipPassThrough(file);
    zip.add(entry);
    const writer = new ZipEntryWriter(file, entry, block);
    writer.writeOwned(content);
    sums.push(writer.end());
    meter.check();
  }
  sums.push(indexLine);

  const sessions = deflated('sessions.csv');
  writeRecordsCsv(queries.sessionRows(), sessions.writeText, meter);
  sums.push(sessions.end());

  const commands = deflated('command_audit.csv');
  writeRecordsCsv(queries.commandRows(), commands.writeText, meter);
  sums.push(commands.end());

  const readme = deflated('README.txt');
  readme.writeText(
    'NICE Console evidence package.\n' +
      'scenemarks.ndjson: the original SceneMarks, one per line, in time order.\n' +
      'scenedata/: SceneData files stored by the console; scenedata.csv lists all SceneData.\n' +
      'sessions.csv, command_audit.csv: sessions and commands of the same range.\n' +
      'Verify: unzip the package, then run `sha256sum -c SHA256SUMS` in the extracted folder.\n',
  );
  sums.push(readme.end());

  const manifest = deflated('SHA256SUMS');
  manifest.writeText(sums.join(''));
  // Its own sha256sum line starts with its hash: the one figure that vouches for every file.
  const manifestSha256 = manifest.end().slice(0, 64);
  zip.end();
  return manifestSha256;
}

/**
 * Writes the rows of `scenedata.csv` (per SceneMark in time order, by SceneDataID) and
 * returns the file of each SceneData whose content is held, in order of first mention (one
 * file per SceneData, even when several SceneMarks list it).
 */
function writeSceneDataIndex(
  queries: ExportQueries,
  index: ZipEntryWriter,
  meter: ProgressMeter,
): Map<string, string> {
  const files = new Map<string, string>();
  const hashes = new Map<string, string>();
  const used = new Set<string>();
  const fileOf = (row: SceneDataRow): { file: string; sha256: string } => {
    const known = files.get(row.sceneDataId);
    if (known !== undefined) return { file: known, sha256: hashes.get(row.sceneDataId) ?? '' };
    if (files.size + 6 >= zipMaxEntries) throw new EvidenceTooLargeError(`${files.size + 1} SceneData files`);
    const content = queries.sceneDataContent(row.sceneDataId) ?? Buffer.alloc(0);
    const sha256 = createHash('sha256').update(content).digest('hex');
    const base = safeName(row.sceneDataId);
    const extension = extensions[(row.mediaFormat ?? row.encoding ?? '').toLowerCase()] ?? '.bin';
    let file = `scenedata/${base}${extension}`;
    for (let n = 2; used.has(file); n += 1) file = `scenedata/${base}-${n}${extension}`;
    used.add(file);
    files.set(row.sceneDataId, file);
    hashes.set(row.sceneDataId, sha256);
    return { file, sha256 };
  };

  for (const batch of queries.sceneMarkBatches()) {
    const listed = batch.originals.map((original) => listedSceneData(original));
    const listedIds = [...new Set(listed.flatMap((items) => items.map((item) => item.sceneDataId)))];
    const rows = queries.sceneDataRows(batch.sceneMarkIds, listedIds);
    const byId = new Map(rows.map((row) => [row.sceneDataId, row]));
    const linked = new Map<string, SceneDataRow[]>();
    for (const row of rows) {
      if (row.sceneMarkId === null) continue;
      const list = linked.get(row.sceneMarkId);
      if (list) list.push(row);
      else linked.set(row.sceneMarkId, [row]);
    }
    batch.sceneMarkIds.forEach((sceneMarkId, i) => {
      const entries = new Map<string, SceneDataRow>();
      for (const row of linked.get(sceneMarkId) ?? []) entries.set(row.sceneDataId, row);
      for (const item of listed[i] ?? []) {
        const row = entries.get(item.sceneDataId) ?? byId.get(item.sceneDataId);
        entries.set(
          item.sceneDataId,
          row ? withListing(row, item) : listedOnly(item, sceneMarkId, batch.receivedMs[i] ?? 0),
        );
      }
      const ids = [...entries.keys()];
      if (ids.length > 1) ids.sort(byCodePoint);
      for (const id of ids) {
        const row = entries.get(id) as SceneDataRow;
        const held = row.held ? fileOf(row) : undefined;
        const matches = held ? (held.sha256 === row.sha256.toLowerCase() ? 'yes' : 'no') : null;
        index.writeText(
          csvRecord([
            row.sceneDataId,
            sceneMarkId,
            row.mediaFormat,
            row.encoding,
            row.byteSize,
            row.sha256,
            matches,
            row.uri,
            row.receivedMs,
            held?.file ?? null,
          ]),
        );
      }
    });
    meter.check();
  }
  return files;
}

const surrogate = /[\uD800-\uDFFF]/;

/** The order of SQLite's BINARY collation (UTF-8 bytes, i.e. code points, not UTF-16 units). */
function byCodePoint(a: string, b: string): number {
  if (surrogate.test(a) || surrogate.test(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}
