import { z } from 'zod';

/** URL schemes a connection profile may use: MQTT over TCP or TLS, and MQTT over WebSocket (v0.9 §8). */
export const mqttUrlProtocols = ['mqtt:', 'mqtts:', 'ws:', 'wss:'] as const;
/** Schemes whose transport is TLS, where the `tls` settings apply. */
export const secureUrlProtocols: ReadonlySet<string> = new Set(['mqtts:', 'wss:']);

/** POSIX `/…`, Windows `C:\…` or `C:/…`, or a UNC share (the contract runs without node:path). */
const absolutePath = /^(\/|[A-Za-z]:[\\/]|\\\\)/;

/** C0 controls and DEL, which have no place in a client identifier. */
const hasControlCharacter = (value: string): boolean =>
  [...value].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f);

/** A broker URL: one of the four schemes, a host, no credentials, no fragment. */
export const MqttUrl = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(2048, 'is longer than 2048 characters')
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: 'is not a valid URL (expected e.g. mqtts://broker.example:8883)',
      });
      return;
    }
    if (!(mqttUrlProtocols as readonly string[]).includes(url.protocol)) {
      ctx.addIssue({
        code: 'custom',
        message: `scheme ${url.protocol}// is not supported; use mqtt://, mqtts://, ws:// or wss://`,
      });
      return;
    }
    if (url.hostname === '') ctx.addIssue({ code: 'custom', message: 'has no host' });
    if (url.username !== '' || url.password !== '') {
      ctx.addIssue({
        code: 'custom',
        message: 'must not contain credentials; put them in the username and password fields',
      });
    }
    if (url.hash !== '') ctx.addIssue({ code: 'custom', message: 'must not contain a #fragment' });
    if ((url.protocol === 'mqtt:' || url.protocol === 'mqtts:') && (url.pathname.length > 1 || url.search)) {
      ctx.addIssue({ code: 'custom', message: 'an mqtt:// or mqtts:// URL has no path or query' });
    }
  });

const FilePath = z
  .string()
  .min(1, 'is empty')
  .max(4096, 'is longer than 4096 characters')
  .refine((value) => !value.includes('\0'), 'contains a NUL character')
  .refine((value) => absolutePath.test(value), 'must be an absolute path');

/** TLS material for mqtts:// and wss://: file paths, read when connecting, never copied into the database. */
export const TlsSettings = z.strictObject({
  caFile: FilePath.optional(),
  certFile: FilePath.optional(),
  keyFile: FilePath.optional(),
  rejectUnauthorized: z.boolean().default(true),
});
export type TlsSettings = z.infer<typeof TlsSettings>;

const Name = z.string().trim().min(1, 'is required').max(100, 'is longer than 100 characters');
const ClientId = z
  .string()
  .max(256, 'is longer than 256 characters')
  .refine((value) => !hasControlCharacter(value), 'contains control characters');
const Keepalive = z
  .number()
  .int('must be a whole number of seconds')
  .min(0, 'must be 0 (off) or more seconds')
  .max(65535, 'must be at most 65535 seconds');
/** MQTT protocol level: 4 is MQTT 3.1.1, 5 is MQTT 5.0. */
const ProtocolVersion = z.union([z.literal(4), z.literal(5)], {
  error: 'must be 4 (MQTT 3.1.1) or 5 (MQTT 5)',
});
const Username = z
  .string()
  .min(1, 'is empty; leave it out instead')
  .max(1024, 'is longer than 1024 characters');
const Password = z.string().max(4096, 'is longer than 4096 characters');

const settingsShape = {
  name: Name,
  url: MqttUrl,
  /** Empty: the hub makes one (`nice-console-<random>`) for each connection. */
  clientId: ClientId.default(''),
  /** Seconds between PINGREQs; 0 turns keep-alive off. */
  keepalive: Keepalive.default(60),
  protocolVersion: ProtocolVersion.default(5),
  cleanSession: z.boolean().default(true),
  username: Username.optional(),
  tls: TlsSettings.default({ rejectUnauthorized: true }),
  /** Whether responses and data with `EncryptionOn: false` are accepted on this connection (NICE-PROFILE, Clarifications). */
  allowPlainBodies: z.boolean().default(false),
};

/** Every stored setting of a profile except the password, after defaults. */
export const ConnectionProfileSettings = z.strictObject(settingsShape).superRefine(checkSettings);
export type ConnectionProfileSettings = z.infer<typeof ConnectionProfileSettings>;

/** Cross-field rules, reported on the field the operator has to change. */
function checkSettings(profile: z.output<z.ZodObject<typeof settingsShape>>, ctx: z.RefinementCtx): void {
  const secure = secureUrl(profile.url);
  for (const field of ['caFile', 'certFile', 'keyFile'] as const) {
    if (profile.tls[field] !== undefined && secure === false) {
      ctx.addIssue({
        code: 'custom',
        path: ['tls', field],
        message: 'applies only to mqtts:// and wss:// URLs',
      });
    }
  }
  if (profile.tls.certFile !== undefined && profile.tls.keyFile === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['tls', 'keyFile'],
      message: 'is required with a client certificate',
    });
  }
  if (profile.tls.keyFile !== undefined && profile.tls.certFile === undefined) {
    ctx.addIssue({ code: 'custom', path: ['tls', 'certFile'], message: 'is required with a client key' });
  }
  if (!profile.cleanSession && profile.clientId === '') {
    ctx.addIssue({
      code: 'custom',
      path: ['clientId'],
      message: 'is required for a persistent session (cleanSession false)',
    });
  }
}

