import type Database from 'better-sqlite3';
import { escapeLike, StatementCache } from '../store/statementCache';
import {
  encodeSceneMarkCursor,
  maxTimelineBucketMs,
  maxTimelineBuckets,
  timelineBucketCount,
  timelineBucketSizesMs,
  type DetectedObjectRow,
  type GetSceneMarkResponse,
  type GetTimelineRequest,
  type GetTimelineResponse,
  type ListFacetsResponse,
  type QuerySceneMarksRequest,
  type QuerySceneMarksResponse,
  type SceneDataDetail,
  type SceneMarkFilter,
  type SceneMarkRow,
} from '../../../src-shared/contract/sceneMarksContract';
import { ContractFailure } from '../contract/contractFailure';
import { decodeItemTypes, itemTypeNeedle } from './itemTypesColumn';

/** Largest stored image sent inline to the renderer as a `data:` URL. */
export const maxInlineImageBytes = 256 * 1024;
/** Most prepared filter shapes kept. */
const maxCachedStatements = 512;
/** Most values of each facet listed. */
const maxFacetValues = 1000;
/** Granularity of `scenemark_minutes`, the per-minute SceneMark counts. */
const minuteMs = 60_000;

const imageMimeTypes: Readonly<Record<string, string>> = { JPEG: 'image/jpeg', PNG: 'image/png' };

/** The normalised columns as stored (see resources/migrations/0004_scenemark_history.sql). */
interface StoredSceneMarkRow {
  id: number;
  scenemark_id: string;
  time_ms: number;
  device_id: string | null;
  node_id: string;
  port_id: string | null;
  event_type: string | null;
  status: string;
  item_types: string;
  highest_probability: number | null;
  schema_version: string;
  revision: number;
  source: string;
  received_ms: number;
}

interface StoredObjectRow {
  ordinal: number;
  item_type: string;
  probability: number | null;
  box_x: number | null;
  box_y: number | null;
  box_width: number | null;
  box_height: number | null;
}

interface StoredSceneDataRow {
  scene_data_id: string;
  media_format: string | null;
  encoding: string | null;
  byte_size: number;
  sha256: string;
  content: Buffer | null;
  uri: string | null;
  received_ms: number;
}

type Params = Record<string, string | number>;

/** The members of SceneMarkFilter, to tell which are present. */
const filterKeys = [
  'from',
  'to',
  'deviceIds',
  'nodeIds',
  'itemTypes',
  'eventTypes',
  'minProbability',
  'statuses',
  'text',
] as const satisfies ReadonlyArray<keyof SceneMarkFilter>;
type FilterKey = (typeof filterKeys)[number];

const rowColumns = `s.id, s.scenemark_id, s.time_ms, s.device_id, s.node_id, s.port_id, s.event_type,
  s.status, s.item_types, s.highest_probability, s.schema_version, s.revision, s.source, s.received_ms`;

/**
 * Reads the SceneMark history for the SceneMarks view: filtered pages newest first with
 * keyset cursors, counts per time bucket, one SceneMark in detail, and the filter facets.
 * The SQL is built only from fixed fragments chosen by which filters are present (values are
 * always bound), and each shape is prepared once and kept.
 */
export class SceneMarkQueryService {
  private readonly statements: StatementCache;
  private readonly selectBySceneMarkId: Database.Statement<
    [string],
    StoredSceneMarkRow & { original: Buffer }
  >;
  private readonly selectObjects: Database.Statement<[number], StoredObjectRow>;
  private readonly selectSceneDataOfSceneMark: Database.Statement<
    [{ sceneMarkId: string; listedIds: string }],
    StoredSceneDataRow
  >;
  private readonly selectDevices: Database.Statement<[number], { device_id: string; name: string | null }>;
  private readonly selectNodes: Database.Statement<[number], { device_id: string; node_id: string }>;
  private readonly selectItemTypes: Database.Statement<[number], { value: string }>;
  private readonly selectEventTypes: Database.Statement<[number], { value: string }>;

