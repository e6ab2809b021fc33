import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { normaliseSceneMark, type SceneMark } from '../src-main/core/nice/sceneMark';
import { SceneMarkQueryService } from '../src-main/services/scenemarks/sceneMarkQueryService';
import { openDatabase } from '../src-main/services/store/database';
import { loadMigrations } from '../src-main/services/store/migrations';
import {
  GetTimelineRequest,
  QuerySceneMarksRequest,
  type QuerySceneMarksResponse,
} from '../src-shared/contract/sceneMarksContract';
import { percentile, writeBenchResult } from './benchResult';
import { generatedDeviceId, generateSceneMarkObject } from './support/sceneMarkGenerator';
import { SceneMarkMinutes } from '../src-main/services/scenemarks/sceneMarkMinutes';
import { encodeItemTypes } from '../src-main/services/scenemarks/itemTypesColumn';

// Query of the SceneMark history at scale: builds a file database of realistic SceneMarks (the
// shared generator: 50 devices × 4 nodes, one every 250 ms on average, weighted event and item
// types and statuses), then times filtered pages and timelines through SceneMarkQueryService
// with a mix of the filters an operator uses. 1,000,000 SceneMarks by default; BENCH_FULL=1
// also runs 10,000,000. The 1M run needs about 2 minutes to build and 3.2 GB of temporary
// disk on a 2-core VM; 10M needs about 10× that (expect 20–30 minutes and ~32 GB free in the
// temp folder). The temporary database is deleted at the end.
const sizes = process.env.BENCH_FULL === '1' ? [1_000_000, 10_000_000] : [1_000_000];
const runsPerShape = 40;
const devices = 50;
const nodesPerDevice = 4;
const intervalMs = 250;
const startMs = Date.UTC(2026, 0, 1);
const hourMs = 3_600_000;
const dayMs = 24 * hourMs;
const migrations = loadMigrations(resolve(import.meta.dirname, '..', 'resources', 'migrations'));

