import { z } from 'zod';
import { isEndPointId } from './endPointId';
import {
  analysisStageAliases,
  analysisStages,
  dataTypes,
  niceItemTypes,
  outputTypes,
  roiSeverities,
  roiTypes,
  schedulingTypes,
  sceneModeTypes,
  schemeProtocols,
  schemeRoles,
} from './niceEnumerations';
import {
  asList,
  canonicalEnum,
  canonicalNodeOrPort,
  canonicalVersion,
  isJsonObject,
  mapMembers,
  numericValue,
  parseJsonObjectInput,
  parseWith,
} from './niceValidation';
import { Resolution } from './sceneMarkSchema';

/*
 * The SceneMode object (digest §3.5), the body of SetSceneMode (NICE profile "SetSceneMode").
 * SceneMark destinations live in `Mode.SceneMarkOutputList[].SceneMarkOutputEndPoint`, a
 * NetEndPoint whose Scheme picks MQTT, WebAPI or WebRTC; SceneData destinations in
 * `Outputs[].DestinationEndPointList`. Parsing is lenient (numbers as text, enum spellings,
 * Scenera's `{AppEndPoint, NetEndPoint}` output items); the result is canonical.
 */

const Text = z.string().max(65_536, 'longer than 65536 characters');
const FourHex = z.string().regex(/^[0-9a-f]{4}$/, 'expected four hex digits');
const EndPointId = z
  .string()
  .refine((value) => isEndPointId(value), 'expected an EndPointID (8-4-4-4-12 hex digits)')
  .transform((value) => value.toLowerCase());
const Fraction = z.number().min(0, 'below 0').max(1, 'above 1');
const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM');

/** MQTT scheme of a NetEndPoint; QoS 0..2 is the data QoS (v0.9 §8.2), default 0. */
export const MqttScheme = z.looseObject({
  Protocol: z.literal('MQTT'),
  Authority: z
    .string()
    .regex(/^(mqtts?|wss?):\/\/[^\s/]+/, 'expected mqtt://, mqtts://, ws:// or wss:// and a host'),
  ClientID: Text.optional(),
  Username: Text.optional(),
  Password: Text.optional(),
  QoS: z.union([z.literal(0), z.literal(1), z.literal(2)], { error: 'expected 0, 1 or 2' }).default(0),
  Role: z.enum(schemeRoles).optional(),
});

/** WebAPI (HTTPS) scheme of a NetEndPoint. */
export const WebApiScheme = z.looseObject({
  Protocol: z.literal('WebAPI'),
  Authority: z.string().regex(/^(https?:\/\/)?[^\s/]+/, 'expected https://host[:port]'),
  AccessToken: Text.optional(),
  Role: z.enum(schemeRoles).optional(),
});

/** WebRTC scheme of a NetEndPoint (no authority; data over a DataChannel, v0.9 §9.4). */
export const WebRtcScheme = z.looseObject({
  Protocol: z.literal('WebRTC'),
  IceServers: z
    .array(
      z.looseObject({
        urls: z.union([z.string(), z.array(z.string())]),
        username: Text.optional(),
        credential: Text.optional(),
      }),
    )
    .optional(),
  Role: z.enum(schemeRoles).optional(),
});

/** Local scheme (same host, `local://`). */
export const LocalScheme = z.looseObject({ Protocol: z.literal('Local'), Authority: Text.optional() });

const Scheme = z.discriminatedUnion('Protocol', [MqttScheme, WebApiScheme, WebRtcScheme, LocalScheme]);

/** NetEndPoint (NICE profile "Endpoint objects"). */
export const NetEndPoint = z.looseObject({
  APIVersion: z.string().optional(),
  EndPointID: EndPointId,
  NodeID: FourHex.optional(),
  PortID: FourHex.optional(),
  Scheme: z.array(Scheme).min(1, 'needs at least one scheme'),
});
export type NetEndPoint = z.output<typeof NetEndPoint>;

/** AppEndPoint (NICE profile "Endpoint objects"). */
export const AppEndPoint = z.looseObject({
  APIVersion: z.string().optional(),
  EndPointID: EndPointId,
  AccessToken: Text.optional(),
  JWK: z.looseObject({ kty: z.string() }).optional(),
});

/**
 * Encryption of an output. With EncryptionOn the profile uses the CMF JWE (ECDH-ES+A256KW /
 * A256GCM) to the destination's public key; niceapi's A256KW is accepted; RSA1_5 never.
 */
