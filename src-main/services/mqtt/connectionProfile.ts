import { isAbsolute } from 'node:path';
import { z } from 'zod';

/** URL schemes a connection profile may use: MQTT over TCP or TLS, and MQTT over WebSocket (v0.9 §8). */
export const mqttUrlProtocols = ['mqtt:', 'mqtts:', 'ws:', 'wss:'] as const;
/** Schemes whose transport is TLS, where the `tls` settings apply. */
export const secureUrlProtocols: ReadonlySet<string> = new Set(['mqtts:', 'wss:']);

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
  .refine((value) => isAbsolute(value), 'must be an absolute path');

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
export interface ConnectionProfile extends ConnectionProfileSettings {
  id: string;
  hasPassword: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A profile setting was refused; `field` is the dotted path (`url`, `tls.caFile`). */
export class ProfileValidationError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'ProfileValidationError';
  }
}

/** Parses with a profile schema and turns the first issue into a `ProfileValidationError` naming its field. */
export function parseProfile<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new ProfileValidationError('profile', 'is invalid');
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    throw new ProfileValidationError([...path, issue.keys[0] ?? '?'].join('.'), 'is not a known setting');
  }
  const reason =
    issue.code === 'invalid_type' && /received undefined$/.test(issue.message)
      ? 'is required'
      : issue.message;
  throw new ProfileValidationError(path.length > 0 ? path.join('.') : 'profile', reason);
}

function secureUrl(value: string): boolean | undefined {
  try {
    return secureUrlProtocols.has(new URL(value).protocol);
  } catch {
    return undefined;
  }
}