  constructor(private readonly db: Database.Database) {
    this.statements = new StatementCache(db, maxCachedStatements);
    this.selectBySceneMarkId = db.prepare(
      `SELECT ${rowColumns}, s.original FROM scenemarks s WHERE s.scenemark_id = ?`,
    );
    this.selectObjects = db.prepare(
      `SELECT ordinal, item_type, probability, box_x, box_y, box_width, box_height
       FROM detected_objects WHERE scenemark_row = ? ORDER BY ordinal`,
    );
    this.selectSceneDataOfSceneMark = db.prepare(
      `SELECT scene_data_id, media_format, encoding, byte_size, sha256, content, uri, received_ms
       FROM scene_data
       WHERE scenemark_id = @sceneMarkId OR scene_data_id IN (SELECT value FROM json_each(@listedIds))
       ORDER BY received_ms, scene_data_id`,
    );
    // Names from the device directory's table (migration 0010), the operator's first.
    this.selectDevices = db.prepare(
      `SELECT d.device_id, COALESCE(n.operator_name, n.site_name) AS name
       FROM devices d LEFT JOIN device_names n ON n.device_id = lower(d.device_id)
       ORDER BY d.device_id LIMIT ?`,
    );
    this.selectNodes = db.prepare('SELECT device_id, node_id FROM nodes ORDER BY device_id, node_id LIMIT ?');
    // Kept by ingest (migration 0009): the item types the history has held.
    this.selectItemTypes = db.prepare('SELECT item_type AS value FROM item_types ORDER BY item_type LIMIT ?');
    this.selectEventTypes = db.prepare(distinctValuesSql('scenemarks', 'event_type'));
  }

  /** One page of SceneMarks matching the filter, newest first, after the request's cursor. */
  querySceneMarks(request: QuerySceneMarksRequest): QuerySceneMarksResponse {
    const { sql, params } = this.listSql(request);
    const rows = this.statements.prepared(sql).all(params) as StoredSceneMarkRow[];
    const more = rows.length > request.pageSize;
    const page = more ? rows.slice(0, request.pageSize) : rows;
    const last = page.at(-1);
    return {
      rows: page.map(toSceneMarkRow),
      nextCursor: more && last ? encodeSceneMarkCursor({ timeMs: last.time_ms, id: last.id }) : null,
    };
  }

  /** The SQL and parameters of one list page (exposed for the query-plan tests). */
  listSql(request: QuerySceneMarksRequest): { sql: string; params: Params } {
    const { clauses, params } = filterClauses(request, 'list');
    if (request.cursor) {
      clauses.push('(s.time_ms, s.id) < (@cursorTime, @cursorId)');
      params.cursorTime = request.cursor.timeMs;
      params.cursorId = request.cursor.id;
    }
    params.limit = request.pageSize + 1;
    return {
      sql: `SELECT ${rowColumns} FROM scenemarks s ${where(clauses)}
            ORDER BY s.time_ms DESC, s.id DESC LIMIT @limit`,
      params,
    };
  }

  /** Counts of matching SceneMarks per aligned time bucket over the request's range. */
  getTimeline(request: GetTimelineRequest): GetTimelineResponse {
    const bucketMs = request.bucketMs ?? chooseBucketMs(request.from, request.to, request.maxBuckets);
    const firstBucketMs = Math.floor(request.from / bucketMs) * bucketMs;
    const bucketCount = timelineBucketCount(request.from, request.to, bucketMs);
    if (bucketCount > maxTimelineBuckets) {
      const field = request.bucketMs === undefined ? 'to' : 'bucketMs';
      throw new ContractFailure(
        'INVALID_REQUEST',
        `${field}: the range needs more than ${maxTimelineBuckets} buckets of ${bucketMs} ms`,
      );
    }
    const counts = new Array<number>(bucketCount).fill(0);
    let total = 0;
    if (bucketCount > 0) {
      const { sql, params } = this.timelineSql(request, bucketMs, firstBucketMs);
      for (const { bucket, count } of this.statements.prepared(sql).all(params) as Array<{
        bucket: number;
        count: number;
      }>) {
        if (bucket < 0 || bucket >= bucketCount) continue;
        // The per-minute shape answers a bucket in up to three parts (see timelineSql).
        counts[bucket] = (counts[bucket] ?? 0) + count;
        total += count;
      }
    }
    return { bucketMs, firstBucketMs, counts, total };
  }

