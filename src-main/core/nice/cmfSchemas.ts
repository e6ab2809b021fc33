import { Buffer } from 'node:buffer';
import { z } from 'zod';
import { normalizeDateTimeStamp } from './dateTimeStamp';
import { formatCommandType, parseCommandType } from './destinationId';
import { END_POINT_ID_LENGTH } from './endPointId';
import { NiceProtocolError } from './niceProtocolError';

/** Maximum length of MessageType (v0.9 §4.1: String, 8 max). */
export const MESSAGE_TYPE_MAX_LENGTH = 8;

/** Maximum size of ReplyStatusMessage in UTF-8 bytes (v0.9 §4.1: String, 256 max, UTF-8). */
export const REPLY_STATUS_MESSAGE_MAX_BYTES = 256;

/** Lone UTF-16 surrogates: a string holding one cannot be encoded as UTF-8 (v0.9 §4.1). */
const LONE_SURROGATE = /\p{Cs}/u;

const endPointId = z
  .string()
  .length(END_POINT_ID_LENGTH, { error: 'expected an EndPointID of 36 characters' })
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, {
    error: 'expected an EndPointID (8-4-4-4-12 hex digits)',
  })
  .transform((value) => value.toLowerCase());

/** A custom transform that turns a NiceProtocolError from one of our parsers into a zod issue. */
function viaParser<T>(parse: (value: string) => T) {
  return (value: string, ctx: z.RefinementCtx<string>): T => {
    try {
      return parse(value);
    } catch (error) {
      const message = error instanceof NiceProtocolError ? error.message.replace(/^[^:]*: /, '') : 'invalid';
      ctx.issues.push({ code: 'custom', message, input: value });
      return z.NEVER;
    }
  };
}

const dateTimeStamp = z
  .string()
  .max(24, { error: 'expected YYYY-MM-DDThh:mm:ss.sssZ (24 characters)' })
  .transform(viaParser((value) => normalizeDateTimeStamp(value)));

const commandType = z
  .string()
  .max(128, { error: 'longer than 128 characters' })
  .transform(viaParser((value) => formatCommandType(parseCommandType(value))));

const counter = z.int({ error: 'expected a non-negative integer' }).min(0, { error: 'must not be negative' });

const payload = z.strictObject({ Body: z.string() });

const replyStatusMessage = z
  .string()
  .refine((value) => !LONE_SURROGATE.test(value), { error: 'must be valid UTF-8 (lone surrogate)' })
  .refine((value) => Buffer.byteLength(value, 'utf8') <= REPLY_STATUS_MESSAGE_MAX_BYTES, {
    error: `longer than ${REPLY_STATUS_MESSAGE_MAX_BYTES} UTF-8 bytes`,
  });

/**
 * Zod schema of a CMF request header and payload, exactly the v0.9 §4.1/§4.2 members in spec
 * order, unknown members refused; EndPointIDs, DateTimeStamp and CommandType are normalised to
 * the form we emit (lowercase hex, milliseconds, VERSION `1`, no leading slash).
 */
export const CmfRequestSchema = z.strictObject({
  MessageType: z.literal('request'),
  SourceEndPointID: endPointId,
  DestinationEndPointID: endPointId,
  DateTimeStamp: dateTimeStamp,
  CommandID: counter,
  CommandType: commandType,
  AccessToken: z.string(),
  EncryptionOn: z.boolean(),
  Payload: payload,
});

/**
 * Zod schema of a CMF response (v0.9 §4.1/§4.2), members in spec order, unknown members refused;
 * ReplyStatusCode is an HTTP status (v0.9 §7.3), ReplyStatusMessage ≤256 UTF-8 bytes.
 */
export const CmfResponseSchema = z.strictObject({
  MessageType: z.literal('response'),
  SourceEndPointID: endPointId,
  DestinationEndPointID: endPointId,
  DateTimeStamp: dateTimeStamp,
  EncryptionOn: z.boolean(),
  ReplyID: counter,
  ReplyStatusCode: z.int({ error: 'expected an integer HTTP status' }).min(100).max(599),
  ReplyErrorCode: z.int({ error: 'expected an integer' }),
  ReplyStatusMessage: replyStatusMessage,
  Payload: payload,
});

/** Shortens attacker-controlled text before it goes into an error message. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/**
 * Converts the first zod issue into NiceProtocolError('MALFORMED') whose field is the dotted
 * member path (`Payload.Body`, or the unknown member itself), so the error names the field.
 */
export function toNiceProtocolError(error: z.ZodError): NiceProtocolError {
  const issue = error.issues[0];
  if (!issue) return new NiceProtocolError('MALFORMED', 'invalid message', '$');
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    // Odd member names (empty, dotted, very long) are quoted so the field is never empty.
    const name = /^[A-Za-z_$][\w$]{0,63}$/.test(key) ? key : quote(key);
    return new NiceProtocolError('MALFORMED', `unknown member ${quote(key)}`, [...path, name].join('.'));
  }
  const field = path.length > 0 ? path.join('.') : '$';
  if (issue.code === 'invalid_type') {
    const missing = !('input' in issue) || issue.input === undefined;
    const expected = issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`;
    return new NiceProtocolError('MALFORMED', missing ? 'missing member' : `expected ${expected}`, field);
  }
  if (issue.code === 'invalid_value' && issue.values.length === 1) {
    return new NiceProtocolError('MALFORMED', `expected ${quote(String(issue.values[0]))}`, field);
  }
  return new NiceProtocolError('MALFORMED', issue.message.slice(0, 120), field);
}
