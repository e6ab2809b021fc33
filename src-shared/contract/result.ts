import { z } from 'zod';

/** Error codes a reply may carry; the renderer branches on these, never on messages. */
export const ErrorCode = z.enum([
  'UNKNOWN_CHANNEL',
  'INVALID_REQUEST',
  'NOT_FOUND',
  'CONFLICT',
  'UNAVAILABLE',
  'TIMEOUT',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** What a failed request tells the renderer: a code and a sentence, never a stack trace. */
export const ContractError = z.strictObject({
  code: ErrorCode,
  message: z.string(),
});
export type ContractError = z.infer<typeof ContractError>;

/** The reply to every invoke. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ContractError };

/** Builds a successful reply. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** Builds a failed reply. */
export function fail<T = never>(code: ErrorCode, message: string): Result<T> {
  return { ok: false, error: { code, message } };
}

/**
 * Turns a schema failure into one sentence naming the first offending field, so a caller
 * learns exactly what was wrong (`theme: Invalid option: expected one of "dark"|"light"`).
 */
export function describeSchemaError(error: z.ZodError, root = 'payload'): string {
  const issue = error.issues[0];
  if (!issue) return `${root}: invalid`;
  const path = issue.path.length > 0 ? issue.path.map(String).join('.') : root;
  const unknownKeys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
  return `${path}: ${issue.message}${unknownKeys}`;
}