export const OutputEncryption = z
  .looseObject({
    EncryptionOn: z.boolean(),
    SceneEncryptionKeyID: Text.optional(),
    SceneMarkEncryption: z
      .looseObject({
        JWEAlg: z.enum(['ECDH-ES+A256KW', 'A256KW'], { error: 'expected ECDH-ES+A256KW (or A256KW)' }),
        JWEEnc: z.literal('A256GCM', { error: 'expected A256GCM' }),
      })
      .optional(),
    SceneDataEncryption: Text.optional(),
    PrivacyServerEndPoint: z.looseObject({ NetEndPoint: NetEndPoint.optional() }).optional(),
  })
  .default({ EncryptionOn: false });

/** One SceneMark destination. */
export const SceneMarkOutput = z.looseObject({
  SceneMarkOutputEndPoint: NetEndPoint.refine(
    (endPoint) => endPoint.Scheme.some((scheme) => scheme.Protocol !== 'Local'),
    { message: 'a SceneMark destination needs an MQTT, WebAPI or WebRTC scheme', path: ['Scheme'] },
  ),
  AppEndPoint: AppEndPoint.optional(),
  Encryption: OutputEncryption,
});

/** One entry of SceneModeConfig (analysis, triggers, timing). */
export const SceneModeConfig = z.looseObject({
  Analysis: Text.optional(),
  AnalysisStage: z.enum(analysisStages).optional(),
  CustomAnalysisID: Text.optional(),
  CustomAnalysisStage: Text.optional(),
  AnalysisDescription: Text.optional(),
  AnalysisVendor: Text.optional(),
  ExecuteOnPipeline: z.boolean().optional(),
  AnalysisThreshold: Fraction.optional(),
  AnalysisSampleRate: z.number().positive('must be positive').optional(),
  AnalysisRegion: z
    .union([
      z.looseObject({
        ROIType: z.enum(roiTypes),
        ROICoords: z.array(
          z.looseObject({
            Severity: z.enum(roiSeverities).optional(),
            Coords: z.array(z.looseObject({ XCoord: z.number(), YCoord: z.number() })),
          }),
        ),
      }),
      z.array(z.looseObject({ XCoord: z.number(), YCoord: z.number() })),
    ])
    .optional(),
  IgnoreObjectDetection: z
    .looseObject({ ObjectLargerThan: Fraction.optional(), ObjectSmallerThan: Fraction.optional() })
    .optional(),
  Scheduling: z
    .array(
      z.looseObject({
        SchedulingType: z.enum(schedulingTypes),
        StartTime: ClockTime.optional(),
        EndTime: ClockTime.optional(),
      }),
    )
    .optional(),
  Filters: z
    .looseObject({
      IgnoreTheseDetectedItems: z.array(z.enum(niceItemTypes)).optional(),
      TriggerOnTheseDetectedItems: z.array(z.enum(niceItemTypes)).optional(),
    })
    .optional(),
  MinimumSceneData: z
    .array(
      z.looseObject({
        DataType: z.enum(dataTypes),
        Count: z.number().int('expected an integer').min(0, 'must not be negative').optional(),
        Required: z.boolean().optional(),
      }),
    )
    .optional(),
  AnalysisParams: z.array(z.looseObject({ ParamName: Text, ParamValue: z.unknown() })).optional(),
  StartTimeRelTrigger: z.number().optional(),
  EndTimeRelTrigger: z.number().optional(),
  SceneMarkWindow: z.number().min(0, 'must not be negative').optional(),
  /** Seconds between SceneMarks of continuous analysis (NICE profile: default 1). */
  SceneMarkFrequency: z.number().positive('must be positive').default(1),
  Encryption: OutputEncryption.optional(),
});

/** The Mode member: analysis and the SceneMark destinations. */
export const SceneModeMode = z.looseObject({
  SceneMode: z.enum(sceneModeTypes),
  SceneModeConfig: z.array(SceneModeConfig).min(1, 'needs at least one entry'),
  CustomAnalysis: z.array(z.unknown()).optional(),
  LabelRefDataList: z.array(z.unknown()).optional(),
  SceneMarkInputList: z.array(z.unknown()).optional(),
  SceneMarkOutputList: z.array(SceneMarkOutput).default([]),
  AudioAnalysisID: Text.optional(),
  TransducerInput: z.array(z.unknown()).optional(),
});

/** A SceneData output with its destinations. */
export const SceneModeOutput = z.looseObject({
  Type: z.enum(outputTypes),
  PortID: FourHex,
  DestinationEndPointList: z
    .array(z.looseObject({ AppEndPoint: AppEndPoint.optional(), NetEndPoint: NetEndPoint }))
    .default([]),
  Resolution: Resolution.optional(),
  Encryption: OutputEncryption.optional(),
});

