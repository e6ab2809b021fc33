import { z } from 'zod';
import { parseEndpointPublicJwk, type EndpointPublicJwk } from '../core/nice/endpointKeys';
import { isEndPointId } from '../core/nice/endPointId';
import { NiceProtocolError } from '../core/nice/niceProtocolError';
import { isJsonObject } from '../core/nice/niceValidation';
import { AppEndPoint, NetEndPoint } from '../core/nice/sceneMode';

/*
 * The inner bodies a simulated camera receives or reads (NICE profile "Exact bodies"), as zod
 * schemas. Requests are strict about what the device acts on and tolerant of extra members in
 * answers from the account service.
 */

const version = z.string().regex(/^1(\.0)?$/, 'must be "1.0"');
const endPointId = z
  .string()
  .refine(isEndPointId, 'must be an EndPointID')
  .transform((value) => value.toLowerCase());
const fourHex = z
  .string()
  .regex(/^[0-9a-fA-F]{4}$/, 'must be 4 hex digits')
  .transform((value) => value.toLowerCase());
const sessionId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "-" or "_"');
const jwk = z.unknown().transform((value, context): EndpointPublicJwk => {
  try {
    return parseEndpointPublicJwk(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: error instanceof Error ? error.message : 'not a P-256 JWK' });
    return z.NEVER;
  }
});

/** An endpoint object; its key is optional ("JWK?" in the profile's endpoint objects). */
const EndpointObject = z.looseObject({
  AppEndPoint: AppEndPoint.extend({ JWK: jwk.optional() }),
  NetEndPoint: NetEndPoint,
});

/** Answer of GetManagementEndPoint (LA → device). */
export const ManagementEndPointReply = z.looseObject({
  Version: version,
  NICELAEndPoint: EndpointObject,
  ManagementEndPoint: EndpointObject,
  DeviceToken: z.string().min(1),
});
export type ManagementEndPointReply = z.output<typeof ManagementEndPointReply>;

/**
 * Answer of GetControlObject (AS → device, digest §2.5): the endpoint objects of the apps that
 * may call the device. Only AppEndPoints with a usable JWK are of use; the rest are skipped.
 */
export const ControlObjectReply = z.looseObject({
  Version: version,
  DeviceID: endPointId,
  ControlEndPoints: z
    .array(z.looseObject({ AppEndPoint: AppEndPoint, NetEndPoint: NetEndPoint.optional() }))
    .max(1024),
});

/** SetManagementObject (AS → device). */
export const SetManagementObjectBody = z.looseObject({
  Version: version,
  DeviceID: endPointId,
  Action: z.enum(['Bind', 'Release']),
  NICEAS: z
    .looseObject({
      NICEASID: endPointId,
      NICEASName: z.string().max(256).optional(),
      NICEASEndPoint: EndpointObject,
      RevokedJSONTokenIDs: z.array(z.string().max(128)).max(10_000).default([]),
    })
    .optional(),
  DeviceToken: z.string().min(1).optional(),
});
export type SetManagementObjectBody = z.output<typeof SetManagementObjectBody>;

const IceServer = z.looseObject({
  urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  username: z.string().optional(),
  credential: z.string().optional(),
});

/**
 * ControlSession of SetControlObject Open: every member required (profile clarification);
 * members a later account service adds are tolerated.
 */
export const OpenControlSession = z.looseObject({
  SessionID: sessionId,
  PeerEndPointID: endPointId,
  PeerJWK: jwk,
  SignalingTopic: z.string().min(1).max(256),
  LocalSignalingTopic: z.string().min(1).max(256),
  IceServers: z.array(IceServer).max(8),
  Purpose: z.array(z.enum(['Control', 'Data', 'Streaming'])).min(1),
  Action: z.literal('Open'),
  ExpiresAt: z.string().min(20).max(30),
});
export type OpenControlSession = z.output<typeof OpenControlSession>;

/** SetControlObject (AS → device): Open with every member, or Close with SessionID. */
export const SetControlObjectBody = z.looseObject({
  Version: version,
  DeviceID: endPointId,
  ControlSession: z.discriminatedUnion('Action', [
    OpenControlSession,
    z.looseObject({ SessionID: sessionId, Action: z.literal('Close') }),
  ]),
  AccessToken: z.string().min(1).optional(),
});
export type SetControlObjectBody = z.output<typeof SetControlObjectBody>;

/** WebRTCSignaling (peer → device). */
export const SignalingBody = z.looseObject({
  Version: version.optional(),
  SessionID: sessionId,
  Type: z.enum(['offer', 'answer', 'candidate', 'bye']),
  SDP: z.string().min(1).max(65_536).optional(),
  Candidate: z
    .looseObject({
      candidate: z.string().max(2048),
      sdpMid: z.string().max(64).nullable().optional(),
      sdpMLineIndex: z.number().int().min(0).max(255).nullable().optional(),
    })
    .optional(),
});
export type SignalingBody = z.output<typeof SignalingBody>;

/** StartStreaming (app → device node). */
export const StartStreamingBody = z.looseObject({
  Version: version,
  NodeID: fourHex.optional(),
  PortID: fourHex,
  StreamID: z.string().min(1).max(64),
  Video: z
    .looseObject({
      Width: z.number().int().min(16).max(8192),
      Height: z.number().int().min(16).max(8192),
      FrameRate: z.number().min(1).max(120),
      Codec: z.string().max(32).optional(),
    })
    .optional(),
  Audio: z.boolean().optional(),
});
export type StartStreamingBody = z.output<typeof StartStreamingBody>;

/** StopStreaming (app → device node). */
export const StopStreamingBody = z.looseObject({ Version: version, StreamID: z.string().min(1).max(64) });

/** Requests that only name the device or the node. */
export const DeviceQueryBody = z.looseObject({ Version: version, DeviceID: endPointId.optional() });
export const NodeQueryBody = z.looseObject({ Version: version, NodeID: fourHex.optional() });

/**
 * Validates a body; throws NiceProtocolError MALFORMED naming the member at fault, which
 * NiceEndpoint answers with 400 and that name in ReplyStatusMessage.
 */
export function parseBody<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  if (!isJsonObject(value)) throw new NiceProtocolError('MALFORMED', 'must be a JSON object', 'Payload.Body');
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.map(String) ?? [];
  if (issue?.code === 'unrecognized_keys') {
    throw new NiceProtocolError(
      'MALFORMED',
      'is not a member of this body',
      [...path, issue.keys[0]].join('.'),
    );
  }
  const message = issue && 'input' in issue && issue.input === undefined ? 'is required' : issue?.message;
  throw new NiceProtocolError('MALFORMED', message ?? 'is not valid', path.join('.') || 'Payload.Body');
}
