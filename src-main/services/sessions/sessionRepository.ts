import type Database from 'better-sqlite3';

/** The record of one session for the Sessions view and evidence exports (migration 0004). */
export interface SessionRecord {
  sessionId: string;
  kind: 'control' | 'webrtc' | 'whisp';
  peer: string;
  startedMs: number;
}

/** Writes session rows: one when a session starts, its end and outcome when it ends. */
export class SessionRepository {
  private readonly insert: Database.Statement;
  private readonly finish: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(
      'INSERT INTO sessions (session_id, kind, peer, started_ms) VALUES (@sessionId, @kind, @peer, @startedMs)',
    );
    this.finish = db.prepare(
      'UPDATE sessions SET ended_ms = ?, outcome = ?, summary = ? WHERE session_id = ? AND ended_ms IS NULL',
    );
  }

  started(record: SessionRecord): void {
    this.insert.run(record);
  }

  /**
   * Ends the sessions a previous run left open (the console quit or crashed while they ran), so
   * the history never shows them as open forever. Returns how many were ended.
   */
  endAbandoned(nowMs: number): number {
    return this.db
      .prepare(`UPDATE sessions SET ended_ms = ?, outcome = 'failed', summary = ? WHERE ended_ms IS NULL`)
      .run(nowMs, JSON.stringify({ reason: 'the console stopped while the session was open' })).changes;
  }

  /** Records the end once; a second call for the same session changes nothing. */
  ended(sessionId: string, endedMs: number, outcome: string, summary: Record<string, unknown>): void {
    this.finish.run(endedMs, outcome, JSON.stringify(summary), sessionId);
  }
}
