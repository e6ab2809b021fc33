import type Database from 'better-sqlite3';
import BetterSqlite from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSceneMark } from '../../../../src-main/core/nice/sceneMark';
import {
  SceneMarkRepository,
  storeSceneMark,
  type StoreItem,
} from '../../../../src-main/services/scenemarks/sceneMarkRepository';
import { sceneMarkRevision } from '../../../../src-main/services/scenemarks/sceneMarkRecord';
import { generateSceneMark } from '../../../../bench/support/sceneMarkGenerator';
import { migrate } from '../../../../src-main/services/store/migrations';
import {
  at,
  editedSceneMark,
  firstAnalysis,
  migrations,
  openIngestDatabase,
  parsedSceneMark,
} from './ingestFixture';

let db: Database.Database;
let repository: SceneMarkRepository;

beforeEach(() => {
  db = openIngestDatabase();
  repository = new SceneMarkRepository(db);
});
afterEach(() => db.close());

function item(bytes: Uint8Array, source = 'test', receivedMs = 1000): StoreItem {
  return storeSceneMark(parseSceneMark(bytes), source, receivedMs);
}

function count(table: string): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

describe('SceneMarkRepository', () => {
  it('stores the original bytes verbatim beside the normalised columns', () => {
    const bytes = generateSceneMark(7);
    const parsed = parseSceneMark(bytes);
    expect(repository.writeBatch([item(bytes, 'mqtt:lab', 1234)])).toEqual(['stored']);

    const row = db.prepare('SELECT * FROM scenemarks').get() as Record<string, unknown>;
    expect(Buffer.from(row['original'] as Buffer).equals(Buffer.from(bytes))).toBe(true);
    const { normalised } = parsed;
    expect(row).toMatchObject({
      scenemark_id: normalised.sceneMarkId,
      time_ms: normalised.time,
      device_id: normalised.deviceId,
      node_id: normalised.nodeId,
      port_id: normalised.portId,
      event_type: normalised.eventType,
      status: normalised.status,
      item_types: ` ${normalised.itemTypes.join(' ')} `,
      highest_probability: normalised.highestProbability,
      schema_version: '1.0',
      revision: 1,
      source: 'mqtt:lab',
      received_ms: 1234,
    });
    const objects = db.prepare('SELECT * FROM detected_objects ORDER BY ordinal').all() as Record<
      string,
      unknown
    >[];
    expect(objects.map((object) => object['item_type'])).toEqual(normalised.objects.map((o) => o.itemType));
    expect(objects[0]).toMatchObject({
      probability: normalised.objects[0]?.probability,
      box_x: normalised.objects[0]?.box?.XCoordinate,
      box_height: normalised.objects[0]?.box?.Height,
    });
  });

  it('records devices and nodes with the first and last time seen', () => {
    // Indices 0, 50 and 100 come from device 0 (50 devices by default); 0 and 200 share node 0001.
    repository.writeBatch([0, 200].map((index) => item(generateSceneMark(index))));
    repository.writeBatch([50].map((index) => item(generateSceneMark(index))));
    const times = [0, 50, 200].map((index) => parseSceneMark(generateSceneMark(index)).normalised.time);
    const device = parseSceneMark(generateSceneMark(0)).normalised.deviceId;
    expect(db.prepare('SELECT * FROM devices').all()).toEqual([
      { device_id: device, name: null, first_seen_ms: Math.min(...times), last_seen_ms: Math.max(...times) },
    ]);
    expect(
      db.prepare('SELECT node_id, first_seen_ms, last_seen_ms FROM nodes ORDER BY node_id').all(),
    ).toEqual([
      {
        node_id: '0001',
        first_seen_ms: Math.min(at(times, 0), at(times, 2)),
        last_seen_ms: Math.max(at(times, 0), at(times, 2)),
      },
      { node_id: '0002', first_seen_ms: times[1], last_seen_ms: times[1] },
    ]);
  });

  it('counts the same SceneMarkID and revision again as a duplicate and changes nothing', () => {
    const bytes = generateSceneMark(3);
    repository.writeBatch([item(bytes, 'first', 1)]);
    expect(repository.writeBatch([item(bytes, 'second', 2), item(bytes, 'third', 3)])).toEqual([
      'duplicate',
      'duplicate',
    ]);
    expect(count('scenemarks')).toBe(1);
    expect(db.prepare('SELECT source, received_ms FROM scenemarks').get()).toEqual({
      source: 'first',
      received_ms: 1,
    });
  });

  it('replaces the row and its objects with a later VersionControl revision, ignores an older one', () => {
    const first = generateSceneMark(4, { revision: 1 });
    const later = editedSceneMark(
      4,
      (sceneMark) => {
        const analysis = firstAnalysis(sceneMark);
        analysis['DetectedObjects'] = [{ NICEItemType: 'Weapon', Probability: 0.99 }];
      },
      { revision: 2 },
    );
    expect(repository.writeBatch([item(first)])).toEqual(['stored']);
    const rowId = (db.prepare('SELECT id FROM scenemarks').get() as { id: number }).id;
    expect(repository.writeBatch([item(later)])).toEqual(['updated']);
    expect(repository.writeBatch([item(first)])).toEqual(['duplicate']);

    const row = db.prepare('SELECT id, revision, item_types, original FROM scenemarks').get() as Record<
      string,
      unknown
    >;
    expect(row).toMatchObject({ id: rowId, revision: 2, item_types: ' Weapon ' });
    expect(Buffer.from(row['original'] as Buffer).equals(Buffer.from(later))).toBe(true);
    expect(db.prepare('SELECT item_type, probability FROM detected_objects').all()).toEqual([
      { item_type: 'Weapon', probability: 0.99 },
    ]);
  });

  it('derives the revision from VersionControl', () => {
    expect(sceneMarkRevision(parsedSceneMark(1).sceneMark)).toBe(1);
    expect(sceneMarkRevision(parsedSceneMark(1, { revision: 3 }).sceneMark)).toBe(3);
  });

  it('stores rejects verbatim with reason and field', () => {
    const original = new TextEncoder().encode('{"Version": "2.0"');
    expect(
      repository.writeBatch([
        { kind: 'reject', original, source: 'webapi', receivedMs: 5, reason: 'not JSON', field: 'Version' },
      ]),
    ).toEqual(['rejected']);
    const row = db.prepare('SELECT * FROM rejects').get() as Record<string, unknown>;
    expect(row).toMatchObject({ source: 'webapi', received_ms: 5, reason: 'not JSON', field: 'Version' });
    expect(Buffer.from(row['original'] as Buffer).equals(Buffer.from(original))).toBe(true);
  });

  it('keeps embedded SceneData inline with its SHA-256, and no rows for references', () => {
    const content = Buffer.from('tiny jpeg bytes');
    const bytes = editedSceneMark(9, (sceneMark) => {
      const list = sceneMark['SceneDataList'] as Record<string, unknown>[];
      at(list, 0)['EmbeddedSceneData'] = content.toString('base64');
    });
    repository.writeBatch([item(bytes)]);
    const rows = db.prepare('SELECT * FROM scene_data ORDER BY scene_data_id').all() as Record<
      string,
      unknown
    >[];
    const parsed = parseSceneMark(bytes);
    // Only the thumbnail has content here; the other items are references, kept in the original.
    expect(rows.map((row) => row['scene_data_id'])).toEqual([parsed.normalised.sceneDataIds[0]]);
    const thumbnail = at(
      rows.filter((row) => row['scene_data_id'] === parsed.normalised.sceneDataIds[0]),
      0,
    );
    expect(thumbnail).toMatchObject({
      scenemark_id: parsed.normalised.sceneMarkId,
      media_format: 'JPEG',
      byte_size: content.byteLength,
      encoding: 'base64',
      sha256: createHash('sha256').update(content).digest('hex'),
    });
    expect(Buffer.from(thumbnail['content'] as Buffer).equals(content)).toBe(true);
  });

  it('links a SceneData file that arrived before its SceneMark without naming it', () => {
    const parsed = parseSceneMark(generateSceneMark(3));
    const dataId = at(parsed.normalised.sceneDataIds, 0);
    const bytes = Buffer.from('early file');
    repository.storeSceneDataFile(
      {
        dataId,
        bytes,
        sections: 1,
        fileName: null,
        fileType: null,
        mediaFormat: 'JPEG',
        pathUri: null,
        encryptionOn: false,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        relatedSceneMarks: [],
      },
      1,
    );
    repository.writeBatch([storeSceneMark(parsed, 'test', 2)]);
    expect(db.prepare('SELECT scenemark_id, byte_size FROM scene_data').all()).toEqual([
      { scenemark_id: parsed.normalised.sceneMarkId, byte_size: bytes.byteLength },
    ]);
  });

  it('rolls the whole batch back when a statement fails', () => {
    db.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON detected_objects WHEN NEW.item_type = 'Weapon' BEGIN SELECT RAISE(ABORT, 'no'); END",
    );
    const weapon = editedSceneMark(1, (sceneMark) => {
      firstAnalysis(sceneMark)['DetectedObjects'] = [{ NICEItemType: 'Weapon' }];
    });
    expect(() => repository.writeBatch([item(generateSceneMark(0)), item(weapon)])).toThrow();
    expect(count('scenemarks')).toBe(0);
  });
});

