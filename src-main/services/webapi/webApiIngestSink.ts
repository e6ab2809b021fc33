import type { SceneDataFile } from '../../core/nice/sceneData';
import type { NormalisedSceneMark, SceneMark } from '../../core/nice/sceneMark';

/** Which WebAPI entry a delivery came in on (NICE profile "Data"). */
export type WebApiDataApi = 'data' | 'SetSceneMark' | 'SetSceneData';

/** Where a delivery came from. */
export interface WebApiSource {
  transport: 'https';
  /** The request path, e.g. `/1/{consoleId}/data/0001/0002/SetSceneMark`. */
  path: string;
  api: WebApiDataApi;
  nodeId: string;
  portId: string;
  remoteAddress: string;
  /** The body was a JWE we decrypted. */
  encrypted: boolean;
  /** SourceEndPointID of the CMF request, on the v0.9 data path. */
  sourceEndPointId?: string;
}

/** A SceneMark that passed validation. */
export interface SceneMarkDelivery {
  /** The SceneMark bytes exactly as the sender produced them (the plaintext of a JWE). */
  original: Uint8Array;
  sceneMark: SceneMark;
  normalised: NormalisedSceneMark;
  source: WebApiSource;
}

/** A reassembled SceneData file whose hash matched. */
export interface SceneDataDelivery {
  file: SceneDataFile;
  source: WebApiSource;
}

/** Input that was refused (HTTP 400) or dropped (incomplete SceneData after its timeout). */
export interface WebApiRejection {
  /** The refused bytes verbatim: the SceneMark or DataSection, or the whole body if unreadable. */
  original: Uint8Array;
  reason: string;
  /** Dotted path of the member at fault, `$` for the whole input. */
  field?: string;
  source: WebApiSource;
}

/**
 * Where the WebAPI server hands what it receives. Rejections are reported here as well as
 * answered with 400, so nothing received is silently dropped (ARCHITECTURE "rejects table").
 * A sink that throws makes the request fail with 500.
 */
export interface WebApiIngestSink {
  onSceneMark(delivery: SceneMarkDelivery): void | Promise<void>;
  onSceneData(delivery: SceneDataDelivery): void | Promise<void>;
  onReject(rejection: WebApiRejection): void | Promise<void>;
}
