import { Buffer } from 'node:buffer';
import type { z } from 'zod';
import {
  CmfRequestSchema,
  CmfResponseSchema,
  REPLY_STATUS_MESSAGE_MAX_BYTES,
  toNiceProtocolError,
} from './cmfSchemas';
import { formatDateTimeStamp } from './dateTimeStamp';
import { NiceProtocolError } from './niceProtocolError';
import { isJsonObject } from './niceValidation';
import { reasonPhrase } from './reasonPhrase';

export { CommandIdSequence } from './commandIdSequence';
export { ReplayGuard } from './replayGuard';

/** A CMF request (v0.9 §4.1 header, §4.2 payload), exactly the members v0.9 lists. */
export interface CmfRequest {
  MessageType: 'request';
  SourceEndPointID: string;
  DestinationEndPointID: string;
  DateTimeStamp: string;
  CommandID: number;
  CommandType: string;
  AccessToken: string;
  EncryptionOn: boolean;
  Payload: { Body: string };
}

/** A CMF response (v0.9 §4.1 header, §4.2 payload), exactly the members v0.9 lists. */
export interface CmfResponse {
  MessageType: 'response';
  SourceEndPointID: string;
  DestinationEndPointID: string;
  DateTimeStamp: string;
  EncryptionOn: boolean;
  ReplyID: number;
  ReplyStatusCode: number;
  ReplyErrorCode: number;
  ReplyStatusMessage: string;
  Payload: { Body: string };
}

/** Either CMF message; MessageType tells them apart (profile: requests and responses share topics). */
export type CmfMessage = CmfRequest | CmfResponse;

// Compile-time check that the zod schemas produce exactly these interfaces.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemasMatchTypes: [
  Same<z.output<typeof CmfRequestSchema>, CmfRequest>,
  Same<z.output<typeof CmfResponseSchema>, CmfResponse>,
] = [true, true];
void schemasMatchTypes;

/** Default limit on a serialised CMF message, in bytes (callers may raise it for SceneData). */
export const CMF_DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Validates an already-decoded JSON value as a CMF message (v0.9 §4: every member, type and
 * size; unknown members refused at every level) and returns it normalised (lowercase
 * EndPointIDs, 24-character DateTimeStamp, canonical CommandType); throws
 * NiceProtocolError('MALFORMED', …, field).
 */
export function validateCmfMessage(value: unknown): CmfMessage {
  if (!isJsonObject(value)) throw new NiceProtocolError('MALFORMED', 'expected a JSON object', '$');
  const type = value.MessageType;
  if (type === undefined) throw new NiceProtocolError('MALFORMED', 'missing member', 'MessageType');
  const schema = type === 'request' ? CmfRequestSchema : type === 'response' ? CmfResponseSchema : undefined;
  if (!schema) {
    throw new NiceProtocolError(
      'MALFORMED',
      "expected 'request' or 'response' (case-sensitive)",
      'MessageType',
    );
  }
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) throw toNiceProtocolError(result.error);
  return result.data;
}

/**
 * Parses CMF JSON text or UTF-8 bytes (v0.9 §4, §7.1) of at most `maxBytes` (default 4 MiB) into
 * a validated, normalised message; throws NiceProtocolError('MALFORMED', …, field) naming the
 * member at fault, or `$` for the message as a whole (too large, not UTF-8, not JSON).
 */
