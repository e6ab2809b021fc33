import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createConsoleServices, type ConsoleServices } from '../../../../src-main/services/consoleServices';
import { FileKeyCipher } from '../../../../src-main/services/secrets/fileKeyCipher';
import {
  parseSummary,
  SessionHistoryService,
} from '../../../../src-main/services/sessions/sessionHistoryService';
import { SessionRepository } from '../../../../src-main/services/sessions/sessionRepository';
import { openDatabase, type OpenDatabase } from '../../../../src-main/services/store/database';
import { loadMigrations } from '../../../../src-main/services/store/migrations';
import {
  decodeSessionHistoryCursor,
  encodeSessionHistoryCursor,
  QuerySessionHistoryRequest,
  type SessionHistoryRow,
} from '../../../../src-shared/contract/sessionHistoryContract';

const migrationsDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../resources/migrations');
const context = { transport: 'web' as const, caller: 'test' };

const peers = [
  'aaaaaaaa-0000-4000-8000-000000000001',
  'aaaaaaaa-0000-4000-8000-000000000002',
  'bbbbbbbb-0000-4000-8000-00000000000f',
];
const kinds = ['control', 'webrtc', 'whisp'] as const;
const baseMs = Date.UTC(2026, 10, 1);

interface Fixture {
  sessionId: string;
  kind: (typeof kinds)[number];
  peer: string;
  startedMs: number;
  /** Undefined while open. */
  end?: { endedMs: number; outcome: 'closed' | 'failed'; streamed: boolean; reason: string };
}

/** 90 sessions; every third start shares its millisecond with the next two (keyset ties). */
function makeFixtures(count: number): Fixture[] {
  return Array.from({ length: count }, (_, index) => {
    const startedMs = baseMs + Math.floor(index / 3) * 60_000;
    const fixture: Fixture = {
      // Not in start order, so the tie-break on session id is really exercised.
      sessionId: `s-${String((index * 37) % count).padStart(3, '0')}`,
      kind: kinds[index % kinds.length] ?? 'control',
      peer: peers[index % peers.length] ?? '',
      startedMs,
    };
    if (index % 5 !== 0) {
      fixture.end = {
        endedMs: startedMs + 1000 + index,
        outcome: index % 4 === 0 ? 'failed' : 'closed',
        streamed: index % 2 === 0,
        reason: index % 4 === 0 ? 'the device did not answer' : 'closed by operator',
      };
    }
    return fixture;
  });
}

/** What the service should return for a fixture. */
function expectedRow(fixture: Fixture): SessionHistoryRow {
  return {
    sessionId: fixture.sessionId,
    kind: fixture.kind,
    peer: fixture.peer,
    startedMs: fixture.startedMs,
    endedMs: fixture.end?.endedMs ?? null,
    outcome: fixture.end?.outcome ?? null,
    durationMs: fixture.end ? fixture.end.endedMs - fixture.startedMs : null,
    reason: fixture.end?.reason ?? null,
    nodeId: fixture.end ? '0002' : null,
    streamed: fixture.end?.streamed ?? null,
  };
}

/** The same filter evaluated in JavaScript over the fixtures, newest first. */
function reference(fixtures: readonly Fixture[], request: Record<string, unknown>): SessionHistoryRow[] {
  const { from, to, kind, peer, outcome } = request as {
    from?: number;
    to?: number;
    kind?: string;
    peer?: string;
    outcome?: string;
  };
  return fixtures
    .filter(
      (fixture) =>
        (from === undefined || fixture.startedMs >= from) &&
        (to === undefined || fixture.startedMs < to) &&
        (kind === undefined || fixture.kind === kind) &&
        (peer === undefined || fixture.peer.toLowerCase().includes(peer.toLowerCase())) &&
        (outcome === undefined ||
          (outcome === 'open' ? fixture.end === undefined : fixture.end?.outcome === outcome)),
    )
    .sort((a, b) => b.startedMs - a.startedMs || (a.sessionId < b.sessionId ? 1 : -1))
    .map(expectedRow);
}

let database: OpenDatabase;
let service: SessionHistoryService;
const fixtures = makeFixtures(90);

/** Every row of a query, following cursors page by page. */
function queryAll(
  request: Record<string, unknown>,
  pageSize: number,
): { rows: SessionHistoryRow[]; pages: number } {
  const rows: SessionHistoryRow[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = service.query(QuerySessionHistoryRequest.parse({ ...request, pageSize, cursor }));
    pages += 1;
    expect(page.rows.length).toBeLessThanOrEqual(pageSize);
    rows.push(...page.rows);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && pages < 1000);
  return { rows, pages };
}

