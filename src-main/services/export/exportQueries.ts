import type Database from 'better-sqlite3';
import type { ExportFilter } from '../../../src-shared/contract/exportContract';
import { releaseBuffer } from './releaseBuffer';
import { itemTypeNeedle } from '../scenemarks/itemTypesColumn';

const dayMs = 86_400_000;

/** SQL giving one CSV field (RFC 4180) of a text column: quoted only when it must be, NULL empty. */
function csvText(column: string): string {
  return (
    `iif(instr(${column}, '"') + instr(${column}, ',') + instr(${column}, char(10)) + instr(${column}, char(13)) > 0, ` +
    `'"' || replace(${column}, '"', '""') || '"', coalesce(${column}, ''))`
  );
}

/** SQL giving one CSV field of a numeric column (SQLite's shortest round-trip text), NULL empty. */
function csvNumber(column: string): string {
  return `coalesce(${column}, '')`;
}

/** SQL of the ISO 8601 UTC time (`2026-01-01T00:00:00.000Z`) of a time in milliseconds. */
function isoTime(column: string): string {
  return `strftime('%Y-%m-%dT%H:%M:%fZ', ${column} / 1000.0, 'unixepoch')`;
}

/**
 * The same ISO time, cheaper: for times within the UTC day starting at `@day` (whose date,
 * `YYYY-MM-DDT`, is `@date`) only the time of day is formatted; other times use `strftime`.
 * `batches` binds both for each batch (the day of its SceneMarks, nearly always one day).
 */
function isoTimeOfDay(column: string): string {
  const ms = `(${column} - @day)`;
  return (
    `iif(${column} >= @day AND ${column} < @day + ${dayMs}, ` +
    `printf('%s%02d:%02d:%02d.%03dZ', @date, ${ms} / 3600000, ${ms} / 60000 % 60, ${ms} / 1000 % 60, ${ms} % 1000), ` +
    `${isoTime(column)})`
  );
}

/** A CSV record built in SQL: a fast form and the exact form to use when the fast one will not do. */
export interface CsvLine {
  /** Fields joined by commas with no quoting at all (NULL empty), CRLF-terminated. */
  plain: string;
  /**
   * The text fields concatenated: when the batch of these holds no comma, quote, CR or LF,
   * no field needs quotes and `plain` is exactly the RFC 4180 record (see `needsQuoting`).
   */
  texts: string;
  /** Every text field quoted as RFC 4180 requires. */
  quoted: string;
}

function csvLine(fields: { sql: string; text: boolean }[]): CsvLine {
  return {
    plain: `concat(${fields.map((f) => f.sql).join(", ',', ")}, char(13, 10))`,
    texts: `concat(${fields
      .filter((f) => f.text)
      .map((f) => f.sql)
      .join(', ')})`,
    quoted:
      fields.map((f) => (f.text ? csvText(f.sql) : csvNumber(f.sql))).join(" || ',' || ") +
      ' || char(13, 10)',
  };
}

const text = (sql: string) => ({ sql, text: true });
const number = (sql: string) => ({ sql, text: false });

/** One SceneMarks CSV record, columns as `sceneMarkCsvColumns`. */
export const sceneMarkCsvLine: CsvLine = csvLine([
  text('s.scenemark_id'),
  number('s.time_ms'),
  number(isoTimeOfDay('s.time_ms')),
  text('s.device_id'),
  text('s.node_id'),
  text('s.port_id'),
  text('s.event_type'),
  text('s.status'),
  text('trim(s.item_types)'),
  number('s.highest_probability'),
  text('s.schema_version'),
  number('s.revision'),
  text('s.source'),
  number('s.received_ms'),
]);

/** One objects CSV record, columns as `objectCsvColumns` (needs the join `o`). */
export const objectCsvLine: CsvLine = csvLine([
  text('s.scenemark_id'),
  number('s.time_ms'),
  text('s.device_id'),
  text('s.node_id'),
  number('o.ordinal'),
  text('o.item_type'),
  number('o.probability'),
  number('o.box_x'),
  number('o.box_y'),
  number('o.box_width'),
  number('o.box_height'),
]);

