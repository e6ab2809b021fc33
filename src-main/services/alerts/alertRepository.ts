import type Database from 'better-sqlite3';
import type { Alert } from '../../../src-shared/contract/alertsContract';
import { decodeItemTypes, encodeItemTypes } from '../scenemarks/itemTypesColumn';

/** A new alert as written; the repository gives it its id. */
export type NewAlert = Omit<Alert, 'id' | 'matchCount' | 'lastMatchMs' | 'acknowledgedMs'>;

interface AlertRow {
  id: number;
  rule_id: number | null;
  rule_name: string;
  scenemark_id: string;
  device_id: string | null;
  node_id: string;
  event_type: string | null;
  item_types: string;
  probability: number | null;
  time_ms: number;
  raised_ms: number;
  match_count: number;
  last_match_ms: number;
  acknowledged_ms: number | null;
}

/** The alerts table (migration 0011). */
export class AlertRepository {
  private readonly insertAlert: Database.Statement<
    [
      number | null,
      string,
      string,
      string | null,
      string,
      string | null,
      string,
      number | null,
      number,
      number,
      number,
    ]
  >;
  private readonly foldMatches: Database.Statement<[number, number, number]>;
  private readonly selectOne: Database.Statement<[number], AlertRow>;
  private readonly selectLatest: Database.Statement<[number], AlertRow>;
  private readonly selectOpen: Database.Statement<[number], AlertRow>;
  private readonly selectLastOf: Database.Statement<
    [number, string | null],
    { id: number; raised_ms: number }
  >;
  private readonly countOpen: Database.Statement<[], { open: number }>;
  private readonly acknowledgeOne: Database.Statement<[number, number]>;
  private readonly selectOpenIds: Database.Statement<[], { id: number }>;

  constructor(private readonly db: Database.Database) {
    this.insertAlert = db.prepare(
      `INSERT INTO alerts (rule_id, rule_name, scenemark_id, device_id, node_id, event_type, item_types,
         probability, time_ms, raised_ms, last_match_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.foldMatches = db.prepare(
      'UPDATE alerts SET match_count = match_count + ?, last_match_ms = max(last_match_ms, ?) WHERE id = ?',
    );
    this.selectOne = db.prepare('SELECT * FROM alerts WHERE id = ?');
    this.selectLatest = db.prepare('SELECT * FROM alerts ORDER BY id DESC LIMIT ?');
    this.selectOpen = db.prepare(
      'SELECT * FROM alerts WHERE acknowledged_ms IS NULL ORDER BY id DESC LIMIT ?',
    );
    this.selectLastOf = db.prepare(
      'SELECT id, raised_ms FROM alerts WHERE rule_id = ? AND device_id IS ? ORDER BY id DESC LIMIT 1',
    );
    this.countOpen = db.prepare('SELECT count(*) AS open FROM alerts WHERE acknowledged_ms IS NULL');
    this.acknowledgeOne = db.prepare(
      'UPDATE alerts SET acknowledged_ms = ? WHERE id = ? AND acknowledged_ms IS NULL',
    );
    this.selectOpenIds = db.prepare('SELECT id FROM alerts WHERE acknowledged_ms IS NULL');
  }

  /** Runs `work` in one transaction (an ingest batch's alerts are written together). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  insert(alert: NewAlert): number {
    return Number(
      this.insertAlert.run(
        alert.ruleId,
        alert.ruleName,
        alert.sceneMarkId,
        alert.deviceId,
        alert.nodeId,
        alert.eventType,
        encodeItemTypes(alert.itemTypes),
        alert.probability,
        alert.timeMs,
        alert.raisedMs,
        alert.raisedMs,
      ).lastInsertRowid,
    );
  }

  /** Counts `matches` more SceneMarks into an alert, the last of them at `lastMatchMs`. */
  fold(id: number, matches: number, lastMatchMs: number): void {
    this.foldMatches.run(matches, lastMatchMs, id);
  }

  /** The newest alert of a rule for one device (null: SceneMarks without a DeviceID). */
  lastOf(ruleId: number, deviceId: string | null): { id: number; raisedMs: number } | undefined {
    const row = this.selectLastOf.get(ruleId, deviceId);
    return row ? { id: row.id, raisedMs: row.raised_ms } : undefined;
  }

  get(id: number): Alert | undefined {
    const row = this.selectOne.get(id);
    return row ? toAlert(row) : undefined;
  }

  /** The newest alerts first. */
  list(limit: number, unacknowledgedOnly: boolean): Alert[] {
    const rows = unacknowledgedOnly ? this.selectOpen.all(limit) : this.selectLatest.all(limit);
    return rows.map(toAlert);
  }

  unacknowledged(): number {
    return this.countOpen.get()?.open ?? 0;
  }

  /** Acknowledges the open ones among `ids` (all open alerts when undefined); returns them. */
  acknowledge(ids: readonly number[] | undefined, nowMs: number): Alert[] {
    return this.transaction(() => {
      const targets = ids ?? this.selectOpenIds.all().map((row) => row.id);
      const changed: Alert[] = [];
      for (const id of targets) {
        if (this.acknowledgeOne.run(nowMs, id).changes === 0) continue;
        const alert = this.get(id);
        if (alert) changed.push(alert);
      }
      return changed;
    });
  }
}

function toAlert(row: AlertRow): Alert {
  return {
    id: row.id,
    ruleId: row.rule_id,
    ruleName: row.rule_name,
    sceneMarkId: row.scenemark_id,
    deviceId: row.device_id,
    nodeId: row.node_id,
    eventType: row.event_type,
    itemTypes: decodeItemTypes(row.item_types),
    probability: row.probability,
    timeMs: row.time_ms,
    raisedMs: row.raised_ms,
    matchCount: row.match_count,
    lastMatchMs: row.last_match_ms,
    acknowledgedMs: row.acknowledged_ms,
  };
}
