import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  generateEndpointKeyPair,
  parseEndpointPrivateJwk,
  toEndpointPublicJwk,
  type EndpointPrivateJwk,
  type EndpointPublicJwk,
} from '../core/nice/endpointKeys';
import { isEndPointId } from '../core/nice/endPointId';

/** The file, inside the state directory, that keeps the cameras' identities. */
export const CAMERA_IDENTITY_FILE = 'simulator-cameras.json';

/** CommandIDs reserved per write (see commandIds): a crash loses at most this many numbers. */
const COMMAND_ID_BLOCK = 10_000;

/** One simulated camera's identity: what makes it the same device across restarts. */
export interface CameraIdentity {
  index: number;
  endPointId: string;
  name: string;
  privateJwk: EndpointPrivateJwk;
  publicJwk: EndpointPublicJwk;
}

const StoredCamera = z.object({
  index: z.number().int().min(0),
  endPointId: z.string().refine(isEndPointId),
  name: z.string().min(1).max(64),
  privateJwk: z.unknown(),
  /** First CommandID not yet handed out by an earlier run (hi/lo reservation). */
  nextCommandId: z.number().int().min(0).default(0),
});
type StoredCamera = z.output<typeof StoredCamera>;

const StoredFile = z.object({ version: z.literal(1), cameras: z.array(StoredCamera) });

const places = [
  'Lobby',
  'Parking',
  'Main Gate',
  'Loading Dock',
  'Warehouse',
  'Corridor',
  'Reception',
  'Rooftop',
  'Canteen',
  'Side Street',
  'Stairwell',
  'Yard',
];

/** A name the video overlay can draw (its font has A–Z, digits and a few signs). */
export function defaultCameraName(index: number): string {
  return `CAM ${String(index + 1).padStart(2, '0')} ${places[index % places.length] ?? 'Street'}`;
}

/**
 * A device EndPointID in the pattern public NICE deployments show (digest §6.8): a random
 * issuer group, the creation time in seconds, `8002` for devices, the camera index as serial.
 */
export function newDeviceEndPointId(index: number, nowMs = Date.now()): string {
  const seconds = Math.floor(nowMs / 1000)
    .toString(16)
    .padStart(8, '0')
    .slice(-8);
  const issuer = randomBytes(4).toString('hex');
  return `${issuer}-${seconds.slice(0, 4)}-${seconds.slice(4)}-8002-${index.toString(16).padStart(12, '0')}`;
}

/**
 * Keeps the simulated cameras' identities (EndPointID, P-256 key pair, name) in
 * `{stateDir}/simulator-cameras.json`, so a restarted simulator presents the same devices and
 * the account service keeps them bound. The file holds private keys: written 0600, atomically.
 * It also carries each camera's CommandID high-water mark: CommandIDs must keep increasing
 * across runs, or peers' replay caches (10 min) would answer a new request with an old reply.
 */
export class CameraIdentityStore {
  private constructor(
    private readonly file: string,
    private readonly stored: StoredCamera[],
    readonly identities: CameraIdentity[],
  ) {}

  /** Loads the file (creating it or missing cameras) and returns the first `count` identities. */
  static async open(stateDir: string, count: number): Promise<CameraIdentityStore> {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const file = join(stateDir, CAMERA_IDENTITY_FILE);
    const stored = existsSync(file) ? readStored(file) : [];
    const identities: CameraIdentity[] = [];
    for (let index = 0; index < count; index += 1) {
      let entry = stored.find((camera) => camera.index === index);
      if (!entry) {
        const endPointId = newDeviceEndPointId(index);
        const keys = await generateEndpointKeyPair(endPointId);
        entry = {
          index,
          endPointId,
          name: defaultCameraName(index),
          privateJwk: keys.privateJwk,
          nextCommandId: 0,
        };
        stored.push(entry);
      }
      const privateJwk = parseEndpointPrivateJwk(entry.privateJwk, `cameras.${index}.privateJwk`);
      if (privateJwk.kid !== entry.endPointId.toLowerCase()) {
        throw new Error(`${file}: camera ${index} has a key for another EndPointID`);
      }
      identities.push({
        index,
        endPointId: entry.endPointId.toLowerCase(),
        name: entry.name,
        privateJwk,
        publicJwk: toEndpointPublicJwk(privateJwk),
      });
    }
    stored.sort((a, b) => a.index - b.index);
    const store = new CameraIdentityStore(file, stored, identities);
    store.write();
    return store;
  }

  /**
   * The CommandID source of camera `index`: continues above every number an earlier run may
   * have used, reserving blocks in the file before handing them out.
   */
  commandIds(index: number): () => number {
    const entry = this.stored.find((camera) => camera.index === index);
    if (!entry) throw new RangeError(`no camera ${index}`);
    let next = entry.nextCommandId;
    entry.nextCommandId = next + COMMAND_ID_BLOCK;
    this.write();
    return () => {
      if (next >= entry.nextCommandId) {
        entry.nextCommandId = next + COMMAND_ID_BLOCK;
        this.write();
      }
      const value = next;
      next += 1;
      return value;
    };
  }

  private write(): void {
    const text = `${JSON.stringify({ version: 1, cameras: this.stored }, null, 2)}\n`;
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, text, { mode: 0o600 });
    renameSync(temporary, this.file);
  }
}

function readStored(file: string): StoredCamera[] {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(
      `${file} is not readable JSON: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
  const parsed = StoredFile.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue?.path.join('.') ?? '$'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data.cameras;
}