/**
 * Whether some text field of a batch needs RFC 4180 quotes: its text fields concatenated
 * (`CsvLine.texts`) hold a comma, quote, CR or LF. Four native byte searches per batch.
 */
export function needsQuoting(texts: Buffer | null): boolean {
  return (
    texts !== null &&
    (texts.indexOf(44) !== -1 ||
      texts.indexOf(34) !== -1 ||
      texts.indexOf(10) !== -1 ||
      texts.indexOf(13) !== -1)
  );
}

/** Column names of the SceneMarks CSV, in order. */
export const sceneMarkCsvColumns = [
  'scenemark_id',
  'time_ms',
  'time',
  'device_id',
  'node_id',
  'port_id',
  'event_type',
  'status',
  'item_types',
  'highest_probability',
  'schema_version',
  'revision',
  'source',
  'received_ms',
] as const;

/** Column names of the objects CSV, in order. */
export const objectCsvColumns = [
  'scenemark_id',
  'time_ms',
  'device_id',
  'node_id',
  'ordinal',
  'item_type',
  'probability',
  'box_x',
  'box_y',
  'box_width',
  'box_height',
] as const;

/** One stored SceneData row, without its content. */
export interface SceneDataRow {
  sceneDataId: string;
  sceneMarkId: string | null;
  mediaFormat: string | null;
  encoding: string | null;
  byteSize: number;
  sha256: string;
  /** Whether the row holds the content (inline). */
  held: boolean;
  uri: string | null;
  receivedMs: number;
}

/** One batch of SceneMarks for the SceneData index: IDs, receive times and original bytes. */
export interface SceneMarkBatch {
  sceneMarkIds: string[];
  receivedMs: number[];
  originals: Buffer[];
}

/** How one `batches` walk builds its records. */
export interface BatchOptions {
  /** SQL of one record over `s` (and the joined alias); may use `@day` and `@date`. */
  line: string;
  /** SQL literal between two records of a batch (none by default). */
  separator?: string;
  /** A table joined to each SceneMark (`JOIN … ON …`), one record per joined row, and its sort key. */
  join?: { sql: string; order: string };
  /** SQL over the same rows whose concatenation per batch is passed to `redo`. */
  check?: string;
  /** When `redo(data, rows, check)` is true, the batch is built again with `redoLine`. */
  redo?: (data: Buffer, rows: number, check: Buffer | null) => boolean;
  redoLine?: string;
  /** Bytes aimed at per batch; the SceneMarks per batch follow what the last batch gave (default 1 MiB). */
  targetBytes?: number;
}

/**
 * Which SceneMarks one batch takes: a range of whole milliseconds `[@from, @to)`, or, inside a
 * millisecond holding more SceneMarks than a batch, a range of IDs `[@fromId, @beforeId)`.
 */
type Window =
  | { kind: 'time'; from: number; to: number }
  | { kind: 'ids'; from: number; fromId: number; beforeId: number };

/** The SQL condition of each kind of window (over `s`). */
const windowSql = {
  time: 's.time_ms >= @from AND s.time_ms < @to',
  ids: 's.time_ms = @from AND s.id >= @fromId AND s.id < @beforeId',
};

/** `INDEXED BY` pins every walk to time order. */
const from = 'FROM scenemarks s INDEXED BY scenemarks_by_time';
const minId = Number.MIN_SAFE_INTEGER;
const maxId = Number.MAX_SAFE_INTEGER;
const maxBatchMarks = 65_536;
/** Up to this many stored SceneData, their IDs are kept in memory (a few MB) for the evidence index. */
const maxIndexedSceneData = 50_000;
/** A `@day` no SceneMark time reaches, so only `strftime` is used. */
const noDay = Number.MAX_SAFE_INTEGER;

/** `@day` and `@date` of `isoTimeOfDay` for SceneMarks from `timeMs` on. */
export function isoDayParams(timeMs: number): { day: number; date: string } {
  const day = Math.floor(timeMs / dayMs) * dayMs;
  // toISOString and strftime agree on four-digit years; other times take the strftime path.
  if (!(day >= 0 && day < Date.UTC(10_000, 0, 1))) return { day: noDay, date: '' };
  return { day, date: new Date(day).toISOString().slice(0, 11) };
}

