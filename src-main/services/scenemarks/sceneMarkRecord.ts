import { createHash } from 'node:crypto';
import { NiceProtocolError } from '../../core/nice/niceProtocolError';
import { parseSceneMark, type NormalisedSceneMark, type ParsedSceneMark } from '../../core/nice/sceneMark';
import type { SceneMark } from '../../core/nice/sceneMarkSchema';

/** SceneData at most this large (decoded) is kept inline with its SHA-256 (issue #5 item 1). */
export const inlineSceneDataMaxBytes = 256 * 1024;

/** One detected object as stored (migration 0004 `detected_objects`). */
export interface SceneMarkRecordObject {
  itemType: string;
  probability: number | null;
  x: number | null;
  y: number | null;
  width: number | null;
  height: number | null;
}

/** SceneData that came with its content embedded in the SceneMark. */
export interface SceneMarkRecordData {
  sceneDataId: string;
  mediaFormat: string | null;
  byteSize: number;
  sha256: string;
  /** The decoded content when it is small enough to keep inline, else null. */
  content: Uint8Array | null;
  uri: string | null;
}

/**
 * Everything the store and the live summary need from one valid SceneMark, and nothing else:
 * flat and small, because parse workers send it back to main by structured clone (the whole
 * validated object would cost main more to receive than to parse). The original bytes stay
 * with the caller.
 */
export interface SceneMarkRecord {
  sceneMarkId: string;
  time: number;
  deviceId: string | null;
  nodeId: string;
  portId: string | null;
  eventType: NormalisedSceneMark['eventType'];
  status: NormalisedSceneMark['status'];
  itemTypes: NormalisedSceneMark['itemTypes'];
  highestProbability: number | null;
  version: string;
  revision: number;
  objects: SceneMarkRecordObject[];
  /** SceneData with embedded content; references (URI only) are read from the original. */
  embeddedData: SceneMarkRecordData[];
  /** Every SceneDataID the SceneMark lists, to link files that arrived before it. */
  sceneDataIds: string[];
}

/** What parsing one input gave: a record, or the reason it is a reject. */
export type SceneMarkParseOutcome =
  { ok: true; record: SceneMarkRecord } | { ok: false; reason: string; field: string | null };

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

/** The record of an already validated SceneMark (decodes and hashes embedded SceneData). */
export function toSceneMarkRecord(parsed: ParsedSceneMark): SceneMarkRecord {
  const { normalised, sceneMark } = parsed;
  const embeddedData: SceneMarkRecordData[] = [];
  for (const data of sceneMark.SceneDataList ?? []) {
    if (data.EmbeddedSceneData === undefined) continue;
    const bytes = Buffer.from(data.EmbeddedSceneData, 'base64');
    embeddedData.push({
      sceneDataId: data.SceneDataID,
      mediaFormat: data.MediaFormat ?? null,
      byteSize: bytes.byteLength,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      content: bytes.byteLength <= inlineSceneDataMaxBytes ? bytes : null,
      uri: data.SceneDataURI ?? null,
    });
  }
  return {
    sceneMarkId: normalised.sceneMarkId,
    time: normalised.time,
    deviceId: normalised.deviceId,
    nodeId: normalised.nodeId,
    portId: normalised.portId,
    eventType: normalised.eventType,
    status: normalised.status,
    itemTypes: normalised.itemTypes,
    highestProbability: normalised.highestProbability,
    version: normalised.version,
    revision: sceneMarkRevision(sceneMark),
    objects: normalised.objects.map((object) => ({
      itemType: object.itemType,
      probability: object.probability,
      x: object.box?.XCoordinate ?? null,
      y: object.box?.YCoordinate ?? null,
      width: object.box?.Width ?? null,
      height: object.box?.Height ?? null,
    })),
    embeddedData,
    sceneDataIds: normalised.sceneDataIds,
  };
}

/** Parses and validates raw bytes into a record; invalid input gives the reject reason and field. */
export function parseSceneMarkRecord(bytes: Uint8Array): SceneMarkParseOutcome {
  try {
    return { ok: true, record: toSceneMarkRecord(parseSceneMark(bytes)) };
  } catch (error) {
    return {
      ok: false,
      reason: error instanceof Error ? error.message : String(error),
      field: error instanceof NiceProtocolError ? (error.field ?? null) : null,
    };
  }
}