  /**
   * The SQL and parameters of a timeline (exposed for the query-plan tests), by the cheapest
   * index that answers it without reading the wide rows:
   * - devices (and nodes) only: `scenemarks_by_device` over the range, grouped by bucket (the
   *   sort is over that device's SceneMarks alone);
   * - event types only: one range count per bucket and type on `scenemarks_by_event`;
   * - no filter but the range, with whole-minute buckets (the range covering at least one whole
   *   minute): one sum per bucket over the per-minute counts of `scenemark_minutes` (migration
   *   0007), plus the partial minutes at either edge of the range counted on
   *   `scenemarks_by_time`; the whole history is then a few thousand rows rather than millions;
   * - anything else: one range count per bucket on `scenemarks_by_time`, which carries every
   *   filter column. Counting ranges in time order needs no sort of the whole range.
   */
  timelineSql(
    request: SceneMarkFilter & { from: number; to: number },
    bucketMs: number,
    firstBucketMs: number,
  ): { sql: string; params: Params } {
    const present = filterKeys.filter((key) => request[key] !== undefined);
    const only = (allowed: readonly FilterKey[]): boolean => present.every((key) => allowed.includes(key));
    const params: Params = {
      from: request.from,
      to: request.to,
      bucketMs,
      firstBucketMs,
      bucketCount: timelineBucketCount(request.from, request.to, bucketMs),
    };
    if (request.deviceIds && only(['from', 'to', 'deviceIds', 'nodeIds'])) {
      params.deviceIds = JSON.stringify(request.deviceIds);
      const nodes = request.nodeIds ? ' AND s.node_id IN (SELECT value FROM json_each(@nodeIds))' : '';
      if (request.nodeIds) params.nodeIds = JSON.stringify(request.nodeIds);
      return {
        sql: `SELECT CAST((s.time_ms - @firstBucketMs) / @bucketMs AS INTEGER) AS bucket, COUNT(*) AS count
              FROM scenemarks s
              WHERE s.device_id IN (SELECT value FROM json_each(@deviceIds))${nodes}
                AND s.time_ms >= @from AND s.time_ms < @to
              GROUP BY bucket`,
        params,
      };
    }
    if (only(['from', 'to']) && bucketMs % minuteMs === 0) {
      // Bucket edges are multiples of the bucket size, so whole minutes; only the range's own
      // edges may cut a minute. The first bucket holds [from, fromMinute), the last bucket
      // [toMinute, to), and every whole minute between lies in exactly one bucket.
      const fromMinute = -floorToMinute(-request.from);
      const toMinute = floorToMinute(request.to);
      if (fromMinute < toMinute) {
        Object.assign(params, { fromMinute, toMinute });
        return {
          sql: `WITH RECURSIVE buckets(bucket) AS (
                  SELECT 0 UNION ALL SELECT bucket + 1 FROM buckets WHERE bucket + 1 < @bucketCount
                )
                SELECT bucket, (
                  SELECT coalesce(SUM(m.count), 0) FROM scenemark_minutes m
                  WHERE m.minute_ms >= max(@fromMinute, @firstBucketMs + bucket * @bucketMs)
                    AND m.minute_ms < min(@toMinute, @firstBucketMs + (bucket + 1) * @bucketMs)
                ) AS count
                FROM buckets
                UNION ALL
                SELECT 0, COUNT(*) FROM scenemarks s WHERE s.time_ms >= @from AND s.time_ms < @fromMinute
                UNION ALL
                SELECT @bucketCount - 1, COUNT(*) FROM scenemarks s
                WHERE s.time_ms >= @toMinute AND s.time_ms < @to`,
          params,
        };
      }
    }
    let filters: string;
    if (request.eventTypes && only(['from', 'to', 'eventTypes'])) {
      filters = ' AND s.event_type IN (SELECT value FROM json_each(@eventTypes))';
      params.eventTypes = JSON.stringify(request.eventTypes);
    } else {
      const built = filterClauses(request, 'timeline');
      filters = built.clauses.map((clause) => ` AND ${clause}`).join('');
      Object.assign(params, built.params);
    }
    return {
      sql: `WITH RECURSIVE buckets(bucket) AS (
              SELECT 0 UNION ALL SELECT bucket + 1 FROM buckets WHERE bucket + 1 < @bucketCount
            )
            SELECT bucket, (
              SELECT COUNT(*) FROM scenemarks s
              WHERE s.time_ms >= max(@from, @firstBucketMs + bucket * @bucketMs)
                AND s.time_ms < min(@to, @firstBucketMs + (bucket + 1) * @bucketMs)${filters}
            ) AS count
            FROM buckets`,
      params,
    };
  }