describe('item_types (migration 0009)', () => {
  it('lists every item type the stored SceneMarks carry, from ingest and from the migration', () => {
    const writer = new SceneMarkRepository(db);
    writer.writeBatch(Array.from({ length: 60 }, (_, index) => item(generateSceneMark(index))));
    const listed = (): unknown[] => db.prepare('SELECT item_type FROM item_types ORDER BY 1').pluck().all();
    const distinctObjects = db
      .prepare('SELECT DISTINCT item_type FROM detected_objects ORDER BY 1')
      .pluck()
      .all();
    expect(distinctObjects.length).toBeGreaterThan(3);
    expect(listed()).toEqual(distinctObjects);

    const upgraded = new BetterSqlite(':memory:');
    try {
      migrate(upgraded, migrations.slice(0, 8));
      upgraded.exec(`INSERT INTO scenemarks (id, scenemark_id, time_ms, node_id, status, item_types, schema_version,
        original, source, received_ms) VALUES (1, 'OLD', 0, '0001', 'Active', ' Fire Bag ', '1.0', x'7b7d', 't', 0);
        INSERT INTO detected_objects (scenemark_row, ordinal, item_type) VALUES (1, 0, 'Fire'), (1, 1, 'Bag'), (1, 2, 'Fire');`);
      migrate(upgraded, migrations);
      expect(upgraded.prepare('SELECT item_type FROM item_types ORDER BY 1').pluck().all()).toEqual([
        'Bag',
        'Fire',
      ]);
    } finally {
      upgraded.close();
    }
  });
});
