import type Database from 'better-sqlite3';

/** One command the console sent, as the audit log keeps it (issue #5: what, to whom, when, result, latency). */
export interface CommandAuditEntry {
  sentMs: number;
  profileId: string | null;
  target: string;
  commandType: string;
  commandId: number | null;
  statusCode: number | null;
  /** `ok`, or the contract error code when no reply came (`TIMEOUT`, `UNAVAILABLE`, …). */
  outcome: string;
  latencyMs: number | null;
}

/** Appends to and reads the `command_audit` table; the only place its SQL lives. */
export class CommandAuditRepository {
  private readonly insert: Database.Statement<
    [number, string | null, string, string, number | null, number | null, string, number | null]
  >;

  constructor(db: Database.Database) {
    this.insert = db.prepare(
      `INSERT INTO command_audit (sent_ms, profile_id, target, command_type, command_id, status_code, outcome, latency_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** Records one command; the audit never stops a command from being answered. */
  append(entry: CommandAuditEntry): void {
    this.insert.run(
      entry.sentMs,
      entry.profileId,
      entry.target,
      entry.commandType,
      entry.commandId,
      entry.statusCode,
      entry.outcome,
      entry.latencyMs,
    );
  }
}