beforeAll(() => {
  database = openDatabase(':memory:', loadMigrations(migrationsDir));
  // Written the way ControlSessionService writes them.
  const repository = new SessionRepository(database.db);
  database.db.transaction(() => {
    for (const fixture of fixtures) {
      repository.started({
        sessionId: fixture.sessionId,
        kind: fixture.kind,
        peer: fixture.peer,
        startedMs: fixture.startedMs,
      });
      if (fixture.end) {
        repository.ended(fixture.sessionId, fixture.end.endedMs, fixture.end.outcome, {
          nodeId: '0002',
          reason: fixture.end.reason,
          streamed: fixture.end.streamed,
          durationMs: fixture.end.endedMs - fixture.startedMs,
        });
      }
    }
  })();
  service = new SessionHistoryService(database.db);
});

afterAll(() => database.db.close());

describe('SessionHistoryService.query', () => {
  it('lists sessions newest first, ties by session id, with every recorded field', () => {
    const page = service.query(QuerySessionHistoryRequest.parse({}));
    expect(page.rows).toEqual(reference(fixtures, {}));
    expect(page.nextCursor).toBeNull();
    // Three sessions per start millisecond: the newest group comes first, by id descending.
    const [first, second, third] = page.rows;
    expect(first?.startedMs).toBe(second?.startedMs);
    expect(second?.startedMs).toBe(third?.startedMs);
    expect([first?.sessionId, second?.sessionId, third?.sessionId]).toEqual(
      [first?.sessionId, second?.sessionId, third?.sessionId].sort().reverse(),
    );
  });

  it('reports open sessions with outcome, end, duration, reason and streamed null', () => {
    const open = service.query(QuerySessionHistoryRequest.parse({ outcome: 'open' })).rows;
    expect(open.length).toBe(fixtures.filter((fixture) => !fixture.end).length);
    for (const row of open) {
      expect(row).toMatchObject({
        endedMs: null,
        outcome: null,
        durationMs: null,
        reason: null,
        streamed: null,
        nodeId: null,
      });
    }
  });

  const filterCases: Array<[string, Record<string, unknown>]> = [
    ['a time range (half-open)', { from: baseMs + 5 * 60_000, to: baseMs + 12 * 60_000 }],
    ['only from', { from: baseMs + 25 * 60_000 }],
    ['only to', { to: baseMs + 3 * 60_000 }],
    ['kind control', { kind: 'control' }],
    ['kind webrtc', { kind: 'webrtc' }],
    ['kind whisp', { kind: 'whisp' }],
    ['outcome open', { outcome: 'open' }],
    ['outcome closed', { outcome: 'closed' }],
    ['outcome failed', { outcome: 'failed' }],
    ['a peer prefix', { peer: 'bbbbbbbb' }],
    ['a peer substring in capitals', { peer: '4000-8000-000000000002' }],
    ['a peer suffix, case-insensitive', { peer: '00F' }],
    [
      'every filter at once',
      { from: baseMs, to: baseMs + 20 * 60_000, kind: 'control', peer: 'aaaa', outcome: 'closed' },
    ],
  ];

  it.each(filterCases)('filters by %s, across pages', (_name, request) => {
    const expected = reference(fixtures, request);
    expect(expected.length).toBeGreaterThan(0);
    expect(queryAll(request, 500).rows).toEqual(expected);
    expect(queryAll(request, 4).rows).toEqual(expected);
  });

  it('finds the sessions of a device by the name the console shows for it', () => {
    const named = peers[0] as string;
    database.db
      .prepare(
        'INSERT INTO device_names (device_id, site_name, operator_name, updated_ms) VALUES (?, ?, ?, 0)',
      )
      .run(named, 'CAM 01 Lobby', null);
    try {
      const expected = reference(fixtures, { peer: named });
      expect(expected.length).toBeGreaterThan(0);
      expect(queryAll({ peer: 'lobby' }, 7).rows).toEqual(expected);
      // The operator's name replaces the site's in the search too.
      database.db
        .prepare('UPDATE device_names SET operator_name = ? WHERE device_id = ?')
        .run('Front door', named);
      expect(queryAll({ peer: 'lobby' }, 7).rows).toEqual([]);
      expect(queryAll({ peer: 'front DOOR' }, 7).rows).toEqual(expected);
    } finally {
      database.db.prepare('DELETE FROM device_names').run();
    }
  });

  it('matches % and _ in a peer literally', () => {
    expect(service.query(QuerySessionHistoryRequest.parse({ peer: '%' })).rows).toEqual([]);
    expect(service.query(QuerySessionHistoryRequest.parse({ peer: 'aaaa_' })).rows).toEqual([]);
  });

  it('pages with a keyset cursor through sessions that started in the same millisecond', () => {
    const expected = reference(fixtures, {});
    // Page sizes that split the groups of three equal start times in every way.
    for (const pageSize of [1, 2, 4, 7, 89, 90]) {
      const { rows, pages } = queryAll({}, pageSize);
      expect(rows).toEqual(expected);
      expect(pages).toBe(Math.ceil(expected.length / pageSize));
    }
    const firstPage = service.query(QuerySessionHistoryRequest.parse({ pageSize: 2 }));
    const last = firstPage.rows.at(-1);
    expect(firstPage.nextCursor).not.toBeNull();
    expect(decodeSessionHistoryCursor(firstPage.nextCursor ?? '')).toEqual({
      startedMs: last?.startedMs,
      sessionId: last?.sessionId,
    });
    expect(firstPage.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('keeps paging stable while newer sessions start', () => {
    const first = service.query(QuerySessionHistoryRequest.parse({ pageSize: 10 }));
    const repository = new SessionRepository(database.db);
    repository.started({
      sessionId: 'zz-newer',
      kind: 'control',
      peer: peers[0] ?? '',
      startedMs: baseMs * 2,
    });
    try {
      const second = service.query(
        QuerySessionHistoryRequest.parse({ pageSize: 10, cursor: first.nextCursor ?? undefined }),
      );
      expect(second.rows).toEqual(reference(fixtures, {}).slice(10, 20));
    } finally {
      database.db.prepare("DELETE FROM sessions WHERE session_id = 'zz-newer'").run();
    }
  });

  it('names the node of an open session from the live sessions', () => {
    const open = fixtures.find((fixture) => !fixture.end);
    const live = new SessionHistoryService(database.db, () => [
      { sessionId: open?.sessionId ?? '', nodeId: '0003' },
    ]);
    const rows = live.query(QuerySessionHistoryRequest.parse({ outcome: 'open' })).rows;
    expect(rows.find((row) => row.sessionId === open?.sessionId)?.nodeId).toBe('0003');
    expect(rows.filter((row) => row.nodeId !== null)).toHaveLength(1);
  });
});

describe('SessionHistoryService with unexpected stored rows', () => {
  let own: OpenDatabase;
  beforeEach(() => {
    own = openDatabase(':memory:', loadMigrations(migrationsDir));
  });
  afterEach(() => own.db.close());

  function insert(sessionId: string, summary: string | null, outcome: string | null = 'closed'): void {
    own.db
      .prepare(
        `INSERT INTO sessions (session_id, kind, peer, started_ms, ended_ms, outcome, summary)
         VALUES (?, 'webrtc', NULL, 1000, 4000, ?, ?)`,
      )
      .run(sessionId, outcome, summary);
  }

  it('gives nulls for a malformed or missing summary and still answers the page', () => {
    const summaries = [
      'not json {',
      'null',
      '[1, 2]',
      '"text"',
      '{"nodeId": 7, "reason": ["x"], "streamed": "yes"}',
      null,
    ];
    summaries.forEach((summary, index) => insert(`bad-${index}`, summary));
    const rows = new SessionHistoryService(own.db).query(QuerySessionHistoryRequest.parse({})).rows;
    expect(rows).toHaveLength(summaries.length);
    for (const row of rows) {
      expect(row).toEqual({
        sessionId: row.sessionId,
        kind: 'webrtc',
        peer: null,
        startedMs: 1000,
        endedMs: 4000,
        outcome: 'closed',
        durationMs: 3000,
        reason: null,
        nodeId: null,
        streamed: null,
      });
    }
  });

  it('keeps the readable members of a partial summary', () => {
    insert('partial', '{"reason": "peer connection failed", "streamed": false, "extra": 1}', 'failed');
    const [row] = new SessionHistoryService(own.db).query(QuerySessionHistoryRequest.parse({})).rows;
    expect(row).toMatchObject({
      outcome: 'failed',
      reason: 'peer connection failed',
      streamed: false,
      nodeId: null,
    });
  });

  it('does not pass on an outcome the console does not know', () => {
    insert('odd', '{}', 'timed-out');
    const [row] = new SessionHistoryService(own.db).query(QuerySessionHistoryRequest.parse({})).rows;
    expect(row).toMatchObject({ endedMs: 4000, outcome: null });
  });

  it('parseSummary reads what ControlSessionService records', () => {
    expect(
      parseSummary(
        JSON.stringify({ nodeId: '0001', reason: 'closed by operator', streamed: true, durationMs: 5 }),
      ),
    ).toEqual({ nodeId: '0001', reason: 'closed by operator', streamed: true });
  });
});

describe('session history cursors', () => {
  it('round-trip through an opaque base64url text', () => {
    for (const cursor of [
      { startedMs: baseMs, sessionId: 'c9b1d3a0-1111-4222-8333-444455556666' },
      { startedMs: 0, sessionId: 'x' },
      { startedMs: -5, sessionId: 'id.with.dots and ünïcode' },
    ]) {
      const text = encodeSessionHistoryCursor(cursor);
      expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeSessionHistoryCursor(text)).toEqual(cursor);
    }
  });

  it.each([
    ['not base64url', 'not a cursor'],
    ['an impossible length', 'abcde'],
    ['no separator', Buffer.from('12345').toString('base64url')],
    ['no session id', Buffer.from('abc.').toString('base64url')],
    ['no time', Buffer.from('.abc').toString('base64url')],
    ['a time that is not base 36', Buffer.from('1-2.abc').toString('base64url')],
    ['a time too large', Buffer.from('zzzzzzzzzzzz.abc').toString('base64url')],
    ['bytes that are not UTF-8', Buffer.from([0x31, 0x2e, 0xff, 0xfe]).toString('base64url')],
    ['an overlong session id', Buffer.from(`1.${'a'.repeat(257)}`).toString('base64url')],
  ])('refuses %s', (_name, text) => {
    expect(decodeSessionHistoryCursor(text)).toBeUndefined();
  });
});

describe('session history query plan', () => {
  function plan(request: Record<string, unknown>): string {
    const { sql, params } = service.listSql(QuerySessionHistoryRequest.parse(request));
    return database.db
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all(params)
      .map((row) => (row as { detail: string }).detail)
      .join('\n');
  }
  const cursor = encodeSessionHistoryCursor({ startedMs: baseMs, sessionId: 's-001' });

  it.each<[string, Record<string, unknown>]>([
    ['newest page', {}],
    ['a cursor', { cursor }],
    ['a time range with a cursor', { from: 1, to: baseMs * 2, cursor }],
    ['every filter', { from: 1, kind: 'control', outcome: 'open', peer: 'aaaa', cursor }],
  ])('%s walks sessions_by_start in start order, sorting only equal start times', (_name, request) => {
    const detail = plan(request);
    expect(detail).toMatch(/^(SCAN|SEARCH) s USING INDEX sessions_by_start\b/m);
    expect(detail).not.toMatch(/^SCAN s$/m);
    // Only ties on started_ms are sorted (by session id); never the whole table.
    expect(detail).not.toMatch(/USE TEMP B-TREE FOR ORDER BY/);
  });

  it('seeks to the cursor instead of scanning from the newest session', () => {
    expect(plan({ cursor })).toMatch(/SEARCH s USING INDEX sessions_by_start \(started_ms<\?\)/);
  });
});

describe('sessions:queryHistory through the dispatcher', () => {
  let dir: string;
  let services: ConsoleServices;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nice-session-history-'));
    services = createConsoleServices({
      shell: 'web',
      version: 'test',
      dataDir: dir,
      databaseFile: ':memory:',
      migrationsDir,
      cipher: FileKeyCipher.inDataDir(dir),
    });
  });
  afterAll(() => {
    services.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a bad cursor', { cursor: 'not a cursor' }, 'cursor'],
    ['a cursor of the SceneMarks list', { cursor: 'mhf1234.2s' }, 'cursor'],
    ['page size 0', { pageSize: 0 }, 'pageSize'],
    ['page size over 500', { pageSize: 501 }, 'pageSize'],
    ['from after to', { from: 20, to: 10 }, 'to'],
    ['an unknown kind', { kind: 'mqtt' }, 'kind'],
    ['an unknown outcome', { outcome: 'lost' }, 'outcome'],
    ['an empty peer', { peer: '   ' }, 'peer'],
    ['an overlong peer', { peer: 'x'.repeat(101) }, 'peer'],
    ['an unknown member', { sql: 'DROP TABLE sessions' }, 'payload'],
  ])('refuses %s naming the field', async (_name, payload, field) => {
    const result = await services.dispatcher.dispatch('sessions:queryHistory', payload, context);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('INVALID_REQUEST');
      expect(result.error.message).toMatch(new RegExp(`^sessions:queryHistory: ${field}: `));
    }
  });

  it('answers an empty history with no cursor', async () => {
    expect(await services.dispatcher.dispatch('sessions:queryHistory', {}, context)).toEqual({
      ok: true,
      value: { rows: [], nextCursor: null },
    });
  });
});