/** Deterministic PRNG so every run times the same requests. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function build(file: string, count: number): number {
  const started = performance.now();
  const { db } = openDatabase(file, migrations);
  // Bulk load only: the app keeps synchronous = NORMAL; this file is thrown away afterwards.
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const insertDevice = db.prepare('INSERT INTO devices VALUES (?, NULL, ?, ?)');
  // Names live where the device directory keeps them (migration 0010), as the site reported them.
  const insertName = db.prepare(
    'INSERT INTO device_names (device_id, site_name, updated_ms) VALUES (?, ?, ?)',
  );
  const insertNode = db.prepare('INSERT INTO nodes VALUES (?, ?, ?, ?)');
  const insertSceneMark = db.prepare(
    `INSERT INTO scenemarks (id, scenemark_id, time_ms, device_id, node_id, port_id, event_type, status,
       item_types, highest_probability, schema_version, revision, original, source, received_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, 'mqtt', ?)`,
  );
  const insertObject = db.prepare(
    `INSERT INTO detected_objects (scenemark_row, ordinal, item_type, probability, box_x, box_y, box_width, box_height)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const endMs = startMs + count * intervalMs;
  db.transaction(() => {
    for (let device = 0; device < devices; device += 1) {
      const deviceId = generatedDeviceId(device);
      insertDevice.run(deviceId, startMs, endMs);
      insertName.run(
        deviceId.toLowerCase(),
        `Camera ${device + 1} (${['Gate', 'Dock', 'Lobby', 'Yard', 'Car park'][device % 5]})`,
        startMs,
      );
      for (let node = 1; node <= nodesPerDevice; node += 1)
        insertNode.run(deviceId, node.toString(16).padStart(4, '0'), startMs, endMs);
    }
  })();
  const batch = 20_000;
  for (let from = 0; from < count; from += batch) {
    db.transaction(() => {
      for (let index = from; index < Math.min(count, from + batch); index += 1) {
        const object = generateSceneMarkObject(index, { devices, nodesPerDevice, startMs, intervalMs });
        // The generator emits canonical spellings; validation cost belongs to the ingest bench.
        const normalised = normaliseSceneMark(object as unknown as SceneMark);
        const id = index + 1;
        insertSceneMark.run(
          id,
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
          Buffer.from(JSON.stringify(object)),
          normalised.time + 40,
        );
        normalised.objects.forEach((detected, ordinal) => {
          insertObject.run(
            id,
            ordinal,
            detected.itemType,
            detected.probability,
            detected.box?.XCoordinate ?? null,
            detected.box?.YCoordinate ?? null,
            detected.box?.Width ?? null,
            detected.box?.Height ?? null,
          );
        });
      }
    })();
    if (from % 1_000_000 === 0 && from > 0) process.stdout.write(`  built ${from.toLocaleString('en')}\n`);
  }
  // Rows inserted by SQL are counted into the per-minute rollup as ingest would (migration 0008).
  new SceneMarkMinutes(db).recount();
  db.exec(
    'INSERT INTO item_types (item_type) SELECT DISTINCT item_type FROM detected_objects WHERE true ON CONFLICT DO NOTHING',
  );
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return (performance.now() - started) / 1000;
}

type Shape = (next: () => number, endMs: number) => Record<string, unknown>;

const eventTypes = ['ItemPresence', 'Loitering', 'Intrusion', 'LineCrossing', 'Fire'];
const device = (next: () => number): string => generatedDeviceId(Math.floor(next() * devices));
const before = (next: () => number, endMs: number, spanMs: number): number =>
  Math.round(endMs - next() * Math.max(0, endMs - startMs - spanMs));

/** Filters an operator picks in the SceneMarks view. */
const pageShapes: Record<string, Shape> = {
  newest: () => ({}),
  lastHour: (_next, endMs) => ({ from: endMs - hourMs }),
  day: (next, endMs) => {
    const to = before(next, endMs, dayMs);
    return { from: to - dayMs, to };
  },
  device: (next) => ({ deviceIds: [device(next)] }),
  deviceNodeDay: (next, endMs) => ({ deviceIds: [device(next)], nodeIds: ['0002'], from: endMs - dayMs }),
  threeDevices: (next) => ({ deviceIds: [device(next), device(next), device(next)] }),
  eventType: (next) => ({ eventTypes: [eventTypes[Math.floor(next() * eventTypes.length)]] }),
  rareItemType: () => ({ itemTypes: ['Weapon', 'Fire'], minProbability: 0.8 }),
  humanConfident: () => ({ itemTypes: ['Human'], minProbability: 0.9 }),
  removed: () => ({ statuses: ['Removed'] }),
  textDeviceNameDay: (_next, endMs) => ({ text: 'gate', from: endMs - dayMs }),
  combined: (next, endMs) => ({
    from: endMs - 7 * dayMs,
    deviceIds: [device(next), device(next)],
    eventTypes: ['ItemPresence', 'Intrusion'],
    itemTypes: ['Human', 'Vehicle'],
    statuses: ['Active'],
  }),
};

/** Timeline ranges and filters (the chart above the list). */
const timelineShapes: Record<string, Shape> = {
  lastHour: (_next, endMs) => ({ from: endMs - hourMs, to: endMs }),
  day: (next, endMs) => {
    const to = before(next, endMs, dayMs);
    return { from: to - dayMs, to };
  },
  dayDevice: (next, endMs) => ({ from: endMs - dayMs, to: endMs, deviceIds: [device(next)] }),
  weekEventType: (next, endMs) => ({
    from: endMs - 7 * dayMs,
    to: endMs,
    eventTypes: [eventTypes[Math.floor(next() * eventTypes.length)]],
  }),
  dayHumanConfident: (_next, endMs) => ({
    from: endMs - dayMs,
    to: endMs,
    itemTypes: ['Human'],
    minProbability: 0.9,
  }),
  wholeRange: (_next, endMs) => ({ from: startMs, to: endMs }),
  wholeRangeDevice: (next, endMs) => ({ from: startMs, to: endMs, deviceIds: [device(next)] }),
};

function time(run: () => void): number {
  const started = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function summarise(samples: number[]): { p50: number; p95: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: Number(percentile(sorted, 50).toFixed(2)),
    p95: Number(percentile(sorted, 95).toFixed(2)),
    max: Number((sorted.at(-1) ?? Number.NaN).toFixed(2)),
  };
}