/** The SceneMode object (digest §3.5), body of SetSceneMode and answer of GetSceneMode. */
export const SceneMode = z.looseObject({
  Version: z.string().regex(/^1\.\d+$/, 'expected "1.0"'),
  SceneModeID: EndPointId,
  NodeID: FourHex,
  Inputs: z.array(z.looseObject({})).optional(),
  Outputs: z.array(SceneModeOutput).optional(),
  Mode: SceneModeMode.optional(),
  Transducers: z.array(z.looseObject({})).optional(),
  Storage: z.looseObject({}).optional(),
});
/** A validated SceneMode in canonical spelling. */
export type SceneMode = z.output<typeof SceneMode>;

/** Answer body of SetSceneMode (NICE profile). */
export const SceneModeResult = z.looseObject({
  Version: z.string().regex(/^1\.\d+$/, 'expected "1.0"'),
  NodeID: FourHex,
  SceneModeID: EndPointId,
  Status: z.enum(['Applied', 'Rejected']),
  Reason: Text.optional(),
});
export type SceneModeResult = z.output<typeof SceneModeResult>;

/** Largest SceneMode accepted from bytes, by default. */
export const defaultSceneModeMaxBytes = 1024 * 1024;

/**
 * Validates a SetSceneMode body: an object, JSON text or UTF-8 bytes. Throws
 * NiceProtocolError('MALFORMED') whose `field` names the offending member.
 */
export function parseSceneMode(input: unknown, options: { maxBytes?: number } = {}): SceneMode {
  const value = parseJsonObjectInput(input, options.maxBytes ?? defaultSceneModeMaxBytes, 'SceneMode');
  return parseWith(SceneMode, canonicalSceneMode(value), 'SceneMode');
}

/** Validates a SetSceneMode answer body. */
export function parseSceneModeResult(value: unknown): SceneModeResult {
  return parseWith(
    SceneModeResult,
    isJsonObject(value) ? { ...value, NodeID: canonicalNodeOrPort(value.NodeID) } : value,
    'SceneModeResult',
  );
}

// ---------------------------------------------------------------------------------------------
// Variant mapping.

function canonicalScheme(value: unknown): unknown {
  if (!isJsonObject(value)) return value;
  const scheme = mapMembers(value, ['QoS'], numericValue);
  return {
    ...scheme,
    Protocol: canonicalEnum(scheme.Protocol, schemeProtocols, { webapi: 'WebAPI', https: 'WebAPI' }),
  };
}

function canonicalNetEndPoint(value: unknown): unknown {
  if (!isJsonObject(value)) return value;
  const endPoint = mapMembers(value, ['NodeID', 'PortID'], canonicalNodeOrPort);
  return {
    ...endPoint,
    Scheme: Array.isArray(asList(endPoint.Scheme))
      ? (asList(endPoint.Scheme) as unknown[]).map(canonicalScheme)
      : endPoint.Scheme,
  };
}

function canonicalSceneModeConfig(value: unknown): unknown {
  if (!isJsonObject(value)) return value;
  const config = mapMembers(
    value,
    [
      'AnalysisThreshold',
      'AnalysisSampleRate',
      'StartTimeRelTrigger',
      'EndTimeRelTrigger',
      'SceneMarkWindow',
      'SceneMarkFrequency',
    ],
    numericValue,
  );
  const filters = isJsonObject(config.Filters)
    ? mapMembers(config.Filters, ['IgnoreTheseDetectedItems', 'TriggerOnTheseDetectedItems'], (list) =>
        Array.isArray(list) ? list.map((item) => canonicalEnum(item, niceItemTypes)) : list,
      )
    : config.Filters;
  return {
    ...config,
    ...('AnalysisStage' in config
      ? { AnalysisStage: canonicalEnum(config.AnalysisStage, analysisStages, analysisStageAliases) }
      : {}),
    ...('Filters' in config ? { Filters: filters } : {}),
  };
}

/**
 * Scenera's controller emits `SceneMarkOutputList[{AppEndPoint, NetEndPoint}]` (digest §3.5);
 * the NetEndPoint becomes `SceneMarkOutputEndPoint`.
 */
function canonicalSceneMarkOutput(value: unknown): unknown {
  if (!isJsonObject(value)) return value;
  const { NetEndPoint: net, ...rest } = value;
  const endPoint = rest.SceneMarkOutputEndPoint ?? net;
  return { ...rest, SceneMarkOutputEndPoint: canonicalNetEndPoint(endPoint) };
}

