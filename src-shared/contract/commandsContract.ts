import { z } from 'zod';
import { EndPointId, NodeId } from './niceIds';

const ApiName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/, { error: 'must be an API name such as GetDeviceStatus' });

/** A public EC P-256 JWK of a recipient, to encrypt a request body to it. */
export const RecipientJwk = z.strictObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: z.string().max(64),
  y: z.string().max(64),
  kid: z.string().max(64).optional(),
  use: z.string().max(8).optional(),
  alg: z.string().max(32).optional(),
});
export type RecipientJwk = z.infer<typeof RecipientJwk>;

/**
 * Request of `commands:sendCommand`: one CMF command from the console to an endpoint over a
 * connected broker profile (v0.9 §4, §8). The body is the inner JSON object; main builds the
 * envelope, encrypts the body when a recipient key is given, and correlates the response.
 */
export const SendCommandRequest = z
  .strictObject({
    profileId: z.string().min(1).max(64),
    targetEndPointId: EndPointId,
    interface: z.enum(['management', 'control']),
    nodeId: NodeId.optional(),
    api: ApiName,
    body: z.record(z.string(), z.unknown()),
    /**
     * JWT the callee checks. Empty: main gets one with the interface's permission from the
     * account service the target is bound to (sent empty only on GetManagementEndPoint).
     */
    accessToken: z.string().max(8192).default(''),
    /**
     * Encrypt the body to this key (EncryptionOn true). Without it main uses the key the account
     * service holds for the target, else the body goes as plain JSON.
     */
    recipientJwk: RecipientJwk.optional(),
    timeoutMs: z.number().int().min(100).max(120_000).default(5000),
    resends: z.number().int().min(0).max(10).default(2),
  })
  .refine((request) => request.interface === 'management' || request.nodeId !== undefined, {
    message: 'is required for a control command',
    path: ['nodeId'],
  });
export type SendCommandRequest = z.infer<typeof SendCommandRequest>;

/** One CMF message as it went over the wire, for the command console to show. */
export const WireMessage = z.strictObject({
  topic: z.string(),
  text: z.string(),
});

/** Reply of `commands:sendCommand`. */
export const SendCommandResponse = z.strictObject({
  commandId: z.number().int().nonnegative(),
  request: WireMessage,
  response: WireMessage,
  replyStatusCode: z.number().int(),
  replyErrorCode: z.number().int(),
  replyStatusMessage: z.string(),
  /** The decoded inner body, when it could be decoded. */
  body: z.unknown().optional(),
  /** Why the body could not be decoded, when it could not. */
  bodyError: z.string().optional(),
  encrypted: z.boolean(),
  latencyMs: z.number().nonnegative(),
  attempts: z.number().int().positive(),
});
export type SendCommandResponse = z.infer<typeof SendCommandResponse>;
