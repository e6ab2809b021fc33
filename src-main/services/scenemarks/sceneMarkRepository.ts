import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { SceneDataFile } from '../../core/nice/sceneData';
import type { ParsedSceneMark } from '../../core/nice/sceneMark';
import type { SceneMark } from '../../core/nice/sceneMarkSchema';
import { encodeItemTypes } from './itemTypesColumn';

/** SceneData at most this large (decoded) is kept inline with its SHA-256 (issue #5 item 1). */
export const inlineSceneDataMaxBytes = 256 * 1024;

/** A validated SceneMark to store. */
export interface StoreSceneMark {
  kind: 'sceneMark';
  parsed: ParsedSceneMark;
  source: string;
  receivedMs: number;
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

/**
 * The revision of a SceneMark from its VersionControl: every node that processes a SceneMark
 * appends a VersionList entry and may raise VersionNumber, so the larger of the entry count and
 * the highest whole VersionNumber orders the versions of one SceneMarkID.
 */
export function sceneMarkRevision(sceneMark: SceneMark): number {
  const list = sceneMark.VersionControl.VersionList;
  const highest = list.reduce((max, entry) => Math.max(max, entry.VersionNumber), 0);
  return Math.max(list.length, Math.floor(highest));
}

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
 * SceneData known only by reference (no embedded content) is stored with `byte_size` 0, an
 * empty `sha256` and no `content`: the columns are NOT NULL and the size is unknown until the
 * file itself arrives (storeSceneDataFile).
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
    const nodes = new Map<string, SeenRange & { deviceId: string; nodeId: string }>();
    const outcomes = items.map((item): StoreOutcome => {
      if (item.kind === 'reject') {
        this.insertReject.run(item.receivedMs, item.source, item.reason, item.field, item.original);
        return 'rejected';
      }
      const outcome = this.writeSceneMark(item);
      const { deviceId, nodeId, time } = item.parsed.normalised;
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
    return outcomes;
  }

  private writeSceneMark(item: StoreSceneMark): StoreOutcome {
    const { normalised, sceneMark, original } = item.parsed;
    const revision = sceneMarkRevision(sceneMark);
    const row: SceneMarkRow = [
      normalised.sceneMarkId,
      normalised.time,
      normalised.deviceId,
      normalised.nodeId,
      normalised.portId,
      normalised.eventType,
      normalised.status,
      encodeItemTypes(normalised.itemTypes),
      normalised.highestProbability,
      normalised.version,
      revision,
      original,
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
      const existing = this.selectExisting.get(normalised.sceneMarkId);
      if (existing === undefined || revision <= existing.revision) return 'duplicate';
      rowId = existing.id;
      this.updateSceneMark.run(...row, rowId);
      this.deleteObjects.run(rowId);
      outcome = 'updated';
    }
    normalised.objects.forEach((object, ordinal) => {
      this.insertObject.run(
        rowId,
        ordinal,
        object.itemType,
        object.probability,
        object.box?.XCoordinate ?? null,
        object.box?.YCoordinate ?? null,
        object.box?.Width ?? null,
        object.box?.Height ?? null,
      );
    });
    for (const data of sceneMark.SceneDataList ?? []) {
      const embedded = data.EmbeddedSceneData ? Buffer.from(data.EmbeddedSceneData, 'base64') : null;
      const inline = embedded !== null && embedded.byteLength <= inlineSceneDataMaxBytes;
      this.upsertSceneData.run(
        data.SceneDataID,
        normalised.sceneMarkId,
        data.MediaFormat ?? null,
        inline ? 'base64' : null,
        embedded?.byteLength ?? 0,
        embedded ? createHash('sha256').update(embedded).digest('hex') : '',
        inline ? embedded : null,
        data.SceneDataURI ?? null,
        item.receivedMs,
      );
    }
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
