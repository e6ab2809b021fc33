import { z } from 'zod';

/** Most rows one `sessions:queryHistory` page may hold. */
export const maxSessionHistoryPageSize = 500;

/** Milliseconds since the epoch (UTC). */
const EpochMs = z.number().int().min(-8_640_000_000_000_000).max(8_640_000_000_000_000);

/** What a recorded session was: a NICE control session, a bare WebRTC session or a WHISP one. */
export const SessionKind = z.enum(['control', 'webrtc', 'whisp']);
export type SessionKind = z.infer<typeof SessionKind>;

/** How a recorded session ended. */
export const SessionOutcome = z.enum(['closed', 'failed']);
export type SessionOutcome = z.infer<typeof SessionOutcome>;

/** The outcomes the history can be filtered by; `open` is a session that has not ended. */
export const SessionOutcomeFilter = z.enum(['open', 'closed', 'failed']);
export type SessionOutcomeFilter = z.infer<typeof SessionOutcomeFilter>;

/** A position in the newest-first order, decoded from an opaque cursor. */
export interface SessionHistoryCursor {
  startedMs: number;
  sessionId: string;
}

/** Longest session id a cursor may carry (session ids are UUIDs in practice). */
const maxCursorSessionIdLength = 256;
const base64UrlShape = /^[A-Za-z0-9_-]+$/;
const cursorTimeShape = /^-?[0-9a-z]{1,12}$/;

/**
 * Encodes the position of the last row of a page as an opaque cursor: base64url (no padding)
 * of the UTF-8 text `<started_ms in base 36>.<session_id>`.
 */
export function encodeSessionHistoryCursor(cursor: SessionHistoryCursor): string {
  const bytes = new TextEncoder().encode(`${cursor.startedMs.toString(36)}.${cursor.sessionId}`);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Decodes a cursor given by an earlier page; `undefined` when it is not one. Cursors are
 * opaque to the renderer: it passes back `nextCursor` unchanged.
 */
export function decodeSessionHistoryCursor(cursor: string): SessionHistoryCursor | undefined {
  if (!base64UrlShape.test(cursor) || cursor.length % 4 === 1) return undefined;
  let text: string;
  try {
    const binary = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
    text = new TextDecoder('utf-8', { fatal: true }).decode(
      Uint8Array.from(binary, (character) => character.charCodeAt(0)),
    );
  } catch {
    return undefined;
  }
  const dot = text.indexOf('.');
  if (dot < 1) return undefined;
  const time = text.slice(0, dot);
  const sessionId = text.slice(dot + 1);
  if (!cursorTimeShape.test(time) || sessionId.length === 0 || sessionId.length > maxCursorSessionIdLength) {
    return undefined;
  }
  const startedMs = Number.parseInt(time, 36);
  if (!Number.isSafeInteger(startedMs)) return undefined;
  return { startedMs, sessionId };
}

/**
 * Request of `sessions:queryHistory`: one page of recorded sessions, newest first (start time,
 * then session id), continuing after `cursor` when given (keyset pagination, stable while new
 * sessions start). Every filter is optional and they combine with AND. The range is half-open
 * on the start time: `from` ≤ started < `to`.
 */
export const QuerySessionHistoryRequest = z
  .strictObject({
    from: EpochMs.optional(),
    to: EpochMs.optional(),
    kind: SessionKind.optional(),
    /**
     * Case-insensitive substring of the peer (a device's EndPointID) or of the name the console
     * shows for it; `%` and `_` match themselves.
     */
    peer: z.string().trim().min(1).max(100).optional(),
    outcome: SessionOutcomeFilter.optional(),
    pageSize: z.number().int().min(1).max(maxSessionHistoryPageSize).default(100),
    cursor: z
      .string()
      .max(400)
      .transform((value, context) => {
        const decoded = decodeSessionHistoryCursor(value);
        if (decoded) return decoded;
        context.addIssue({ code: 'custom', message: 'is not a cursor this console gave out' });
        return z.NEVER;
      })
      .optional(),
  })
  .refine((request) => request.from === undefined || request.to === undefined || request.from <= request.to, {
    message: 'must not be before from',
    path: ['to'],
  });
export type QuerySessionHistoryRequest = z.infer<typeof QuerySessionHistoryRequest>;

/** One recorded session as the Sessions view shows it. */
export const SessionHistoryRow = z.strictObject({
  sessionId: z.string(),
  kind: SessionKind,
  /** The other end (a device's EndPointID); null when none was recorded. */
  peer: z.string().nullable(),
  startedMs: z.number().int(),
  /** Null while the session is open. */
  endedMs: z.number().int().nullable(),
  /** Null while the session is open (or when the stored outcome is not one this console knows). */
  outcome: SessionOutcome.nullable(),
  /** `endedMs − startedMs`; null while open. */
  durationMs: z.number().int().nullable(),
  /** Why the session ended, from its recorded summary; null while open or when unreadable. */
  reason: z.string().nullable(),
  /** The device node the session was with; null when unknown. */
  nodeId: z.string().nullable(),
  /** Whether media flowed, from the recorded summary; null while open or when unreadable. */
  streamed: z.boolean().nullable(),
});
export type SessionHistoryRow = z.infer<typeof SessionHistoryRow>;

/** Reply of `sessions:queryHistory`. */
export const QuerySessionHistoryResponse = z.strictObject({
  rows: z.array(SessionHistoryRow),
  /** Pass back to get the next page; null when this page is the last. */
  nextCursor: z.string().nullable(),
});
export type QuerySessionHistoryResponse = z.infer<typeof QuerySessionHistoryResponse>;
