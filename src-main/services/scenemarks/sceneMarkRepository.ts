import type Database from 'better-sqlite3';
import type { SceneDataFile } from '../../core/nice/sceneData';
import { encodeItemTypes } from './itemTypesColumn';
import { SceneMarkMinutes } from './sceneMarkMinutes';
import type { ParsedSceneMark } from '../../core/nice/sceneMark';
import { inlineSceneDataMaxBytes, toSceneMarkRecord, type SceneMarkRecord } from './sceneMarkRecord';

/** A validated SceneMark to store: its record and its bytes exactly as received. */
export interface StoreSceneMark {
  kind: 'sceneMark';
  record: SceneMarkRecord;
  original: Uint8Array;
  source: string;
  receivedMs: number;
}

/** The store item of a SceneMark parsed on the caller's thread. */
export function storeSceneMark(parsed: ParsedSceneMark, source: string, receivedMs: number): StoreSceneMark {
  return {
    kind: 'sceneMark',
    record: toSceneMarkRecord(parsed),
    original: parsed.original,
    source,
    receivedMs,
  };
}

/** Input that failed validation, kept verbatim with the reason (issue #5 "Bad input"). */
export interface StoreReject {
  kind: 'reject';
  original: Uint8Array;
  source: string;
  receivedMs: number;
  reason: string;
  field: string | null;
}

/** One item of a write batch. */
export type StoreItem = StoreSceneMark | StoreReject;

/** What writing one item did. */
export type StoreOutcome = 'stored' | 'updated' | 'duplicate' | 'rejected';

type SceneMarkRow = [
  string, // scenemark_id
  number, // time_ms
  string | null, // device_id
  string, // node_id
  string | null, // port_id
  string | null, // event_type
  string, // status
  string, // item_types
  number | null, // highest_probability
  string, // schema_version
  number, // revision
  Uint8Array, // original
  string, // source
  number, // received_ms
];

interface SeenRange {
  first: number;
  last: number;
}

/**
 * Writes SceneMarks, their detected objects, SceneData metadata, devices and nodes, and rejects
 * (migration 0004); the only place the ingest SQL lives. A batch is one transaction with
 * prepared statements. Idempotent by SceneMarkID: a higher revision replaces the row and its
 * objects, the same or a lower one is a duplicate and changes nothing.
 *
 * `scene_data` holds SceneData whose content the console has (embedded in a SceneMark, or a
 * file received on its own: storeSceneDataFile). SceneData known only by reference is not
 * copied into rows: the SceneMark's original SceneDataList already says everything about it,
 * and four index writes per reference were the largest single cost of ingest. A file that
 * arrived before its SceneMark, without naming it, is linked when the SceneMark lists it.
 * Databases written before this rule may hold reference rows (`byte_size` 0, empty `sha256`,
 * no `content`); readers accept both.
 */
export class SceneMarkRepository {
  private readonly selectExisting: Database.Statement<[string], { id: number; revision: number }>;
  private readonly insertSceneMark: Database.Statement<SceneMarkRow>;
  private readonly updateSceneMark: Database.Statement<[...SceneMarkRow, number]>;
  private readonly deleteObjects: Database.Statement<[number]>;
  private readonly insertObject: Database.Statement<
    [number, number, string, number | null, number | null, number | null, number | null, number | null]
  >;
  private readonly upsertDevice: Database.Statement<[string, number, number]>;
  private readonly upsertNode: Database.Statement<[string, string, number, number]>;
  private readonly insertItemType: Database.Statement<[string]>;
  private readonly upsertSceneData: Database.Statement<
    [
      string,
      string | null,
      string | null,
      string | null,
      number,
      string,
      Uint8Array | null,
      string | null,
      number,
    ]
  >;
  private readonly linkSceneData: Database.Statement<[string, string]>;
  private readonly minutes: SceneMarkMinutes;
  private readonly insertReject: Database.Statement<[number, string, string, string | null, Uint8Array]>;
  private readonly writeTransaction: Database.Transaction<(items: readonly StoreItem[]) => StoreOutcome[]>;

