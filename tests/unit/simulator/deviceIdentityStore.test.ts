import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isCanonicalEndPointId } from '../../../src-main/core/nice/endPointId';
import {
  CAMERA_IDENTITY_FILE,
  CameraIdentityStore,
  defaultCameraName,
} from '../../../src-main/simulator/cameraIdentityStore';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nice-sim-ids-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('simulated device identities', () => {
  it('are created once, kept private on disk and the same on the next run', async () => {
    const first = await CameraIdentityStore.open(dir, 2);
    const file = join(dir, CAMERA_IDENTITY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.identities).toHaveLength(2);
    for (const identity of first.identities) {
      expect(isCanonicalEndPointId(identity.endPointId)).toBe(true);
      expect(identity.endPointId.split('-')[3]).toBe('8002');
      expect(identity.publicJwk.kid).toBe(identity.endPointId);
      expect(identity.publicJwk).not.toHaveProperty('d');
    }
    expect(first.identities[1]?.name).toBe(defaultCameraName(1));
    const again = await CameraIdentityStore.open(dir, 3);
    expect(again.identities.slice(0, 2).map((identity) => identity.endPointId)).toEqual(
      first.identities.map((identity) => identity.endPointId),
    );
    expect(again.identities[0]?.privateJwk).toEqual(first.identities[0]?.privateJwk);
    expect(new Set(again.identities.map((identity) => identity.endPointId)).size).toBe(3);
    const fewer = await CameraIdentityStore.open(dir, 1);
    expect(fewer.identities).toHaveLength(1);
    expect(JSON.parse(readFileSync(file, 'utf8')).cameras).toHaveLength(3);
  });

  it('hand out CommandIDs that keep rising across runs, even after a crash', async () => {
    const first = await CameraIdentityStore.open(dir, 1);
    const next = first.commandIds(0);
    const used = [next(), next(), next()];
    expect(used).toEqual([0, 1, 2]);
    // No clean shutdown: the next run starts above everything the first could have used.
    const second = await CameraIdentityStore.open(dir, 1);
    const later = second.commandIds(0)();
    expect(later).toBeGreaterThan(2);
    const third = await CameraIdentityStore.open(dir, 1);
    expect(third.commandIds(0)()).toBeGreaterThan(later);
  });

  it('refuses a damaged file rather than inventing new devices', async () => {
    await CameraIdentityStore.open(dir, 1);
    const file = join(dir, CAMERA_IDENTITY_FILE);
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    stored.cameras[0].privateJwk.d = 'short';
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, JSON.stringify(stored));
    await expect(CameraIdentityStore.open(dir, 1)).rejects.toThrow(/privateJwk\.d/);
  });
});