  /** One SceneMark with its objects, its original text and its SceneData; NOT_FOUND if absent. */
  getSceneMark(sceneMarkId: string): GetSceneMarkResponse {
    const row = this.selectBySceneMarkId.get(sceneMarkId);
    if (!row)
      throw new ContractFailure('NOT_FOUND', `sceneMarkId: no SceneMark ${sceneMarkId.slice(0, 100)}`);
    const originalText = row.original.toString('utf8');
    const objects: DetectedObjectRow[] = this.selectObjects.all(row.id).map((object) => ({
      ordinal: object.ordinal,
      itemType: object.item_type,
      probability: object.probability,
      box:
        object.box_x !== null &&
        object.box_y !== null &&
        object.box_width !== null &&
        object.box_height !== null
          ? { x: object.box_x, y: object.box_y, width: object.box_width, height: object.box_height }
          : null,
    }));
    const { listed, thumbnails } = listedSceneData(originalText);
    const stored = this.selectSceneDataOfSceneMark.all({
      sceneMarkId,
      listedIds: JSON.stringify([...listed.keys()]),
    });
    const storedById = new Map(stored.map((item) => [item.scene_data_id, item]));
    const ids = [...new Set([...listed.keys(), ...storedById.keys()])];
    const sceneData: SceneDataDetail[] = ids.map((sceneDataId) => {
      const item = storedById.get(sceneDataId);
      return {
        sceneDataId,
        listed: listed.get(sceneDataId) ?? null,
        thumbnail: thumbnails.has(sceneDataId),
        stored: item
          ? {
              mediaFormat: item.media_format,
              encoding: item.encoding,
              byteSize: item.byte_size,
              sha256: item.sha256,
              uri: item.uri,
              receivedMs: item.received_ms,
              inline: item.content !== null,
            }
          : null,
        dataUrl: item ? imageDataUrl(item) : null,
      };
    });
    return { sceneMark: toSceneMarkRow(row), objects, originalText, sceneData };
  }

  /** Devices with their nodes, and the item and event types present, for the filter pickers. */
  listFacets(): ListFacetsResponse {
    const nodesByDevice = new Map<string, string[]>();
    for (const { device_id, node_id } of this.selectNodes.all(maxFacetValues * 10)) {
      const list = nodesByDevice.get(device_id) ?? [];
      list.push(node_id);
      nodesByDevice.set(device_id, list);
    }
    return {
      devices: this.selectDevices.all(maxFacetValues).map(({ device_id, name }) => ({
        deviceId: device_id,
        name,
        nodeIds: nodesByDevice.get(device_id) ?? [],
      })),
      itemTypes: this.selectItemTypes.all(maxFacetValues).map(({ value }) => value),
      eventTypes: this.selectEventTypes.all(maxFacetValues).map(({ value }) => value),
    };
  }
}

/**
 * WHERE fragments for a filter, written to steer SQLite to the right index (there are no
 * ANALYZE statistics to guide it). A term prefixed with unary `+` cannot drive an index, so
 * it is checked inside `scenemarks_by_time`, which carries every filter column: a list page
 * then walks time order and stops after one page, and a timeline never reads the wide rows.
 * Only an exact device and node (`scenemarks_by_device`) or a single event type
 * (`scenemarks_by_event`) may drive a list page, since those indexes also give time order.
 * Lists bind as one JSON array (`json_each`), so the statement shapes stay few.
 */
function filterClauses(
  filter: SceneMarkFilter,
  use: 'list' | 'timeline',
): { clauses: string[]; params: Params } {
  const clauses: string[] = [];
  const params: Params = {};
  const list = use === 'list';
  if (list && filter.from !== undefined) {
    clauses.push('s.time_ms >= @from');
    params.from = filter.from;
  }
  if (list && filter.to !== undefined) {
    clauses.push('s.time_ms < @to');
    params.to = filter.to;
  }
  const [onlyDevice, onlyNode, onlyEventType] = [filter.deviceIds, filter.nodeIds, filter.eventTypes].map(
    (values) => (values && new Set(values).size === 1 ? values[0] : undefined),
  );
  if (list && onlyDevice !== undefined && onlyNode !== undefined) {
    clauses.push('s.device_id = @device AND s.node_id = @node');
    params.device = onlyDevice;
    params.node = onlyNode;
  } else {
    if (filter.deviceIds) {
      clauses.push('+s.device_id IN (SELECT value FROM json_each(@deviceIds))');
      params.deviceIds = JSON.stringify(filter.deviceIds);
    }
    if (filter.nodeIds) {
      clauses.push('+s.node_id IN (SELECT value FROM json_each(@nodeIds))');
      params.nodeIds = JSON.stringify(filter.nodeIds);
    }
  }
  if (list && onlyEventType !== undefined) {
    clauses.push('s.event_type = @eventType');
    params.eventType = onlyEventType;
  } else if (filter.eventTypes) {
    clauses.push('+s.event_type IN (SELECT value FROM json_each(@eventTypes))');
    params.eventTypes = JSON.stringify(filter.eventTypes);
  }
  if (filter.statuses) {
    clauses.push('+s.status IN (SELECT value FROM json_each(@statuses))');
    params.statuses = JSON.stringify(filter.statuses);
  }
  // Cheap comparisons first; SQLite checks the terms in this order.
  if (filter.minProbability !== undefined) {
    clauses.push('+s.highest_probability >= @minProbability');
    params.minProbability = filter.minProbability;
  }
  if (filter.itemTypes) {
    const distinct = [...new Set(filter.itemTypes)];
    clauses.push(
      `(${distinct.map((_, index) => `instr(s.item_types, @itemType${index}) > 0`).join(' OR ')})`,
    );
    distinct.forEach((itemType, index) => {
      params[`itemType${index}`] = itemTypeNeedle(itemType);
    });
  }
  if (filter.text !== undefined) {
    clauses.push(
      `(s.device_id LIKE @text ESCAPE '\\' OR s.node_id LIKE @text ESCAPE '\\'
        OR s.item_types LIKE @text ESCAPE '\\'
        OR lower(s.device_id) IN (SELECT device_id FROM device_names
          WHERE COALESCE(operator_name, site_name) LIKE @text ESCAPE '\\')
        OR s.scenemark_id LIKE @text ESCAPE '\\')`,
    );
    params.text = `%${escapeLike(filter.text)}%`;
  }
  return { clauses, params };
}

