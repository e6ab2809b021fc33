import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeviceDirectory } from '../../../../src-main/services/devices/deviceDirectory';
import { DeviceNamesRepository } from '../../../../src-main/services/devices/deviceNamesRepository';
import { SceneMarkQueryService } from '../../../../src-main/services/scenemarks/sceneMarkQueryService';
import {
  SceneMarkRepository,
  storeSceneMark,
} from '../../../../src-main/services/scenemarks/sceneMarkRepository';
import { RenameDeviceRequest, type DirectoryDevice } from '../../../../src-shared/contract/devicesContract';
import type { SiteDevice } from '../../../../src-shared/contract/localSiteContract';
import { openIngestDatabase, parsedSceneMark } from '../scenemarks/ingestFixture';

const lobby = '00000009-60fe-5e15-8002-000000000001';
const dock = '00000009-60fe-5e15-8002-000000000004';
const startMs = Date.UTC(2026, 11, 1);

let dir: string;
let db: Database.Database;
let site: SiteDevice[];
let published: DirectoryDevice[];

function siteDevice(deviceId: string, name: string | null, extra: Partial<SiteDevice> = {}): SiteDevice {
  return {
    deviceId,
    name,
    binding: 'bound',
    lastSeenMs: startMs,
    online: true,
    nodes: ['0001', '0002'],
    ...extra,
  };
}

function directory(): DeviceDirectory {
  return new DeviceDirectory({
    repository: new DeviceNamesRepository(db),
    siteDevices: () => site,
    publish: (device) => published.push(device),
    now: () => startMs,
  });
}

/** Stores `count` generated SceneMarks, their DeviceID replaced by `deviceId`. */
function deliver(deviceId: string, count: number, idPrefix: string): void {
  new SceneMarkRepository(db).writeBatch(
    Array.from({ length: count }, (_, index) => {
      const parsed = parsedSceneMark(index, { startMs, idPrefix, devices: 1 });
      return storeSceneMark({ ...parsed, normalised: { ...parsed.normalised, deviceId } }, 'test', startMs);
    }),
  );
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nice-devices-'));
  db = openIngestDatabase(join(dir, 'console.sqlite'));
  site = [siteDevice(dock, 'CAM 10 Loading Dock'), siteDevice(lobby, 'CAM 01 Lobby', { online: false })];
  published = [];
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('DeviceDirectory', () => {
  it('lists site devices by name in natural order, and devices only known from their SceneMarks', () => {
    const elsewhere = 'aaaaaaaa-0000-4000-8000-0000000000ff';
    deliver(elsewhere, 3, 'ELSEWHERE');
    const devices = directory().list();
    expect(devices.map((device) => [device.deviceId, device.name])).toEqual([
      [lobby, 'CAM 01 Lobby'],
      [dock, 'CAM 10 Loading Dock'],
      [elsewhere, null],
    ]);
    expect(devices[0]).toMatchObject({ binding: 'bound', online: false, siteName: 'CAM 01 Lobby' });
    // Not on a site this console runs: binding and presence are unknown, not "offline".
    expect(devices[2]).toMatchObject({ binding: null, online: null, operatorName: null });
    expect(devices[2]?.nodes.length).toBeGreaterThan(0);
    expect(devices[2]?.lastSeenMs).toBeGreaterThanOrEqual(startMs);
  });

  it("keeps the operator's name over the site's across restarts, and null goes back to the site's", () => {
    const renamed = directory().rename(lobby.toUpperCase(), 'Front door');
    expect(renamed).toMatchObject({ deviceId: lobby, name: 'Front door', siteName: 'CAM 01 Lobby' });
    // Nothing was pushed before, so both are; in the order shown, by name.
    expect(published.map((device) => [device.deviceId, device.name])).toEqual([
      [dock, 'CAM 10 Loading Dock'],
      [lobby, 'Front door'],
    ]);

    // A new directory over the same database, as after a restart, and the site renaming it.
    site = [siteDevice(lobby, 'CAM 01 Lobby (new)')];
    const again = directory();
    expect(again.list().find((device) => device.deviceId === lobby)?.name).toBe('Front door');
    expect(again.rename(lobby, null)).toMatchObject({ name: 'CAM 01 Lobby (new)', operatorName: null });
  });

  it('pushes only the devices whose entry changed', () => {
    const devices = directory();
    devices.publishChanges();
    expect(published).toHaveLength(2);
    published = [];
    devices.publishChanges();
    expect(published).toEqual([]);
    site = [site[0] as SiteDevice, siteDevice(lobby, 'CAM 01 Lobby', { online: true })];
    devices.publishChanges();
    expect(published).toEqual([expect.objectContaining({ deviceId: lobby, online: true })]);
  });

  it('refuses to name a device it does not know, and stores nothing', () => {
    expect(() => directory().rename('aaaaaaaa-0000-4000-8000-000000000123', 'Ghost')).toThrow(
      /deviceId: no device aaaaaaaa-0000-4000-8000-000000000123 is known/,
    );
    expect(
      db.prepare('SELECT count(*) FROM device_names WHERE operator_name IS NOT NULL').pluck().get(),
    ).toBe(0);
  });

  it('makes SceneMarks searchable by the name shown, and lists it in the facets', () => {
    deliver(lobby, 4, 'LOBBY');
    deliver(dock, 5, 'DOCK');
    const devices = directory();
    devices.list();
    const query = new SceneMarkQueryService(db);
    const search = (text: string) =>
      query.querySceneMarks({ text, pageSize: 100 }).rows.map((row) => row.deviceId);
    expect(search('lobby')).toEqual(Array(4).fill(lobby));
    expect(search('Loading Dock')).toEqual(Array(5).fill(dock));
    devices.rename(dock, 'Yard');
    expect(search('yard')).toEqual(Array(5).fill(dock));
    expect(search('Loading Dock')).toEqual([]);
    expect(
      query
        .listFacets()
        .devices.map((device) => device.name)
        .sort(),
    ).toEqual(['CAM 01 Lobby', 'Yard']);
  });
});

describe('RenameDeviceRequest', () => {
  it.each([
    ['an empty name', { deviceId: lobby, name: '   ' }, 'name', /must not be empty/],
    ['a long name', { deviceId: lobby, name: 'x'.repeat(65) }, 'name', /at most 64/],
    ['a control character', { deviceId: lobby, name: 'a\u0007b' }, 'name', /control characters/],
    ['a DeviceID that is not one', { deviceId: 'lobby', name: 'Lobby' }, 'deviceId', /EndPointID/],
  ])('refuses %s, naming the field', (_case, input, field, message) => {
    const result = RenameDeviceRequest.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([field]);
    expect(result.error?.issues[0]?.message).toMatch(message);
  });

  it('trims a name and takes null', () => {
    expect(RenameDeviceRequest.parse({ deviceId: lobby, name: '  Lobby  ' }).name).toBe('Lobby');
    expect(RenameDeviceRequest.parse({ deviceId: lobby, name: null }).name).toBeNull();
  });
});
