import { z } from 'zod';
import { parseEndpointPublicJwk, type EndpointPublicJwk } from '../../core/nice/endpointKeys';
import { NiceProtocolError } from '../../core/nice/niceProtocolError';
import { isJsonObject } from '../../core/nice/niceValidation';

/**
 * Inner bodies (Payload.Body) the account service receives, as zod schemas (NICE profile
 * "Exact bodies"). parseBody turns the first problem into a MALFORMED NiceProtocolError whose
 * message reads `DeviceID: must be an EndPointID`, which NiceEndpoint answers with 400.
 */

const END_POINT_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** A string member; a missing one is reported as required by parseBody. */
const text = (max: number) =>
  z
    .string({ error: 'must be a string' })
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` });

/** Body schema version: `1.0` as the profile emits it; `1` accepted on input. */
const version = z.enum(['1.0', '1'], { error: 'must be "1.0"' });

const endPointId = z
  .string({ error: 'must be an EndPointID' })
  .regex(END_POINT_ID, { error: 'must be an EndPointID' })
  .transform((value) => value.toLowerCase());

const nodeId = z
  .string({ error: 'must be a NodeID (4 hex digits)' })
  .regex(/^[0-9a-fA-F]{4}$/, { error: 'must be a NodeID (4 hex digits)' })
  .transform((value) => value.toLowerCase());

/** SessionIDs are UUIDs in practice; any short token of URL-safe characters is accepted. */
const sessionId = z
  .string({ error: 'must be a SessionID' })
  .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be 1 to 64 letters, digits, "-" or "_"' });

/** The purposes a control session can serve (profile: EstablishControlSession). */
export const SESSION_PURPOSES = ['Control', 'Data', 'Streaming'] as const;
export type SessionPurpose = (typeof SESSION_PURPOSES)[number];

const iceServer = z.strictObject({
  urls: z.union([text(512), z.array(text(512)).min(1).max(8)], { error: 'must be a URL or a list of URLs' }),
  username: z.string().max(256).optional(),
  credential: z.string().max(256).optional(),
});

/** An ICE server as WebRTC's RTCIceServer spells it. */
export type IceServer = z.output<typeof iceServer>;

/**
 * GetManagementEndPoint request body: the profile's `{"Version", "DeviceID"}`, plus this
 * project's optional extras `DeviceName`, `DeviceJWK` and `NodeIDs` (v0.9 gives the device's
 * public key no other way to reach the account service; without it bodies to the device go plain).
 */
export const GetManagementEndPointBody = z.strictObject({
  Version: version,
  DeviceID: endPointId,
  DeviceName: text(128).optional(),
  DeviceJWK: z.custom<Record<string, unknown>>(isJsonObject, { error: 'must be a JWK object' }).optional(),
  NodeIDs: z
    .array(nodeId)
    .max(64, { error: 'must list at most 64 NodeIDs' })
    .refine((values) => !hasDuplicates(values), { error: 'must not list a NodeID twice' })
    .optional(),
});

/** EstablishControlSession request body (app → AS). */
export const EstablishControlSessionBody = z.strictObject({
  Version: version,
  SessionID: sessionId,
  DeviceID: endPointId,
  NodeID: nodeId.optional(),
  ControlProtocol: z.literal('WebRTC', { error: 'must be "WebRTC"' }),
  Purpose: z
    .array(z.enum(SESSION_PURPOSES, { error: `must be one of ${SESSION_PURPOSES.join(', ')}` }))
    .min(1, { error: 'must name at least one purpose' })
    .refine((values) => !hasDuplicates(values), { error: 'must not list a purpose twice' }),
  SignalingTopic: text(256),
  IceServers: z.array(iceServer).max(8, { error: 'must list at most 8 servers' }).optional(),
});
export type EstablishControlSessionBody = z.output<typeof EstablishControlSessionBody>;

/**
 * GetControlObject request body (device → AS; digest §2.5, a NICE 1.1 command the profile does
 * not list): the device asks for the endpoint objects of the apps that may call it.
 */
export const GetControlObjectBody = z.strictObject({
  Version: version,
  DeviceID: endPointId,
});

/** CloseControlSession request body (either peer → AS). */
export const CloseControlSessionBody = z.strictObject({
  Version: version,
  SessionID: sessionId,
  Reason: z
    .string({ error: 'must be a string' })
    .max(256, { error: 'must be at most 256 characters' })
    .optional(),
});

/** A device's answer to SetManagementObject; extra members are tolerated in answers. */
export const SetManagementObjectReply = z.looseObject({
  Version: version,
  DeviceID: endPointId,
  Result: z.enum(['Bound', 'Released'], { error: 'must be "Bound" or "Released"' }),
});

/** A device's answer to SetControlObject. */
export const SetControlObjectReply = z.looseObject({
  Version: version,
  SessionID: sessionId,
  Result: z.enum(['Opening', 'Closed'], { error: 'must be "Opening" or "Closed"' }),
});

/**
 * Validates an inner body against `schema`; throws NiceProtocolError MALFORMED naming the member
 * at fault (`NodeIDs.1`, `IceServers.0.urls`), `Payload.Body` when the body itself is wrong.
 */
export function parseBody<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  if (!isJsonObject(value)) {
    throw new NiceProtocolError('MALFORMED', 'must be a JSON object', 'Payload.Body');
  }
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new NiceProtocolError('MALFORMED', 'is not valid', 'Payload.Body');
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    throw new NiceProtocolError(
      'MALFORMED',
      'is not a member of this body',
      [...path, issue.keys[0]].join('.'),
    );
  }
  const message = 'input' in issue && issue.input === undefined ? 'is required' : issue.message;
  throw new NiceProtocolError('MALFORMED', message, path.length > 0 ? path.join('.') : 'Payload.Body');
}

/** Validates the device's key: an EC P-256 public JWK whose kid is the DeviceID. */
export function parseDeviceJwk(value: unknown, deviceId: string): EndpointPublicJwk {
  const jwk = parseEndpointPublicJwk(value, 'DeviceJWK');
  if (jwk.kid !== deviceId) throw new NiceProtocolError('MALFORMED', 'must equal DeviceID', 'DeviceJWK.kid');
  return jwk;
}

/** Whether a list names the same value twice. */
export function hasDuplicates(values: readonly string[]): boolean {
  return new Set(values).size !== values.length;
}