/** The start of the minute holding `timeMs`, as `scenemark_minutes.minute_ms` (exact, also before 1970). */
function floorToMinute(timeMs: number): number {
  return timeMs - (((timeMs % minuteMs) + minuteMs) % minuteMs);
}

function where(clauses: readonly string[]): string {
  return clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
}

/**
 * A loose index scan listing the distinct values of an indexed column: one index seek per
 * distinct value instead of reading every row. Table and column are fixed names, never input.
 */
function distinctValuesSql(table: 'scenemarks', column: 'event_type'): string {
  return `WITH RECURSIVE distinct_values(value) AS (
     SELECT MIN(${column}) FROM ${table}
     UNION ALL
     SELECT (SELECT MIN(${column}) FROM ${table} WHERE ${column} > distinct_values.value)
     FROM distinct_values WHERE distinct_values.value IS NOT NULL
   )
   SELECT value FROM distinct_values WHERE value IS NOT NULL LIMIT ?`;
}

/** The smallest standard bucket size giving at most `maxBuckets` buckets (else one day). */
export function chooseBucketMs(from: number, to: number, maxBuckets: number): number {
  const limit = Math.min(maxBuckets, maxTimelineBuckets);
  for (const size of timelineBucketSizesMs) {
    if (timelineBucketCount(from, to, size) <= limit) return size;
  }
  return maxTimelineBucketMs;
}

function toSceneMarkRow(row: StoredSceneMarkRow): SceneMarkRow {
  return {
    sceneMarkId: row.scenemark_id,
    timeMs: row.time_ms,
    deviceId: row.device_id,
    nodeId: row.node_id,
    portId: row.port_id,
    eventType: row.event_type,
    status: row.status,
    itemTypes: decodeItemTypes(row.item_types),
    highestProbability: row.highest_probability,
    schemaVersion: row.schema_version,
    revision: row.revision,
    source: row.source,
    receivedMs: row.received_ms,
  };
}

/** The SceneDataList entries (without inline payloads) and ThumbnailList ids of a SceneMark. */
function listedSceneData(originalText: string): {
  listed: Map<string, Record<string, unknown>>;
  thumbnails: Set<string>;
} {
  const listed = new Map<string, Record<string, unknown>>();
  const thumbnails = new Set<string>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(originalText);
  } catch {
    // Stored SceneMarks were validated on ingest; an unparsable one just lists nothing here.
    return { listed, thumbnails };
  }
  if (!isRecord(parsed)) return { listed, thumbnails };
  for (const entry of Array.isArray(parsed.SceneDataList) ? parsed.SceneDataList : []) {
    if (!isRecord(entry) || typeof entry.SceneDataID !== 'string') continue;
    const { EmbeddedSceneData: embedded, ...metadata } = entry;
    listed.set(
      entry.SceneDataID,
      embedded === undefined ? metadata : { ...metadata, EmbeddedSceneData: '(inline)' },
    );
  }
  for (const entry of Array.isArray(parsed.ThumbnailList) ? parsed.ThumbnailList : []) {
    if (isRecord(entry) && typeof entry.SceneDataID === 'string') thumbnails.add(entry.SceneDataID);
  }
  return { listed, thumbnails };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function imageDataUrl(item: StoredSceneDataRow): string | null {
  const mime = item.media_format ? imageMimeTypes[item.media_format] : undefined;
  if (!mime || !item.content || item.content.byteLength > maxInlineImageBytes) return null;
  return `data:${mime};base64,${Buffer.from(item.content).toString('base64')}`;
}