const figures: Record<string, number | string> = {};
for (const count of sizes) {
  const label = count >= 10_000_000 ? '10M' : `${count / 1_000_000}M`;
  const dir = mkdtempSync(join(tmpdir(), 'nice-query-bench-'));
  const file = join(dir, 'scenemarks.sqlite');
  try {
    process.stdout.write(`building ${count.toLocaleString('en')} SceneMarks in ${file}\n`);
    const buildSeconds = build(file, count);
    figures[`${label}BuildSeconds`] = Number(buildSeconds.toFixed(1));
    figures[`${label}DatabaseMiB`] = Math.round(statSync(file).size / 2 ** 20);

    const { db } = openDatabase(file, migrations);
    const service = new SceneMarkQueryService(db);
    const endMs = startMs + count * intervalMs;
    const next = seeded(count);

    const pageSamples: number[] = [];
    for (const [name, shape] of Object.entries(pageShapes)) {
      const samples: number[] = [];
      for (let run = 0; run < runsPerShape; run += 1) {
        const request = QuerySceneMarksRequest.parse({ ...shape(next, endMs), pageSize: 100 });
        let page: QuerySceneMarksResponse | undefined;
        samples.push(time(() => (page = service.querySceneMarks(request))));
        // The next page, as when the operator scrolls.
        const cursor = page?.nextCursor;
        if (cursor) {
          const following = { ...request, cursor: decode(cursor) };
          samples.push(time(() => service.querySceneMarks(following)));
        }
      }
      pageSamples.push(...samples);
      figures[`${label}Page_${name}_p95Ms`] = summarise(samples).p95;
    }
    const pages = summarise(pageSamples);
    figures[`${label}PageP50Ms`] = pages.p50;
    figures[`${label}PageP95Ms`] = pages.p95;
    figures[`${label}PageMaxMs`] = pages.max;

    const timelineSamples: number[] = [];
    for (const [name, shape] of Object.entries(timelineShapes)) {
      const samples: number[] = [];
      for (let run = 0; run < runsPerShape / 2; run += 1) {
        const request = GetTimelineRequest.parse(shape(next, endMs));
        samples.push(time(() => service.getTimeline(request)));
      }
      timelineSamples.push(...samples);
      figures[`${label}Timeline_${name}_p95Ms`] = summarise(samples).p95;
    }
    const timelines = summarise(timelineSamples);
    figures[`${label}TimelineP50Ms`] = timelines.p50;
    figures[`${label}TimelineP95Ms`] = timelines.p95;
    figures[`${label}TimelineMaxMs`] = timelines.max;

    const detailSamples: number[] = [];
    for (let run = 0; run < 200; run += 1) {
      const index = Math.floor(next() * count);
      const object = generateSceneMarkObject(index, { devices, nodesPerDevice, startMs, intervalMs });
      detailSamples.push(time(() => service.getSceneMark(String(object.SceneMarkID))));
    }
    figures[`${label}DetailP95Ms`] = summarise(detailSamples).p95;
    figures[`${label}FacetsMs`] = Number(time(() => service.listFacets()).toFixed(2));
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Decodes the cursor of a reply into the request form the service takes. */
function decode(cursor: string): QuerySceneMarksRequest['cursor'] {
  return QuerySceneMarksRequest.parse({ cursor }).cursor;
}

writeBenchResult(
  'query',
  `SceneMarkQueryService on a file database (WAL, schema 0004) of ${sizes.map((size) => size.toLocaleString('en')).join(' and ')} generated SceneMarks ` +
    `(bench/support/sceneMarkGenerator: ${devices} devices × ${nodesPerDevice} nodes, one per ${intervalMs} ms, original JSON stored). ` +
    `Pages: ${Object.keys(pageShapes).length} filter shapes × ${runsPerShape} randomised requests of 100 rows, each followed by its next page; ` +
    `timelines: ${Object.keys(timelineShapes).length} shapes × ${runsPerShape / 2} (bucket chosen for ≤ 200 buckets). One process, warm cache, no ANALYZE.`,
  figures,
);