  constructor(private readonly db: Database.Database) {
    this.selectExisting = db.prepare('SELECT id, revision FROM scenemarks WHERE scenemark_id = ?');
    const columns = `scenemark_id, time_ms, device_id, node_id, port_id, event_type, status, item_types,
      highest_probability, schema_version, revision, original, source, received_ms`;
    // New SceneMarkIDs (the common case) cost one statement; a conflict falls back to a lookup.
    this.insertSceneMark = db.prepare(
      `INSERT INTO scenemarks (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (scenemark_id) DO NOTHING`,
    );
    this.updateSceneMark = db.prepare(
      `UPDATE scenemarks SET (${columns}) = (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) WHERE id = ?`,
    );
    this.deleteObjects = db.prepare('DELETE FROM detected_objects WHERE scenemark_row = ?');
    this.upsertDevice = db.prepare(
      `INSERT INTO devices (device_id, first_seen_ms, last_seen_ms) VALUES (?, ?, ?)
       ON CONFLICT (device_id) DO UPDATE SET
         first_seen_ms = min(first_seen_ms, excluded.first_seen_ms),
         last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)`,
    );
    this.upsertNode = db.prepare(
      `INSERT INTO nodes (device_id, node_id, first_seen_ms, last_seen_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (device_id, node_id) DO UPDATE SET
         first_seen_ms = min(first_seen_ms, excluded.first_seen_ms),
         last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)`,
    );
    this.insertItemType = db.prepare('INSERT INTO item_types (item_type) VALUES (?) ON CONFLICT DO NOTHING');
    this.insertObject = db.prepare(
      `INSERT INTO detected_objects (scenemark_row, ordinal, item_type, probability, box_x, box_y, box_width, box_height)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // Metadata from a SceneMark never erases content that is already held (a reassembled file
    // may have arrived first).
    this.upsertSceneData = db.prepare(
      `INSERT INTO scene_data (scene_data_id, scenemark_id, media_format, encoding, byte_size, sha256, content, uri, received_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (scene_data_id) DO UPDATE SET
         scenemark_id = coalesce(excluded.scenemark_id, scenemark_id),
         media_format = coalesce(excluded.media_format, media_format),
         encoding = CASE WHEN excluded.content IS NULL THEN encoding ELSE excluded.encoding END,
         byte_size = CASE WHEN excluded.content IS NULL THEN byte_size ELSE excluded.byte_size END,
         sha256 = CASE WHEN excluded.content IS NULL THEN sha256 ELSE excluded.sha256 END,
         content = coalesce(excluded.content, content),
         uri = coalesce(excluded.uri, uri)`,
    );
    this.minutes = new SceneMarkMinutes(db);
    this.linkSceneData = db.prepare(
      'UPDATE scene_data SET scenemark_id = ? WHERE scene_data_id = ? AND scenemark_id IS NULL',
    );
    this.insertReject = db.prepare(
      'INSERT INTO rejects (received_ms, source, reason, field, original) VALUES (?, ?, ?, ?, ?)',
    );
    this.writeTransaction = db.transaction((items: readonly StoreItem[]) => this.writeItems(items));
  }

  /**
   * Writes a batch in one transaction and says what happened to each item, in order. Throws
   * (rolling the whole batch back) when SQLite fails, for example SQLITE_BUSY.
   */
  writeBatch(items: readonly StoreItem[]): StoreOutcome[] {
    return this.writeTransaction.immediate(items);
  }

  /** Stores a reassembled SceneData file (sceneData.ts) inline when it is small enough. */
  storeSceneDataFile(file: SceneDataFile, receivedMs: number): void {
    const inline = file.bytes.byteLength <= inlineSceneDataMaxBytes;
    this.upsertSceneData.run(
      file.dataId,
      file.relatedSceneMarks[0] ?? null,
      file.mediaFormat,
      inline ? 'binary' : null,
      file.bytes.byteLength,
      file.sha256,
      inline ? file.bytes : null,
      file.pathUri,
      receivedMs,
    );
  }

  private writeItems(items: readonly StoreItem[]): StoreOutcome[] {
    const devices = new Map<string, SeenRange>();
    const insertedTimes: number[] = [];
    const itemTypes = new Set<string>();
    const nodes = new Map<string, SeenRange & { deviceId: string; nodeId: string }>();
    const outcomes = items.map((item): StoreOutcome => {
      if (item.kind === 'reject') {
        this.insertReject.run(item.receivedMs, item.source, item.reason, item.field, item.original);
        return 'rejected';
      }
      const outcome = this.writeSceneMark(item);
      const { deviceId, nodeId, time } = item.record;
      if (outcome === 'stored') insertedTimes.push(time);
      if (outcome !== 'duplicate') for (const object of item.record.objects) itemTypes.add(object.itemType);
      if (outcome !== 'duplicate' && deviceId !== null) {
        widen(devices, deviceId, time, () => ({ first: time, last: time }));
        widen(nodes, `${deviceId}\u0000${nodeId}`, time, () => ({
          first: time,
          last: time,
          deviceId,
          nodeId,
        }));
      }
      return outcome;
    });
    for (const [deviceId, seen] of devices) this.upsertDevice.run(deviceId, seen.first, seen.last);
    for (const seen of nodes.values()) this.upsertNode.run(seen.deviceId, seen.nodeId, seen.first, seen.last);
    this.minutes.add(insertedTimes);
    for (const itemType of itemTypes) this.insertItemType.run(itemType);
    return outcomes;
  }

  private writeSceneMark(item: StoreSceneMark): StoreOutcome {
    const { record } = item;
    const row: SceneMarkRow = [
      record.sceneMarkId,
      record.time,
      record.deviceId,
      record.nodeId,
      record.portId,
      record.eventType,
      record.status,
      encodeItemTypes(record.itemTypes),
      record.highestProbability,
      record.version,
      record.revision,
      item.original,
      item.source,
      item.receivedMs,
    ];
    const inserted = this.insertSceneMark.run(...row);
    let rowId: number;
    let outcome: StoreOutcome;
    if (inserted.changes === 1) {
      rowId = Number(inserted.lastInsertRowid);
      outcome = 'stored';
    } else {
      const existing = this.selectExisting.get(record.sceneMarkId);
      if (existing === undefined || record.revision <= existing.revision) return 'duplicate';
      rowId = existing.id;
      this.updateSceneMark.run(...row, rowId);
      this.deleteObjects.run(rowId);
      outcome = 'updated';
    }
    record.objects.forEach((object, ordinal) => {
      this.insertObject.run(
        rowId,
        ordinal,
        object.itemType,
        object.probability,
        object.x,
        object.y,
        object.width,
        object.height,
      );
    });
    for (const data of record.embeddedData) {
      this.upsertSceneData.run(
        data.sceneDataId,
        record.sceneMarkId,
        data.mediaFormat,
        data.content ? 'base64' : null,
        data.byteSize,
        data.sha256,
        data.content,
        data.uri,
        item.receivedMs,
      );
    }
    for (const sceneDataId of record.sceneDataIds) this.linkSceneData.run(record.sceneMarkId, sceneDataId);
    return outcome;
  }
}

function widen<T extends SeenRange>(map: Map<string, T>, key: string, time: number, create: () => T): void {
  const seen = map.get(key);
  if (!seen) map.set(key, create());
  else {
    if (time < seen.first) seen.first = time;
    if (time > seen.last) seen.last = time;
  }
}
