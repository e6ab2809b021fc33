import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleServices, type ConsoleServices } from '../../../../src-main/services/consoleServices';
import { SceneMarkQueryService } from '../../../../src-main/services/scenemarks/sceneMarkQueryService';
import { FileKeyCipher } from '../../../../src-main/services/secrets/fileKeyCipher';
import { openDatabase, type OpenDatabase } from '../../../../src-main/services/store/database';
import { loadMigrations } from '../../../../src-main/services/store/migrations';
import {
  GetTimelineRequest,
  QuerySceneMarksRequest,
  type SceneMarkFilter,
  type SceneMarkRow,
} from '../../../../src-shared/contract/sceneMarksContract';
import { encodeItemTypes } from '../../../../src-main/services/scenemarks/itemTypesColumn';
import { SceneMarkMinutes } from '../../../../src-main/services/scenemarks/sceneMarkMinutes';

const migrationsDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../resources/migrations');
const context = { transport: 'web' as const, caller: 'test' };

const devices = ['aaaaaaaa-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000002', null];
const deviceNames = ['Gate camera', 'Loading_dock 100%'];
const nodes = ['0001', '0002'];
const eventTypes = ['ItemPresence', 'Loitering', 'Intrusion', null];
const itemTypeSets = [['Human'], ['Vehicle'], ['Human', 'Vehicle'], [], ['Animal']];
const statuses = ['Active', 'Processed', 'Removed'];
const baseTime = Date.UTC(2026, 10, 1);

interface Fixture {
  id: number;
  sceneMarkId: string;
  timeMs: number;
  deviceId: string | null;
  nodeId: string;
  eventType: string | null;
  status: string;
  itemTypes: string[];
  probability: number | null;
}

/** Inserts one SceneMark row the way the ingest side stores it, with its detected objects. */
function insertRow(db: Database.Database, row: Fixture, original = '{}'): void {
  db.prepare(
    `INSERT INTO scenemarks (id, scenemark_id, time_ms, device_id, node_id, port_id, event_type, status,
       item_types, highest_probability, schema_version, revision, original, source, received_ms)
     VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, '1.0', 0, ?, 'mqtt', ?)`,
  ).run(
    row.id,
    row.sceneMarkId,
    row.timeMs,
    row.deviceId,
    row.nodeId,
    row.eventType,
    row.status,
    encodeItemTypes(row.itemTypes),
    row.probability,
    Buffer.from(original, 'utf8'),
    row.timeMs + 5,
  );
  new SceneMarkMinutes(db).add([row.timeMs]);
  for (const itemType of row.itemTypes)
    db.prepare('INSERT INTO item_types (item_type) VALUES (?) ON CONFLICT DO NOTHING').run(itemType);
  row.itemTypes.forEach((itemType, ordinal) => {
    db.prepare(
      `INSERT INTO detected_objects (scenemark_row, ordinal, item_type, probability, box_x, box_y, box_width, box_height)
       VALUES (?, ?, ?, ?, 0.1, 0.2, 0.3, 0.4)`,
    ).run(row.id, ordinal, itemType, row.probability);
  });
}

function makeFixtures(count: number): Fixture[] {
  return Array.from({ length: count }, (_, index) => {
    const id = index + 1;
    return {
      id,
      // Some ids contain `_` and `%` so the literal text match can be checked.
      sceneMarkId: index % 50 === 0 ? `SMK_${id}%` : `SMK-${String(id).padStart(5, '0')}`,
      // Groups of four rows share a timestamp; ids are not in time order.
      timeMs: baseTime + Math.floor(((index * 37) % count) / 4) * 1000,
      deviceId: devices[index % devices.length] ?? null,
      nodeId: nodes[index % nodes.length] ?? '0001',
      eventType: eventTypes[index % eventTypes.length] ?? null,
      status: statuses[index % statuses.length] ?? 'Active',
      itemTypes: itemTypeSets[index % itemTypeSets.length] ?? [],
      probability: index % 7 === 0 ? null : (index % 10) / 10,
    };
  });
}