function canonicalSceneMode(value: Record<string, unknown>): Record<string, unknown> {
  const mode = isJsonObject(value.Mode)
    ? {
        ...value.Mode,
        SceneMode: canonicalEnum(value.Mode.SceneMode, sceneModeTypes),
        SceneModeConfig: Array.isArray(asList(value.Mode.SceneModeConfig))
          ? (asList(value.Mode.SceneModeConfig) as unknown[]).map(canonicalSceneModeConfig)
          : value.Mode.SceneModeConfig,
        ...('SceneMarkOutputList' in value.Mode
          ? {
              SceneMarkOutputList: Array.isArray(asList(value.Mode.SceneMarkOutputList))
                ? (asList(value.Mode.SceneMarkOutputList) as unknown[]).map(canonicalSceneMarkOutput)
                : value.Mode.SceneMarkOutputList,
            }
          : {}),
      }
    : value.Mode;
  const outputs = Array.isArray(value.Outputs)
    ? value.Outputs.map((output) =>
        isJsonObject(output)
          ? {
              ...output,
              Type: canonicalEnum(output.Type, outputTypes),
              PortID: canonicalNodeOrPort(output.PortID),
              ...(Array.isArray(output.DestinationEndPointList)
                ? {
                    DestinationEndPointList: output.DestinationEndPointList.map((item) =>
                      isJsonObject(item)
                        ? { ...item, NetEndPoint: canonicalNetEndPoint(item.NetEndPoint) }
                        : item,
                    ),
                  }
                : {}),
            }
          : output,
      )
    : value.Outputs;
  return {
    ...value,
    Version: canonicalVersion(value.Version),
    NodeID: canonicalNodeOrPort(value.NodeID),
    ...('Mode' in value ? { Mode: mode } : {}),
    ...('Outputs' in value ? { Outputs: outputs } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Destinations.

/** Where one SceneMark output goes, with the path the data travels on. */
export type SceneMarkDestination = {
  endPointId: string;
  /** NodeID / PortID of the destination, `0000` when the NetEndPoint names none (profile). */
  nodeId: string;
  portId: string;
  /** `1/{EndPointID}/data/{NodeID}/{PortID}`: MQTT topic, DataChannel label, HTTPS path. */
  dataPath: string;
  encryptionOn: boolean;
  /** Seconds between SceneMarks (SceneModeConfig[0].SceneMarkFrequency, default 1). */
  frequencySeconds: number;
} & (
  | {
      protocol: 'MQTT';
      authority: string;
      qos: 0 | 1 | 2;
      clientId?: string;
      username?: string;
      password?: string;
    }
  | { protocol: 'WebAPI'; authority: string; accessToken?: string }
  | { protocol: 'WebRTC' }
);

/**
 * The SceneMark destinations of a SceneMode, one per output, using the first MQTT, WebAPI or
 * WebRTC scheme of its NetEndPoint (later schemes are alternatives).
 */
export function sceneMarkDestinations(mode: SceneMode): SceneMarkDestination[] {
  const frequencySeconds = mode.Mode?.SceneModeConfig[0]?.SceneMarkFrequency ?? 1;
  return (mode.Mode?.SceneMarkOutputList ?? []).flatMap((output): SceneMarkDestination[] => {
    const endPoint = output.SceneMarkOutputEndPoint;
    const nodeId = endPoint.NodeID ?? '0000';
    const portId = endPoint.PortID ?? '0000';
    const common = {
      endPointId: endPoint.EndPointID,
      nodeId,
      portId,
      dataPath: `1/${endPoint.EndPointID}/data/${nodeId}/${portId}`,
      encryptionOn: output.Encryption.EncryptionOn,
      frequencySeconds,
    };
    const scheme = endPoint.Scheme.find((candidate) => candidate.Protocol !== 'Local');
    switch (scheme?.Protocol) {
      case 'MQTT':
        return [
          {
            ...common,
            protocol: 'MQTT' as const,
            authority: scheme.Authority,
            qos: scheme.QoS,
            ...(scheme.ClientID !== undefined ? { clientId: scheme.ClientID } : {}),
            ...(scheme.Username !== undefined ? { username: scheme.Username } : {}),
            ...(scheme.Password !== undefined ? { password: scheme.Password } : {}),
          },
        ];
      case 'WebAPI':
        return [
          {
            ...common,
            protocol: 'WebAPI' as const,
            authority: scheme.Authority,
            ...(scheme.AccessToken !== undefined ? { accessToken: scheme.AccessToken } : {}),
          },
        ];
      case 'WebRTC':
        return [{ ...common, protocol: 'WebRTC' as const }];
      default:
        return [];
    }
  });
}
