import type { SceneMarkParseOutcome, SceneMarkRecord } from './sceneMarkRecord';

/** Parse outcomes flattened into one array of primitives (and embedded SceneData bytes). */
export type PackedOutcomes = (string | number | boolean | null | Uint8Array)[];

/**
 * Flattens parse outcomes for the trip from a parse worker to main. Structured clone of an
 * array of primitives costs main about a fifth of what the same records as objects cost
 * (measured 4 vs 18 µs per SceneMark here), and main's time is what bounds ingest.
 * `unpackOutcomes` reads the fields back in exactly this order.
 */
export function packOutcomes(outcomes: readonly SceneMarkParseOutcome[]): PackedOutcomes {
  const packed: PackedOutcomes = [];
  for (const outcome of outcomes) {
    if (!outcome.ok) {
      packed.push(false, outcome.reason, outcome.field);
      continue;
    }
    const record = outcome.record;
    packed.push(
      true,
      record.sceneMarkId,
      record.time,
      record.deviceId,
      record.nodeId,
      record.portId,
      record.eventType,
      record.status,
      record.highestProbability,
      record.version,
      record.revision,
      record.itemTypes.length,
      ...record.itemTypes,
      record.objects.length,
    );
    for (const object of record.objects)
      packed.push(object.itemType, object.probability, object.x, object.y, object.width, object.height);
    packed.push(record.embeddedData.length);
    for (const data of record.embeddedData)
      packed.push(data.sceneDataId, data.mediaFormat, data.byteSize, data.sha256, data.content, data.uri);
    packed.push(record.sceneDataIds.length, ...record.sceneDataIds);
  }
  return packed;
}

/** The outcomes `packOutcomes` flattened, in order. */
export function unpackOutcomes(packed: PackedOutcomes): SceneMarkParseOutcome[] {
  // The packer wrote each position with the type read here; the casts only restate that. Plain
  // loops and one object literal per record: closures and spreads made this 5x slower.
  const outcomes: SceneMarkParseOutcome[] = [];
  let at = 0;
  while (at < packed.length) {
    if (packed[at++] !== true) {
      outcomes.push({ ok: false, reason: packed[at] as string, field: packed[at + 1] as string | null });
      at += 2;
      continue;
    }
    const sceneMarkId = packed[at] as string;
    const time = packed[at + 1] as number;
    const deviceId = packed[at + 2] as string | null;
    const nodeId = packed[at + 3] as string;
    const portId = packed[at + 4] as string | null;
    const eventType = packed[at + 5] as SceneMarkRecord['eventType'];
    const status = packed[at + 6] as SceneMarkRecord['status'];
    const highestProbability = packed[at + 7] as number | null;
    const version = packed[at + 8] as string;
    const revision = packed[at + 9] as number;
    at += 10;
    const itemTypes: SceneMarkRecord['itemTypes'] = [];
    for (let left = packed[at++] as number; left > 0; left--)
      itemTypes.push(packed[at++] as SceneMarkRecord['itemTypes'][number]);
    const objects: SceneMarkRecord['objects'] = [];
    for (let left = packed[at++] as number; left > 0; left--, at += 6)
      objects.push({
        itemType: packed[at] as string,
        probability: packed[at + 1] as number | null,
        x: packed[at + 2] as number | null,
        y: packed[at + 3] as number | null,
        width: packed[at + 4] as number | null,
        height: packed[at + 5] as number | null,
      });
    const embeddedData: SceneMarkRecord['embeddedData'] = [];
    for (let left = packed[at++] as number; left > 0; left--, at += 6)
      embeddedData.push({
        sceneDataId: packed[at] as string,
        mediaFormat: packed[at + 1] as string | null,
        byteSize: packed[at + 2] as number,
        sha256: packed[at + 3] as string,
        content: packed[at + 4] as Uint8Array | null,
        uri: packed[at + 5] as string | null,
      });
    const sceneDataIds: string[] = [];
    for (let left = packed[at++] as number; left > 0; left--) sceneDataIds.push(packed[at++] as string);
    outcomes.push({
      ok: true,
      record: {
        sceneMarkId,
        time,
        deviceId,
        nodeId,
        portId,
        eventType,
        status,
        itemTypes,
        highestProbability,
        version,
        revision,
        objects,
        embeddedData,
        sceneDataIds,
      },
    });
  }
  return outcomes;
}