function matches(row: Fixture, filter: SceneMarkFilter): boolean {
  const text = filter.text?.toLowerCase();
  const deviceName = row.deviceId ? deviceNames[devices.indexOf(row.deviceId)] : undefined;
  return (
    (filter.from === undefined || row.timeMs >= filter.from) &&
    (filter.to === undefined || row.timeMs < filter.to) &&
    (!filter.deviceIds || (row.deviceId !== null && filter.deviceIds.includes(row.deviceId))) &&
    (!filter.nodeIds || filter.nodeIds.includes(row.nodeId)) &&
    (!filter.eventTypes || (row.eventType !== null && filter.eventTypes.includes(row.eventType))) &&
    (!filter.statuses || filter.statuses.includes(row.status as 'Active')) &&
    (!filter.itemTypes || row.itemTypes.some((type) => filter.itemTypes?.includes(type))) &&
    (filter.minProbability === undefined ||
      (row.probability !== null && row.probability >= filter.minProbability)) &&
    (text === undefined ||
      [row.sceneMarkId, row.deviceId ?? '', row.nodeId, row.itemTypes.join(' '), deviceName ?? ''].some(
        (value) => value.toLowerCase().includes(text),
      ))
  );
}

let database: OpenDatabase;
let service: SceneMarkQueryService;
const fixtures = makeFixtures(600);

beforeAll(() => {
  database = openDatabase(':memory:', loadMigrations(migrationsDir));
  const db = database.db;
  db.transaction(() => {
    devices.forEach((deviceId, index) => {
      if (!deviceId) return;
      db.prepare('INSERT INTO devices VALUES (?, NULL, 0, 0)').run(deviceId);
      // Names live in the device directory's table (migration 0010): one from the site, one the
      // operator gave over another the site reports.
      db.prepare('INSERT INTO device_names VALUES (?, ?, ?, 0)').run(
        deviceId,
        index === 0 ? deviceNames[index] : 'Reported by the site',
        index === 0 ? null : deviceNames[index],
      );
      for (const node of nodes) db.prepare('INSERT INTO nodes VALUES (?, ?, 0, 0)').run(deviceId, node);
    });
    for (const row of fixtures) insertRow(db, row);
  })();
  service = new SceneMarkQueryService(db);
});

afterAll(() => database.db.close());

/** Every row of a query, following cursors page by page. */
function queryAll(
  filter: Record<string, unknown>,
  pageSize: number,
): { rows: SceneMarkRow[]; pages: number } {
  const rows: SceneMarkRow[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = service.querySceneMarks(QuerySceneMarksRequest.parse({ ...filter, pageSize, cursor }));
    pages += 1;
    expect(page.rows.length).toBeLessThanOrEqual(pageSize);
    rows.push(...page.rows);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && pages < 1000);
  return { rows, pages };
}

function expectedIds(filter: SceneMarkFilter): string[] {
  return fixtures
    .filter((row) => matches(row, filter))
    .sort((a, b) => b.timeMs - a.timeMs || b.id - a.id)
    .map((row) => row.sceneMarkId);
}

describe('SceneMarkQueryService.querySceneMarks', () => {
  const filters: Array<[string, SceneMarkFilter]> = [
    ['no filter', {}],
    ['time range', { from: baseTime + 20_000, to: baseTime + 60_000 }],
    ['one device', { deviceIds: [devices[0] ?? ''] }],
    ['two devices and a node', { deviceIds: [devices[0] ?? '', devices[1] ?? ''], nodeIds: ['0002'] }],
    ['node only', { nodeIds: ['0001'] }],
    ['item types (any of)', { itemTypes: ['Animal', 'Vehicle'] }],
    ['event types', { eventTypes: ['Loitering', 'Intrusion'] }],
    ['minimum probability', { minProbability: 0.7 }],
    ['status', { statuses: ['Removed'] }],
    ['text in SceneMarkID', { text: 'smk-0012' }],
    ['text with a literal underscore', { text: 'K_' }],
    ['text with a literal percent', { text: '1%' }],
    ['text in a device name', { text: 'gate' }],
    ['text in a node id', { text: '0002' }],
    ['text matching nothing', { text: 'zzz%_' }],
    [
      'everything at once',
      {
        from: baseTime,
        to: baseTime + 120_000,
        deviceIds: [devices[1] ?? ''],
        itemTypes: ['Human'],
        eventTypes: ['ItemPresence', 'Intrusion', 'Loitering'],
        minProbability: 0.2,
        statuses: ['Active', 'Processed'],
      },
    ],
  ];

  it.each(filters)('narrows by %s', (_name, filter) => {
    const expected = expectedIds(filter);
    if (Object.keys(filter).length > 0 && filter.text !== 'zzz%_') {
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(fixtures.length);
    }
    const { rows } = queryAll(filter, 500);
    expect(rows.map((row) => row.sceneMarkId)).toEqual(expected);
  });

  it('returns every row exactly once across pages, newest first, when rows share timestamps', () => {
    for (const pageSize of [1, 3, 4, 7, 100]) {
      const { rows, pages } = queryAll({}, pageSize);
      const ids = rows.map((row) => row.sceneMarkId);
      expect(new Set(ids).size).toBe(fixtures.length);
      expect(ids).toEqual(expectedIds({}));
      expect(pages).toBe(Math.ceil(fixtures.length / pageSize));
    }
  });

  it('keeps a filter across pages', () => {
    const filter = { deviceIds: [devices[0] ?? ''], minProbability: 0.3 };
    expect(queryAll(filter, 9).rows.map((row) => row.sceneMarkId)).toEqual(expectedIds(filter));
  });

  it('returns the normalised columns, never the original bytes', () => {
    const [row] = service.querySceneMarks(QuerySceneMarksRequest.parse({ pageSize: 1 })).rows;
    expect(row).toBeDefined();
    expect(Object.keys(row ?? {})).not.toContain('original');
    expect(row?.itemTypes.every((type) => type.length > 0)).toBe(true);
  });
});