/**
 * The read-only queries of an export, all in SceneMark time order (the `scenemarks_by_time`
 * index, `(time_ms, id)`), read in windows so no result set is ever held whole.
 */
export class ExportQueries {
  /** Filter terms besides the time window (the device list), over `s`. */
  private readonly filterSql: string;
  private readonly filterParams: Record<string, string | number>;
  private total: number | undefined;
  private storedIds: { sceneData: Set<string>; sceneMarks: Set<string> } | null | undefined;
  private selectSceneData: Database.Statement | undefined;
  private selectContent: Database.Statement | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly filter: ExportFilter,
  ) {
    const clauses: string[] = [];
    const params: Record<string, string | number> = {};
    if (filter.deviceIds && filter.deviceIds.length > 0) {
      clauses.push(' AND s.device_id IN (SELECT value FROM json_each(@deviceIds))');
      params.deviceIds = JSON.stringify(filter.deviceIds);
    }
    if (filter.eventTypes && filter.eventTypes.length > 0) {
      clauses.push(' AND s.event_type IN (SELECT value FROM json_each(@eventTypes))');
      params.eventTypes = JSON.stringify(filter.eventTypes);
    }
    if (filter.minProbability !== undefined) {
      clauses.push(' AND s.highest_probability >= @minProbability');
      params.minProbability = filter.minProbability;
    }
    if (filter.itemTypes && filter.itemTypes.length > 0) {
      // The item_types column format is itemTypesColumn's, as the search reads it.
      const distinct = [...new Set(filter.itemTypes)];
      clauses.push(
        ` AND (${distinct.map((_, index) => `instr(s.item_types, @itemType${index}) > 0`).join(' OR ')})`,
      );
      distinct.forEach((itemType, index) => (params[`itemType${index}`] = itemTypeNeedle(itemType)));
    }
    this.filterSql = clauses.join('');
    this.filterParams = params;
  }

  /** First and last SceneMark times the export can hold (two index seeks), none if it is empty. */
  private extent(): { first: number; last: number } | undefined {
    const [min, max] = this.db
      .prepare('SELECT (SELECT min(time_ms) FROM scenemarks), (SELECT max(time_ms) FROM scenemarks)')
      .raw()
      .get() as [number | null, number | null];
    if (min === null || max === null) return undefined;
    const first = Math.max(min, this.filter.fromMs ?? min);
    const last = Math.min(max, (this.filter.toMs ?? max + 1) - 1);
    return first <= last ? { first, last } : undefined;
  }

  /**
   * Runs `run` on consecutive windows of the export order, each of at most `size` SceneMarks,
   * `size` following the bytes the previous batch gave so that batches hold about
   * `targetBytes`. Where a window ends is found on the index alone (the time of the SceneMark
   * after the `size`th, a short walk that reads no row), and windows are whole milliseconds, so
   * the batch itself is a plain range scan; a millisecond with more SceneMarks than a batch is
   * read in ID ranges found the same way.
   */
  private *windows<T>(
    run: (window: Window) => { bytes: number; value: T },
    targetBytes: number,
  ): Generator<T> {
    const extent = this.extent();
    if (!extent) return;
    const end = extent.last + 1;
    const nextTime = this.db
      .prepare(
        `SELECT s.time_ms ${from} WHERE s.time_ms >= @from AND s.time_ms < @to${this.filterSql}
         ORDER BY s.time_ms, s.id LIMIT 1 OFFSET @size`,
      )
      .pluck();
    const nextId = this.db
      .prepare(
        `SELECT s.id ${from} WHERE s.time_ms = @from AND s.id >= @fromId${this.filterSql}
         ORDER BY s.id LIMIT 1 OFFSET @size`,
      )
      .pluck();
    let size = 256;
    /** Runs one window of at most `size` SceneMarks (when `full`, about `size`) and adapts `size`. */
    const batch = (window: Window, full: boolean): T => {
      const { bytes, value } = run(window);
      if (full && bytes > 0)
        size = Math.max(1, Math.min(maxBatchMarks, Math.round((size * targetBytes) / bytes)));
      return value;
    };
    for (let time = extent.first; time < end;) {
      const next = nextTime.get({ ...this.filterParams, from: time, to: end, size }) as number | undefined;
      if (next === undefined) {
        yield batch({ kind: 'time', from: time, to: end }, false);
        return;
      }
      if (next > time) {
        yield batch({ kind: 'time', from: time, to: next }, true);
        time = next;
        continue;
      }
      // More than `size` SceneMarks in this millisecond: ID ranges of `size` each.
      for (let fromId = minId; ;) {
        const beforeId = nextId.get({ ...this.filterParams, from: time, fromId, size }) as number | undefined;
        yield batch({ kind: 'ids', from: time, fromId, beforeId: beforeId ?? maxId }, beforeId !== undefined);
        if (beforeId === undefined) break;
        fromId = beforeId;
      }
      time += 1;
    }
  }

  /**
   * Streams the matching SceneMarks as batches built inside SQLite: each batch is the
   * concatenation of `line` for consecutive SceneMarks in time order, one Buffer per batch, so
   * JavaScript touches one value per batch instead of one per row and column (the 200,000
   * rows/s target needs it). The bytes are SQLite's own (TEXT and BLOB concatenate without any
   * re-encoding). `rows` counts records (joined rows when there is a join).
   */
  *batches(options: BatchOptions): Generator<{ data: Buffer; rows: number }> {
    const separator = options.separator ?? "''";
    const join = options.join;
    // `INDEXED BY` pins the scan to time order, and SQLite aggregates rows in scan order, so a
    // batch of SceneMarks alone needs no sort; joined rows are sorted within the batch.
    const prepare = (expression: string, check: string, where: string) =>
      this.db
        .prepare(
          join
            ? `SELECT CAST(group_concat(line, ${separator} ORDER BY t, i, k) AS BLOB), count(*),
                      CAST(group_concat(c, '') AS BLOB)
               FROM (SELECT ${expression} AS line, s.time_ms AS t, s.id AS i, ${join.order} AS k, ${check} AS c
                     ${from} ${join.sql} WHERE ${where}${this.filterSql})`
            : `SELECT CAST(group_concat(${expression}, ${separator}) AS BLOB), count(*),
                      CAST(group_concat(${check}, '') AS BLOB)
               ${from} WHERE ${where}${this.filterSql}`,
        )
        .raw();
    const statements = (expression: string, check: string) => ({
      time: prepare(expression, check, windowSql.time),
      ids: prepare(expression, check, windowSql.ids),
    });
    const batch = statements(options.line, options.check ?? 'NULL');
    const redo = options.redoLine ? statements(options.redoLine, 'NULL') : undefined;
    type Row = [Buffer | null, number, Buffer | null];
    const windows = this.windows(
      (window) => {
        const params = { ...this.filterParams, ...window, ...isoDayParams(window.from) };
        const [first, count, checked] = batch[window.kind].get(params) as Row;
        let [data, rows] = [first, count];
        if (first && redo && options.redo?.(first, count, checked)) {
          [data, rows] = redo[window.kind].get(params) as Row;
          releaseBuffer(first);
        }
        // Nothing reads the check again; free it now rather than at some later collection.
        if (checked) releaseBuffer(checked);
        return { bytes: data?.length ?? 0, value: { data, rows } };
      },
      options.targetBytes ?? 1 << 20,
    );
    for (const { data, rows } of windows) if (data && rows > 0) yield { data, rows };
  }

  /**
   * The matching SceneMarks in batches of about 1 MiB of originals, for the SceneData index
   * (which reads each SceneMark's SceneDataList).
   */
  *sceneMarkBatches(): Generator<SceneMarkBatch> {
    // Originals joined by NUL, a byte JSON text never holds; any other count is checked below.
    const prepare = (where: string) => ({
      batch: this.db
        .prepare(
          `SELECT CAST(group_concat(s.original, x'00') AS BLOB), json_group_array(s.scenemark_id),
                  json_group_array(s.received_ms), count(*)
           ${from} WHERE ${where}${this.filterSql}`,
        )
        .raw(),
      oneByOne: this.db
        .prepare(`SELECT s.original ${from} WHERE ${where}${this.filterSql} ORDER BY s.time_ms, s.id`)
        .pluck(),
    });
    const statements = { time: prepare(windowSql.time), ids: prepare(windowSql.ids) };
    let previous: Buffer | null = null;
    const windows = this.windows((window) => {
      // The caller is done with the previous batch once it asks for the next.
      if (previous) releaseBuffer(previous);
      const params = { ...this.filterParams, ...window };
      const { batch, oneByOne } = statements[window.kind];
      const [joined, ids, received, rows] = batch.get(params) as [Buffer | null, string, string, number];
      previous = joined;
      const bytes = joined?.length ?? 0;
      const originals: Buffer[] = [];
      for (let start = 0; joined && originals.length < rows;) {
        const end = joined.indexOf(0, start);
        originals.push(joined.subarray(start, end === -1 ? joined.length : end));
        if (end === -1) break;
        start = end + 1;
      }
      const whole = originals.length === rows && originals.reduce((n, o) => n + o.length + 1, -1) === bytes;
      return {
        bytes,
        value: {
          sceneMarkIds: JSON.parse(ids) as string[],
          receivedMs: JSON.parse(received) as number[],
          originals: whole || rows === 0 ? originals : (oneByOne.all(params) as Buffer[]),
        },
      };
    }, 1 << 20);
    for (const batch of windows) if (batch.sceneMarkIds.length > 0) yield batch;
  }

  /**
   * Stored SceneData of the given SceneMarks, or with the given IDs (metadata only). When the
   * table is small next to the export, the IDs it holds are read once, so that most batches
   * (SceneData known only by reference have no row) need no lookup at all.
   */
  sceneDataRows(sceneMarkIds: readonly string[], sceneDataIds: readonly string[]): SceneDataRow[] {
    const known = this.storedSceneDataIds();
    const marks = known ? sceneMarkIds.filter((id) => known.sceneMarks.has(id)) : sceneMarkIds;
    const ids = known ? sceneDataIds.filter((id) => known.sceneData.has(id)) : sceneDataIds;
    if (marks.length === 0 && ids.length === 0) return [];
    this.selectSceneData ??= this.db
      .prepare(
        `SELECT scene_data_id, scenemark_id, media_format, encoding, byte_size, sha256, content IS NOT NULL,
                uri, received_ms
         FROM scene_data
         WHERE scenemark_id IN (SELECT value FROM json_each(@marks))
            OR scene_data_id IN (SELECT value FROM json_each(@ids))`,
      )
      .raw();
    const rows = this.selectSceneData.all({ marks: JSON.stringify(marks), ids: JSON.stringify(ids) }) as [
      string,
      string | null,
      string | null,
      string | null,
      number,
      string,
      number,
      string | null,
      number,
    ][];
    return rows.map(
      ([sceneDataId, sceneMarkId, mediaFormat, encoding, byteSize, sha256, held, uri, receivedMs]) => ({
        sceneDataId,
        sceneMarkId,
        mediaFormat,
        encoding,
        byteSize,
        sha256,
        held: held === 1,
        uri,
        receivedMs,
      }),
    );
  }

  /** The SceneData and SceneMark IDs of `scene_data`, when it has at most `maxIndexedSceneData` rows. */
  private storedSceneDataIds(): { sceneData: Set<string>; sceneMarks: Set<string> } | undefined {
    if (this.storedIds === undefined) {
      const estimate = Number(
        this.db.prepare('SELECT coalesce(max(rowid), 0) FROM scene_data').pluck().get(),
      );
      this.storedIds =
        estimate <= maxIndexedSceneData
          ? {
              sceneData: new Set(
                this.db.prepare('SELECT scene_data_id FROM scene_data').pluck().all() as string[],
              ),
              sceneMarks: new Set(
                this.db
                  .prepare('SELECT DISTINCT scenemark_id FROM scene_data WHERE scenemark_id IS NOT NULL')
                  .pluck()
                  .all() as string[],
              ),
            }
          : null;
    }
    return this.storedIds ?? undefined;
  }

  /** The content held for one SceneData, if any. */
  sceneDataContent(sceneDataId: string): Buffer | null {
    this.selectContent ??= this.db.prepare('SELECT content FROM scene_data WHERE scene_data_id = ?').pluck();
    return (this.selectContent.get(sceneDataId) as Buffer | null | undefined) ?? null;
  }

  /** SceneMarks matching the filter. */
  countSceneMarks(): number {
    this.total ??= this.count();
    return this.total;
  }

  private count(): number {
    if (this.filter.fromMs === undefined && this.filter.toMs === undefined && !this.filterSql) {
      // Without a WHERE clause SQLite counts the cells of an index's pages, not its entries.
      return Number(this.db.prepare('SELECT count(*) FROM scenemarks').pluck().get());
    }
    const extent = this.extent();
    if (!extent) return 0;
    const row = this.db
      .prepare(`SELECT count(*) ${from} WHERE s.time_ms >= @from AND s.time_ms <= @last${this.filterSql}`)
      .pluck()
      .get({ ...this.filterParams, from: extent.first, last: extent.last });
    return Number(row);
  }

  /**
   * SceneData content held for the matching SceneMarks (linked by SceneMarkID), counted up to
   * `limit`: from whichever side is smaller, the SceneMarks of the export or the stored SceneData.
   */
  countHeldSceneData(limit: number): number {
    const extent = this.extent();
    if (!extent) return 0;
    const stored = Number(this.db.prepare('SELECT coalesce(max(rowid), 0) FROM scene_data').pluck().get());
    const where = `d.content IS NOT NULL AND s.time_ms >= @from AND s.time_ms <= @last${this.filterSql}`;
    const row = this.db
      .prepare(
        stored < this.countSceneMarks()
          ? `SELECT count(*) FROM (SELECT 1 FROM scene_data d CROSS JOIN scenemarks s ON s.scenemark_id = d.scenemark_id
             WHERE ${where} LIMIT @limit)`
          : `SELECT count(*) FROM (SELECT 1 ${from} JOIN scene_data d ON d.scenemark_id = s.scenemark_id
             WHERE ${where} LIMIT @limit)`,
      )
      .pluck()
      .get({ ...this.filterParams, from: extent.first, last: extent.last, limit });
    return Number(row);
  }

  /**
   * Sessions overlapping the range (an open session counts until now) whose peer is one of the
   * devices, when devices are given.
   */
  sessionRows(): { columns: string[]; rows: IterableIterator<unknown[]> } {
    const conditions: string[] = [];
    const params: (string | number)[] = [];
    if (this.filter.toMs !== undefined) {
      conditions.push('started_ms < ?');
      params.push(this.filter.toMs);
    }
    if (this.filter.fromMs !== undefined) {
      conditions.push('(ended_ms IS NULL OR ended_ms >= ?)');
      params.push(this.filter.fromMs);
    }
    if (this.filter.deviceIds && this.filter.deviceIds.length > 0) {
      conditions.push('peer IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(this.filter.deviceIds));
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const statement = this.db
      .prepare(
        `SELECT session_id, kind, peer, started_ms, ended_ms, outcome, summary FROM sessions ${where}
         ORDER BY started_ms, session_id`,
      )
      .raw();
    return {
      columns: statement.columns().map((c) => c.name),
      rows: statement.iterate(...params) as IterableIterator<unknown[]>,
    };
  }

  /** Commands sent in the range to one of the devices (exact target match), when devices are given. */
  commandRows(): { columns: string[]; rows: IterableIterator<unknown[]> } {
    const conditions: string[] = [];
    const params: (string | number)[] = [];
    if (this.filter.fromMs !== undefined) {
      conditions.push('sent_ms >= ?');
      params.push(this.filter.fromMs);
    }
    if (this.filter.toMs !== undefined) {
      conditions.push('sent_ms < ?');
      params.push(this.filter.toMs);
    }
    if (this.filter.deviceIds && this.filter.deviceIds.length > 0) {
      conditions.push('target IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(this.filter.deviceIds));
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const statement = this.db
      .prepare(
        `SELECT id, sent_ms, profile_id, target, command_type, command_id, status_code, outcome, latency_ms
         FROM command_audit ${where} ORDER BY sent_ms, id`,
      )
      .raw();
    return {
      columns: statement.columns().map((c) => c.name),
      rows: statement.iterate(...params) as IterableIterator<unknown[]>,
    };
  }
}
