import type Database from 'better-sqlite3';
import { Zip, ZipDeflate, ZipPassThrough, type ZipInputFile } from 'fflate';
import { createHash } from 'node:crypto';
import type { ExportFilter, ExportFormat, ExportPhase } from '../../../src-shared/contract/exportContract';
import { csvRecord } from './csvFormat';
import {
  ExportQueries,
  objectCsvColumns,
  objectCsvLine,
  sceneMarkCsvColumns,
  sceneMarkCsvLine,
} from './exportQueries';
import { FileSink } from './fileSink';

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

/**
 * Writes one export from an open (read-only) database, streaming rows into the file. Runs
 * synchronously: it is meant for the export worker thread, where blocking is the point.
 */
export function writeExport(db: Database.Database, job: ExportJob, control: ExportControl): ExportOutcome {
  const queries = new ExportQueries(db, job.filter);
  control.progress({ phase: 'preparing', rows: 0, bytes: 0 });
  const totalRows = queries.countSceneMarks();
  const sink = new FileSink(job.outputPath);
  try {
    const meter = new ProgressMeter(control, sink, totalRows);
    meter.report('writing');
    switch (job.format) {
      case 'ndjson':
        writeNdjson(queries, (chunk) => sink.write(chunk), meter);
        break;
      case 'json':
        writeJsonArray(queries, sink, meter);
        break;
      case 'csv':
        writeSceneMarkCsv(queries, (chunk) => sink.write(chunk), meter);
        break;
      case 'objectsCsv':
        writeObjectCsv(queries, (chunk) => sink.write(chunk), meter);
        break;
      case 'evidence':
        writeEvidence(queries, sink, meter);
        break;
    }
    meter.report('finishing');
    const { bytes, sha256 } = sink.finish();
    return { rows: meter.rows, bytes, sha256 };
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
function writeNdjson(queries: ExportQueries, write: (chunk: Uint8Array) => void, meter: ProgressMeter): void {
  for (const { data, rows } of queries.batches('s.original', {
    separator: "x'0a'",
    redo: (batch, count) => batch.indexOf(13) !== -1 || !hasExactly(batch, 10, count - 1),
    redoLine: "CAST(replace(replace(CAST(s.original AS TEXT), char(10), ' '), char(13), ' ') AS BLOB)",
  })) {
    write(data);
    write(newline);
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
  for (const { data, rows } of queries.batches('s.original', { separator: "x'2c0a'" })) {
    if (!first) sink.write(separator);
    first = false;
    sink.write(data);
    meter.add(rows);
  }
  sink.write(Buffer.from(first ? ']\n' : '\n]\n'));
}

function writeSceneMarkCsv(
  queries: ExportQueries,
  write: (chunk: Uint8Array) => void,
  meter: ProgressMeter,
): void {
  write(Buffer.from(csvRecord(sceneMarkCsvColumns)));
  for (const { data, rows } of queries.batches(sceneMarkCsvLine)) {
    write(data);
    meter.add(rows);
  }
}

function writeObjectCsv(
  queries: ExportQueries,
  write: (chunk: Uint8Array) => void,
  meter: ProgressMeter,
): void {
  write(Buffer.from(csvRecord(objectCsvColumns)));
  for (const { data, rows } of queries.batches(objectCsvLine, {
    join: 'JOIN detected_objects o ON o.scenemark_row = s.id',
    order: 'o.ordinal',
  })) {
    write(data);
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

/** One ZIP entry being written: hashes and counts its uncompressed bytes, buffered to 256 KiB. */
class ZipEntryWriter {
  private readonly hash = createHash('sha256');
  private chunks: Uint8Array[] = [];
  private pending = 0;
  private text = '';
  size = 0;

  constructor(
    readonly name: string,
    private readonly file: ZipInputFile & { push(chunk: Uint8Array, final?: boolean): void },
  ) {}

  write = (chunk: Uint8Array): void => {
    this.moveText();
    this.chunks.push(chunk);
    this.pending += chunk.length;
    if (this.pending >= 1 << 18) this.flush(false);
  };

  writeText = (text: string): void => {
    this.text += text;
    if (this.text.length >= 1 << 17) this.moveText();
    if (this.pending >= 1 << 18) this.flush(false);
  };

  /** Ends the entry and returns its `sha256sum` line. */
  end(): string {
    this.moveText();
    this.flush(true);
    return `${this.hash.digest('hex')}  ${this.name}\n`;
  }

  private moveText(): void {
    if (this.text.length === 0) return;
    const buffer = Buffer.from(this.text, 'utf8');
    this.text = '';
    this.chunks.push(buffer);
    this.pending += buffer.length;
  }

  private flush(final: boolean): void {
    const data =
      this.chunks.length === 1 && this.chunks[0] ? this.chunks[0] : Buffer.concat(this.chunks, this.pending);
    this.chunks = [];
    this.pending = 0;
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

/**
 * The evidence package: `scenemarks.ndjson`, `scenedata/<SceneDataID>.<ext>` for every
 * SceneData file stored inline, `scenedata.csv` (metadata of all SceneData, also those kept
 * only by URI), `sessions.csv`, `command_audit.csv`, `README.txt`, and `SHA256SUMS` in the
 * `sha256sum` text format, so `unzip` then `sha256sum -c SHA256SUMS` checks every file.
 */
function writeEvidence(queries: ExportQueries, sink: FileSink, meter: ProgressMeter): void {
  const inline = queries.countInlineSceneData();
  if (inline + 6 > zipMaxEntries) throw new EvidenceTooLargeError(`${inline} SceneData files`);
  const zip = new Zip((error, chunk) => {
    if (error) throw error;
    sink.write(chunk);
    if (sink.bytes > zipMaxBytes) throw new EvidenceTooLargeError('the archive is larger than 4 GiB');
  });
  const sums: string[] = [];
  const deflated = (name: string): ZipEntryWriter => {
    const file = new ZipDeflate(name, { level: 3 });
    zip.add(file);
    return new ZipEntryWriter(name, file);
  };

  const marks = deflated('scenemarks.ndjson');
  writeNdjson(queries, marks.write, meter);
  sums.push(marks.end());

  const index = deflated('scenedata.csv');
  index.writeText(
    csvRecord([
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
    ]),
  );
  const used = new Set<string>();
  for (const [
    id,
    markId,
    mediaFormat,
    encoding,
    byteSize,
    sha256,
    content,
    uri,
    receivedMs,
  ] of queries.sceneDataRows()) {
    let file: string | null = null;
    let matches: string | null = null;
    if (content) {
      const base = safeName(id);
      const extension = extensions[(mediaFormat ?? encoding ?? '').toLowerCase()] ?? '.bin';
      file = `scenedata/${base}${extension}`;
      for (let n = 2; used.has(file); n += 1) file = `scenedata/${base}-${n}${extension}`;
      used.add(file);
      const entry = new ZipPassThrough(file);
      zip.add(entry);
      const writer = new ZipEntryWriter(file, entry);
      writer.write(content);
      const line = writer.end();
      sums.push(line);
      matches = line.startsWith(`${sha256.toLowerCase()} `) ? 'yes' : 'no';
    }
    index.writeText(
      csvRecord([id, markId, mediaFormat, encoding, byteSize, sha256, matches, uri, receivedMs, file]),
    );
    meter.check();
  }
  used.clear();
  sums.push(index.end());

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
  manifest.end();
  zip.end();
}