describe('SceneMarkQueryService.getTimeline', () => {
  it('counts per bucket sum to the number of matching SceneMarks', () => {
    const cases: SceneMarkFilter[] = [
      {},
      { deviceIds: [devices[1] ?? ''] },
      { deviceIds: [devices[0] ?? ''], nodeIds: ['0002'] },
      { eventTypes: ['Loitering', 'Intrusion'] },
      { itemTypes: ['Human'], minProbability: 0.5 },
      { statuses: ['Active'], text: 'gate' },
    ];
    for (const filter of cases) {
      const range = { from: baseTime - 500, to: baseTime + 150_000 };
      const timeline = service.getTimeline(GetTimelineRequest.parse({ ...filter, ...range, bucketMs: 5000 }));
      const expected = fixtures.filter((row) => matches(row, { ...filter, ...range }));
      expect(timeline.total).toBe(expected.length);
      expect(timeline.counts.reduce((sum, count) => sum + count, 0)).toBe(expected.length);
      expect(timeline.firstBucketMs).toBe(baseTime - 5000);
      expect(timeline.counts).toHaveLength(31);
      for (const row of expected) {
        const bucket = Math.floor((row.timeMs - timeline.firstBucketMs) / 5000);
        expect(timeline.counts[bucket]).toBeGreaterThan(0);
      }
    }
  });

  it('picks a bucket size within the bucket budget when none is given', () => {
    const timeline = service.getTimeline(
      GetTimelineRequest.parse({ from: baseTime, to: baseTime + 86_400_000, maxBuckets: 100 }),
    );
    expect(timeline.bucketMs).toBe(900_000);
    expect(timeline.counts).toHaveLength(96);
    expect(timeline.total).toBe(fixtures.length);
  });
});

describe('SceneMarkQueryService.getSceneMark', () => {
  it('returns the objects, the original text and the SceneData with an inline thumbnail', () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const original = JSON.stringify({
      Version: '1.0',
      SceneMarkID: 'SMK-DETAIL',
      NodeID: `${devices[0]}_0001`,
      ThumbnailList: [{ SceneDataID: 'SD-THUMB' }],
      SceneDataList: [
        { SceneDataID: 'SD-THUMB', MediaFormat: 'PNG', DataType: 'Thumbnail', EmbeddedSceneData: 'iVBORw0' },
        {
          SceneDataID: 'SD-VIDEO',
          MediaFormat: 'H.264',
          DataType: 'RGBVideo',
          SceneDataURI: 'https://x/v.mp4',
        },
      ],
      Note: 'émoji ✓',
    });
    insertRow(
      database.db,
      {
        id: 10_000,
        sceneMarkId: 'SMK-DETAIL',
        timeMs: baseTime,
        deviceId: devices[0] ?? null,
        nodeId: '0001',
        eventType: 'ItemPresence',
        status: 'Active',
        itemTypes: ['Human', 'Vehicle'],
        probability: 0.9,
      },
      original,
    );
    database.db
      .prepare(
        `INSERT INTO scene_data (scene_data_id, scenemark_id, media_format, encoding, byte_size, sha256, content, uri, received_ms)
         VALUES ('SD-THUMB', 'SMK-DETAIL', 'PNG', NULL, ?, 'abc', ?, NULL, 1)`,
      )
      .run(png.byteLength, png);
    const detail = service.getSceneMark('SMK-DETAIL');
    expect(detail.originalText).toBe(original);
    expect(detail.sceneMark).toMatchObject({ sceneMarkId: 'SMK-DETAIL', itemTypes: ['Human', 'Vehicle'] });
    expect(detail.objects).toEqual([
      { ordinal: 0, itemType: 'Human', probability: 0.9, box: { x: 0.1, y: 0.2, width: 0.3, height: 0.4 } },
      { ordinal: 1, itemType: 'Vehicle', probability: 0.9, box: { x: 0.1, y: 0.2, width: 0.3, height: 0.4 } },
    ]);
    const thumb = detail.sceneData.find((item) => item.sceneDataId === 'SD-THUMB');
    expect(thumb?.thumbnail).toBe(true);
    expect(thumb?.dataUrl).toBe(`data:image/png;base64,${png.toString('base64')}`);
    expect(thumb?.stored).toMatchObject({ mediaFormat: 'PNG', byteSize: png.byteLength, inline: true });
    expect(thumb?.listed).toMatchObject({ DataType: 'Thumbnail', EmbeddedSceneData: '(inline)' });
    const video = detail.sceneData.find((item) => item.sceneDataId === 'SD-VIDEO');
    expect(video).toMatchObject({ stored: null, dataUrl: null, thumbnail: false });
    expect(video?.listed).toMatchObject({ SceneDataURI: 'https://x/v.mp4' });
    database.db.prepare("DELETE FROM scene_data WHERE scene_data_id = 'SD-THUMB'").run();
    database.db.prepare('DELETE FROM scenemarks WHERE id = 10000').run();
  });
});

