import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SessionRepository } from '../../../../src-main/services/sessions/sessionRepository';
import { openDatabase } from '../../../../src-main/services/store/database';
import { loadMigrations } from '../../../../src-main/services/store/migrations';

const migrations = loadMigrations(resolve(import.meta.dirname, '../../../../resources/migrations'));

describe('SessionRepository', () => {
  it('ends the sessions a previous run left open, once, and leaves finished ones as they were', () => {
    const { db } = openDatabase(':memory:', migrations);
    const sessions = new SessionRepository(db);
    sessions.started({ sessionId: 'left-open', kind: 'control', peer: 'device-a', startedMs: 1000 });
    sessions.started({ sessionId: 'finished', kind: 'control', peer: 'device-b', startedMs: 2000 });
    sessions.ended('finished', 3000, 'closed', { reason: 'closed by operator' });

    expect(sessions.endAbandoned(9000)).toBe(1);
    expect(sessions.endAbandoned(9500)).toBe(0);
    const rows = db
      .prepare('SELECT session_id, ended_ms, outcome, summary FROM sessions ORDER BY session_id')
      .all();
    expect(rows).toEqual([
      {
        session_id: 'finished',
        ended_ms: 3000,
        outcome: 'closed',
        summary: '{"reason":"closed by operator"}',
      },
      {
        session_id: 'left-open',
        ended_ms: 9000,
        outcome: 'failed',
        summary: '{"reason":"the console stopped while the session was open"}',
      },
    ]);
    db.close();
  });
});
