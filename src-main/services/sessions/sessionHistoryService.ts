import type Database from 'better-sqlite3';
import { escapeLike, StatementCache } from '../store/statementCache';
import type { ControlSession } from '../../../src-shared/contract/sessionsContract';
import {
  encodeSessionHistoryCursor,
  SessionKind,
  SessionOutcome,
  type QuerySessionHistoryRequest,
  type QuerySessionHistoryResponse,
  type SessionHistoryRow,
} from '../../../src-shared/contract/sessionHistoryContract';

/** A session as stored by SessionRepository (resources/migrations/0004_scenemark_history.sql). */
interface StoredSessionRow {
  session_id: string;
  kind: string;
  peer: string | null;
  started_ms: number;
  ended_ms: number | null;
  outcome: string | null;
  summary: string | null;
}

/** What the recorded summary of an ended session says, each member null when unreadable. */
interface SessionSummary {
  nodeId: string | null;
  reason: string | null;
  streamed: boolean | null;
}

type Params = Record<string, string | number>;

/** Most prepared filter shapes kept (there are at most 2^6 of them). */
const maxCachedStatements = 128;

const rowColumns = 's.session_id, s.kind, s.peer, s.started_ms, s.ended_ms, s.outcome, s.summary';

/** The sessions open in this process, to name the node of a session whose summary is not yet written. */
export type LiveSessions = () => ReadonlyArray<Pick<ControlSession, 'sessionId' | 'nodeId'>>;

/**
 * Reads the session history for the Sessions view: filtered pages of recorded sessions, newest
 * first, with keyset cursors on (started_ms, session_id). The SQL is built only from fixed
 * fragments chosen by which filters are present (values are always bound), and each shape is
 * prepared once and kept. The summary JSON written when a session ends is read defensively:
 * a summary that is missing or malformed gives nulls, never a failed page.
 */
export class SessionHistoryService {
  private readonly statements: StatementCache;

  constructor(
    db: Database.Database,
    private readonly liveSessions: LiveSessions = () => [],
  ) {
    this.statements = new StatementCache(db, maxCachedStatements);
  }

  /** One page of sessions matching the request, newest first, after the request's cursor. */
  query(request: QuerySessionHistoryRequest): QuerySessionHistoryResponse {
    const { sql, params } = this.listSql(request);
    const rows = this.statements.prepared(sql).all(params) as StoredSessionRow[];
    const more = rows.length > request.pageSize;
    const page = more ? rows.slice(0, request.pageSize) : rows;
    const last = page.at(-1);
    const liveNodes = page.some((row) => row.ended_ms === null)
      ? new Map(this.liveSessions().map((session) => [session.sessionId, session.nodeId]))
      : new Map<string, string>();
    return {
      rows: page.map((row) => toHistoryRow(row, liveNodes)),
      nextCursor:
        more && last
          ? encodeSessionHistoryCursor({ startedMs: last.started_ms, sessionId: last.session_id })
          : null,
    };
  }

  /**
   * The SQL and parameters of one page (exposed for the query-plan tests). Every page walks
   * `sessions_by_start` in start order and stops after one page; the other filters are checked
   * on the way (prefixed `+` so they never drive an index). Sessions that started in the same
   * millisecond are ordered by session id, which only sorts those ties.
   */
  listSql(request: QuerySessionHistoryRequest): { sql: string; params: Params } {
    const clauses: string[] = [];
    const params: Params = {};
    if (request.from !== undefined) {
      clauses.push('s.started_ms >= @from');
      params.from = request.from;
    }
    if (request.to !== undefined) {
      clauses.push('s.started_ms < @to');
      params.to = request.to;
    }
    if (request.cursor) {
      // Spelled out rather than as a row value, so the seek on started_ms is plain to see.
      clauses.push(
        's.started_ms <= @cursorStarted AND (s.started_ms < @cursorStarted OR s.session_id < @cursorId)',
      );
      params.cursorStarted = request.cursor.startedMs;
      params.cursorId = request.cursor.sessionId;
    }
    if (request.kind !== undefined) {
      clauses.push('+s.kind = @kind');
      params.kind = request.kind;
    }
    if (request.outcome === 'open') {
      clauses.push('+s.ended_ms IS NULL');
    } else if (request.outcome !== undefined) {
      clauses.push('+s.outcome = @outcome');
      params.outcome = request.outcome;
    }
    if (request.peer !== undefined) {
      // Or the name shown for the device (the device directory's table, migration 0010).
      clauses.push(
        `(s.peer LIKE @peer ESCAPE '\\' OR lower(s.peer) IN (SELECT device_id FROM device_names
          WHERE COALESCE(operator_name, site_name) LIKE @peer ESCAPE '\\'))`,
      );
      params.peer = `%${escapeLike(request.peer)}%`;
    }
    params.limit = request.pageSize + 1;
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
    return {
      sql: `SELECT ${rowColumns} FROM sessions s ${where}
            ORDER BY s.started_ms DESC, s.session_id DESC LIMIT @limit`,
      params,
    };
  }
}

function toHistoryRow(row: StoredSessionRow, liveNodes: ReadonlyMap<string, string>): SessionHistoryRow {
  const ended = row.ended_ms !== null;
  const summary = ended ? parseSummary(row.summary) : { nodeId: null, reason: null, streamed: null };
  const outcome = SessionOutcome.safeParse(row.outcome);
  return {
    sessionId: row.session_id,
    // The column has a CHECK constraint on these three values.
    kind: SessionKind.parse(row.kind),
    peer: row.peer,
    startedMs: row.started_ms,
    endedMs: row.ended_ms,
    outcome: ended && outcome.success ? outcome.data : null,
    durationMs: row.ended_ms === null ? null : row.ended_ms - row.started_ms,
    reason: summary.reason,
    nodeId: summary.nodeId ?? (ended ? null : (liveNodes.get(row.session_id) ?? null)),
    streamed: summary.streamed,
  };
}

/**
 * Reads the summary ControlSessionService records when a session ends
 * (`{nodeId, reason, streamed, durationMs}`); anything that is not that shape gives nulls.
 */
export function parseSummary(text: string | null): SessionSummary {
  const empty: SessionSummary = { nodeId: null, reason: null, streamed: null };
  if (text === null) return empty;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return empty;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return empty;
  const summary = parsed as Record<string, unknown>;
  return {
    nodeId: typeof summary.nodeId === 'string' ? summary.nodeId : null,
    reason: typeof summary.reason === 'string' ? summary.reason : null,
    streamed: typeof summary.streamed === 'boolean' ? summary.streamed : null,
  };
}