describe('SceneMarkQueryService.listFacets', () => {
  it('lists devices with nodes, and the item and event types present', () => {
    const facets = service.listFacets();
    expect(facets.devices).toEqual([
      { deviceId: devices[0], name: 'Gate camera', nodeIds: nodes },
      { deviceId: devices[1], name: 'Loading_dock 100%', nodeIds: nodes },
    ]);
    expect(facets.itemTypes).toEqual(['Animal', 'Human', 'Vehicle']);
    expect(facets.eventTypes).toEqual(['Intrusion', 'ItemPresence', 'Loitering']);
  });
});

describe('SceneMark query plans', () => {
  function plan(sql: string, params: Record<string, string | number>): string {
    return database.db
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all(params)
      .map((row) => (row as { detail: string }).detail)
      .join('\n');
  }
  const cursor = 'mhf1234.2s';
  const listCases: Array<[string, Record<string, unknown>, string]> = [
    ['newest page', {}, 'scenemarks_by_time'],
    ['time range with a cursor', { from: 1, to: baseTime * 2, cursor }, 'scenemarks_by_time'],
    ['one event type', { eventTypes: ['Loitering'], from: 1 }, 'scenemarks_by_event'],
    ['two event types', { eventTypes: ['Loitering', 'Intrusion'], from: 1 }, 'scenemarks_by_time'],
    [
      'a device and node',
      { deviceIds: [devices[0]], nodeIds: ['0001'], from: 1, cursor },
      'scenemarks_by_device',
    ],
    ['one device', { deviceIds: [devices[0]] }, 'scenemarks_by_time'],
    ['several devices', { deviceIds: [devices[0], devices[1]], nodeIds: ['0001'] }, 'scenemarks_by_time'],
    ['status and probability', { statuses: ['Active'], minProbability: 0.5, from: 1 }, 'scenemarks_by_time'],
    ['item types and text', { itemTypes: ['Human', 'Animal'], text: 'gate' }, 'scenemarks_by_time'],
  ];

  it.each(listCases)('a list page (%s) walks %s in time order without a sort', (_name, request, index) => {
    const { sql, params } = service.listSql(QuerySceneMarksRequest.parse(request));
    const detail = plan(sql, params);
    expect(detail).toMatch(new RegExp(`^(SCAN|SEARCH) s USING (COVERING )?INDEX ${index}`, 'm'));
    expect(detail).not.toMatch(/^SCAN s$/m);
    expect(detail).not.toMatch(/TEMP B-TREE/);
  });

  const timelineCases: Array<[string, SceneMarkFilter, RegExp]> = [
    ['no filter', {}, /SEARCH s USING COVERING INDEX scenemarks_by_time \(time_ms>\? AND time_ms<\?\)/],
    [
      'event types',
      { eventTypes: ['Loitering', 'Intrusion'] },
      /SEARCH s USING COVERING INDEX scenemarks_by_event \(event_type=\? AND time_ms>\? AND time_ms<\?\)/,
    ],
    [
      'a device',
      { deviceIds: [devices[0] ?? ''] },
      /SEARCH s USING COVERING INDEX scenemarks_by_device \(device_id=\?/,
    ],
    [
      'devices and nodes',
      { deviceIds: [devices[0] ?? '', devices[1] ?? ''], nodeIds: ['0001'] },
      /SEARCH s USING COVERING INDEX scenemarks_by_device \(device_id=\? AND node_id=\? AND time_ms>\? AND time_ms<\?\)/,
    ],
    [
      'every covered filter',
      {
        deviceIds: [devices[0] ?? ''],
        statuses: ['Active'],
        minProbability: 0.5,
        itemTypes: ['Human'],
        eventTypes: ['Loitering', 'Intrusion'],
      },
      /SEARCH s USING COVERING INDEX scenemarks_by_time \(time_ms>\? AND time_ms<\?\)/,
    ],
  ];

  it.each(timelineCases)('a timeline (%s) reads only a covering index range', (_name, filter, expected) => {
    const { sql, params } = service.timelineSql({ ...filter, from: 1, to: 100_000 }, 1000, 0);
    const detail = plan(sql, params);
    expect(detail).toMatch(expected);
    expect(detail).not.toMatch(/^SCAN s/m);
  });

  it('detail looks the SceneMark up by its unique SceneMarkID', () => {
    const detail = plan('SELECT id FROM scenemarks s WHERE s.scenemark_id = @id', { id: 'x' });
    expect(detail).toMatch(/USING (COVERING )?INDEX sqlite_autoindex_scenemarks_1/);
  });
});

describe('scenemarks channels through the dispatcher', () => {
  let dir: string;
  let services: ConsoleServices;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nice-scenemark-query-'));
    services = createConsoleServices({
      shell: 'web',
      version: 'test',
      dataDir: dir,
      databaseFile: ':memory:',
      migrationsDir,
      cipher: FileKeyCipher.inDataDir(dir),
    });
  });
  afterAll(() => {
    services.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const invalid: Array<[string, string, Record<string, unknown>, string]> = [
    ['from after to', 'scenemarks:querySceneMarks', { from: 20, to: 10 }, 'to'],
    ['page size 0', 'scenemarks:querySceneMarks', { pageSize: 0 }, 'pageSize'],
    ['page size over 500', 'scenemarks:querySceneMarks', { pageSize: 501 }, 'pageSize'],
    ['a bad cursor', 'scenemarks:querySceneMarks', { cursor: 'not a cursor' }, 'cursor'],
    ['an overlong text', 'scenemarks:querySceneMarks', { text: 'x'.repeat(101) }, 'text'],
    ['a probability over 1', 'scenemarks:querySceneMarks', { minProbability: 1.5 }, 'minProbability'],
    ['an unknown status', 'scenemarks:querySceneMarks', { statuses: ['Gone'] }, 'statuses.0'],
    ['an unknown member', 'scenemarks:querySceneMarks', { sql: 'DROP TABLE scenemarks' }, 'payload'],
    ['a timeline without a range', 'scenemarks:getTimeline', {}, 'from'],
    ['a timeline from after to', 'scenemarks:getTimeline', { from: 5000, to: 0 }, 'to'],
    ['a bucket under 1 s', 'scenemarks:getTimeline', { from: 0, to: 10_000, bucketMs: 999 }, 'bucketMs'],
    ['too many buckets', 'scenemarks:getTimeline', { from: 0, to: 2001_000, bucketMs: 1000 }, 'bucketMs'],
    ['an empty SceneMarkID', 'scenemarks:getSceneMark', { sceneMarkId: '' }, 'sceneMarkId'],
  ];

  it.each(invalid)('refuses %s naming the field', async (_name, channel, payload, field) => {
    const result = await services.dispatcher.dispatch(channel, payload, context);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('INVALID_REQUEST');
      expect(result.error.message).toMatch(new RegExp(`^${channel}: ${field.replace('.', '\\.')}: `));
    }
  });

  it('answers a valid query, an empty timeline, facets, and NOT_FOUND for an unknown SceneMark', async () => {
    expect(await services.dispatcher.dispatch('scenemarks:querySceneMarks', {}, context)).toEqual({
      ok: true,
      value: { rows: [], nextCursor: null },
    });
    const timeline = await services.dispatcher.dispatch(
      'scenemarks:getTimeline',
      { from: 0, to: 3_600_000 },
      context,
    );
    expect(timeline).toEqual({
      ok: true,
      value: { bucketMs: 30_000, firstBucketMs: 0, counts: Array(120).fill(0), total: 0 },
    });
    expect(await services.dispatcher.dispatch('scenemarks:listFacets', {}, context)).toEqual({
      ok: true,
      value: { devices: [], itemTypes: [], eventTypes: [] },
    });
    const missing = await services.dispatcher.dispatch(
      'scenemarks:getSceneMark',
      { sceneMarkId: 'nope' },
      context,
    );
    expect(missing).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'sceneMarkId: no SceneMark nope' },
    });
  });
});
