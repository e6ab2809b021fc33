import type { z } from 'zod';

// The schemas live in the contract, so the renderer and main validate profiles alike.
export {
  ConnectionProfile,
  ConnectionProfileInput,
  ConnectionProfilePatch,
  ConnectionProfileSettings,
  MqttUrl,
  TlsSettings,
  mqttUrlProtocols,
  secureUrlProtocols,
} from '../../../src-shared/contract/connectionsContract';

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