/** What an operator submits to create a profile; the password is encrypted before it is stored. */
export const ConnectionProfileInput = z
  .strictObject({
    ...settingsShape,
    password: Password.optional(),
  })
  .superRefine((input, ctx) => {
    checkSettings(input, ctx);
    if (input.password !== undefined && input.username === undefined) {
      ctx.addIssue({ code: 'custom', path: ['username'], message: 'is required when a password is set' });
    }
  });
export type ConnectionProfileInput = z.input<typeof ConnectionProfileInput>;

/**
 * A change to a profile. Absent members stay as they are; `username: null` removes the
 * username, `password: null` removes the stored password, a string replaces it; `tls`
 * replaces the TLS settings as a whole.
 */
export const ConnectionProfilePatch = z.strictObject({
  name: Name.optional(),
  url: MqttUrl.optional(),
  clientId: ClientId.optional(),
  keepalive: Keepalive.optional(),
  protocolVersion: ProtocolVersion.optional(),
  cleanSession: z.boolean().optional(),
  username: Username.nullable().optional(),
  password: Password.nullable().optional(),
  tls: TlsSettings.optional(),
  allowPlainBodies: z.boolean().optional(),
});
export type ConnectionProfilePatch = z.input<typeof ConnectionProfilePatch>;

/** A stored profile as main hands it out: the password is never included, only whether one is set. */
export const ConnectionProfile = z.strictObject({
  ...settingsShape,
  id: z.string(),
  hasPassword: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ConnectionProfile = z.infer<typeof ConnectionProfile>;

/** Why a connection attempt failed, in words an operator can act on. */
export const ConnectionFailureCode = z.enum([
  'BAD_CREDENTIALS', // CONNACK: bad username or password
  'NOT_AUTHORIZED', // CONNACK: not authorised, banned, bad authentication method
  'REFUSED', // CONNACK: any other refusal (protocol version, client id, server busy …)
  'TLS', // handshake or certificate failure
  'CONFIGURATION', // the profile cannot be used as it is (missing file, missing profile)
  'NETWORK', // refused, reset, timed out, closed
]);
export type ConnectionFailureCode = z.infer<typeof ConnectionFailureCode>;

/** A failed attempt as shown to operators; `field` names the profile setting to change, if one. */
export const ConnectionFailure = z.strictObject({
  code: ConnectionFailureCode,
  message: z.string(),
  /** The CONNACK or DISCONNECT reason code, when the broker sent one. */
  reasonCode: z.number().int().optional(),
  field: z.string().optional(),
});
export type ConnectionFailure = z.infer<typeof ConnectionFailure>;

/** The state of one profile's connection; a discriminated union, so no impossible state can be shown. */
export const ConnectionState = z.discriminatedUnion('status', [
  z.strictObject({ status: z.literal('disconnected') }),
  z.strictObject({ status: z.literal('connecting'), attempt: z.number().int() }),
  z.strictObject({ status: z.literal('connected'), since: z.number() }),
  z.strictObject({
    status: z.literal('reconnecting'),
    attempt: z.number().int(),
    retryAt: z.number(),
    lastError: ConnectionFailure,
  }),
  z.strictObject({ status: z.literal('failed'), error: ConnectionFailure }),
]);
export type ConnectionState = z.infer<typeof ConnectionState>;

function secureUrl(value: string): boolean | undefined {
  try {
    return secureUrlProtocols.has(new URL(value).protocol);
  } catch {
    return undefined;
  }
}

const ProfileId = z.string().min(1, 'is required').max(64, 'is longer than 64 characters');

/** One profile's connection state, as `connections:statusChanged` delivers it. */
export const ProfileStatus = z.strictObject({ profileId: z.string(), state: ConnectionState });
export type ProfileStatus = z.infer<typeof ProfileStatus>;

/** Request of `connections:listProfiles`. */
export const ListProfilesRequest = z.strictObject({});
/** Reply of `connections:listProfiles`: every profile with its connection state. */
export const ListProfilesResponse = z.strictObject({
  profiles: z.array(ConnectionProfile),
  statuses: z.array(ProfileStatus),
});
export type ListProfilesResponse = z.infer<typeof ListProfilesResponse>;

/** Request of `connections:updateProfile`. */
export const UpdateProfileRequest = z.strictObject({ id: ProfileId, patch: ConnectionProfilePatch });
export type UpdateProfileRequest = z.infer<typeof UpdateProfileRequest>;

/** Request of the channels that act on one profile (delete, test, connect, disconnect). */
export const ProfileIdRequest = z.strictObject({ id: ProfileId });
export type ProfileIdRequest = z.infer<typeof ProfileIdRequest>;

/** Reply of `connections:deleteProfile`. */
export const DeleteProfileResponse = z.strictObject({ id: z.string(), deleted: z.literal(true) });

/** Reply of `connections:testProfile`: whether a connection came up, how fast, or why not. */
export const TestProfileResponse = z.strictObject({
  ok: z.boolean(),
  latencyMs: z.number().nonnegative().optional(),
  failure: ConnectionFailure.optional(),
});
export type TestProfileResponse = z.infer<typeof TestProfileResponse>;