export function parseCmfMessage(input: string | Uint8Array, options: { maxBytes?: number } = {}): CmfMessage {
  const maxBytes = options.maxBytes ?? CMF_DEFAULT_MAX_BYTES;
  let text: string;
  if (typeof input === 'string') {
    if (
      input.length > maxBytes ||
      (input.length * 3 > maxBytes && Buffer.byteLength(input, 'utf8') > maxBytes)
    ) {
      throw new NiceProtocolError('MALFORMED', `message larger than ${maxBytes} bytes`, '$');
    }
    text = input;
  } else {
    if (input.byteLength > maxBytes) {
      throw new NiceProtocolError('MALFORMED', `message larger than ${maxBytes} bytes`, '$');
    }
    try {
      text = utf8.decode(input);
    } catch {
      throw new NiceProtocolError('MALFORMED', 'message is not valid UTF-8', '$');
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new NiceProtocolError('MALFORMED', 'message is not valid JSON', '$');
  }
  return validateCmfMessage(value);
}

/**
 * Parses a message a receiver takes only as a request (a data path, the LA); anything else is
 * MALFORMED on MessageType with `refusal` saying what the receiver takes.
 */
export function parseCmfRequest(
  input: string | Uint8Array,
  refusal: string,
  options: { maxBytes?: number } = {},
): CmfRequest {
  const message = parseCmfMessage(input, options);
  if (message.MessageType !== 'request') throw new NiceProtocolError('MALFORMED', refusal, 'MessageType');
  return message;
}

/**
 * Serialises a CMF message as JSON with members in v0.9 §4.1 order, after validating it exactly
 * as parseCmfMessage would (we emit strictly); throws NiceProtocolError('MALFORMED') otherwise.
 */
export function serializeCmfMessage(message: CmfMessage): string {
  return JSON.stringify(validateCmfMessage(message));
}

/**
 * Builds a validated CMF request (v0.9 §4.1): DateTimeStamp from `now` (default the current
 * time), CommandType canonical (`1/{callee}/control/0001/StartStreaming`), EndPointIDs lowercase.
 */
export function buildCmfRequest(fields: {
  source: string;
  destination: string;
  commandType: string;
  commandId: number;
  accessToken: string;
  encryptionOn: boolean;
  body: string;
  now?: Date;
}): CmfRequest {
  const message = validateCmfMessage({
    MessageType: 'request',
    SourceEndPointID: fields.source,
    DestinationEndPointID: fields.destination,
    DateTimeStamp: formatDateTimeStamp(fields.now ?? new Date()),
    CommandID: fields.commandId,
    CommandType: fields.commandType,
    AccessToken: fields.accessToken,
    EncryptionOn: fields.encryptionOn,
    Payload: { Body: fields.body },
  });
  return message as CmfRequest;
}

/** Cuts a string to at most `maxBytes` UTF-8 bytes without splitting a code point. */
function truncateUtf8(text: string, maxBytes: number): string {
  const clean = text.replace(/\p{Cs}/gu, '\uFFFD');
  if (Buffer.byteLength(clean, 'utf8') <= maxBytes) return clean;
  let out = '';
  let bytes = 0;
  for (const char of clean) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > maxBytes) break;
    out += char;
    bytes += size;
  }
  return out;
}

/**
 * Builds the response to `request` (v0.9 §4.1; profile): Source/DestinationEndPointID and
 * EncryptionOn copied from the request, ReplyID = CommandID, ReplyErrorCode 0 below 300 and
 * otherwise `errorCode` or the status itself, ReplyStatusMessage defaulting to the §7.3 reason
 * phrase and cut to 256 UTF-8 bytes.
 */
export function buildCmfResponse(
  request: CmfRequest,
  fields: { statusCode: number; errorCode?: number; statusMessage?: string; body: string; now?: Date },
): CmfResponse {
  const ok = fields.statusCode >= 200 && fields.statusCode < 300;
  const message = validateCmfMessage({
    MessageType: 'response',
    SourceEndPointID: request.SourceEndPointID,
    DestinationEndPointID: request.DestinationEndPointID,
    DateTimeStamp: formatDateTimeStamp(fields.now ?? new Date()),
    EncryptionOn: request.EncryptionOn,
    ReplyID: request.CommandID,
    ReplyStatusCode: fields.statusCode,
    ReplyErrorCode: fields.errorCode ?? (ok ? 0 : fields.statusCode),
    ReplyStatusMessage: truncateUtf8(
      fields.statusMessage ?? reasonPhrase(fields.statusCode) ?? '',
      REPLY_STATUS_MESSAGE_MAX_BYTES,
    ),
    Payload: { Body: fields.body },
  });
  return message as CmfResponse;
}

/**
 * Whether `response` answers `request`: ReplyID = CommandID and the same endpoint pair, as v0.9
 * §4.1 keeps it, or swapped, as NICE 1.1 peers send it (profile: accept swapped on input).
 */
export function isResponseTo(request: CmfRequest, response: CmfResponse): boolean {
  if (response.ReplyID !== request.CommandID) return false;
  const [reqSource, reqDestination] = [
    request.SourceEndPointID.toLowerCase(),
    request.DestinationEndPointID.toLowerCase(),
  ];
  const [source, destination] = [
    response.SourceEndPointID.toLowerCase(),
    response.DestinationEndPointID.toLowerCase(),
  ];
  return (
    (source === reqSource && destination === reqDestination) ||
    (source === reqDestination && destination === reqSource)
  );
}
