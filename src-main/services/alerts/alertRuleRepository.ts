import type Database from 'better-sqlite3';
import type { AlertRule } from '../../../src-shared/contract/alertsContract';

/** A validated rule as the repository writes it (the contract's AlertRuleInput after defaults). */
export type AlertRuleFields = Omit<AlertRule, 'id' | 'createdMs'>;

interface RuleRow {
  id: number;
  name: string;
  device_id: string | null;
  node_id: string | null;
  item_type: string | null;
  event_type: string | null;
  min_probability: number | null;
  cooldown_ms: number;
  enabled: number;
  created_ms: number;
}

type RuleValues = [
  string,
  string | null,
  string | null,
  string | null,
  string | null,
  number | null,
  number,
  number,
];

/** The alert_rules table (migration 0011). */
export class AlertRuleRepository {
  private readonly selectAll: Database.Statement<[], RuleRow>;
  private readonly selectOne: Database.Statement<[number], RuleRow>;
  private readonly insert: Database.Statement<[...RuleValues, number]>;
  private readonly update: Database.Statement<[...RuleValues, number]>;
  private readonly remove: Database.Statement<[number]>;

  constructor(db: Database.Database) {
    this.selectAll = db.prepare('SELECT * FROM alert_rules ORDER BY id');
    this.selectOne = db.prepare('SELECT * FROM alert_rules WHERE id = ?');
    const columns = 'name, device_id, node_id, item_type, event_type, min_probability, cooldown_ms, enabled';
    this.insert = db.prepare(
      `INSERT INTO alert_rules (${columns}, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.update = db.prepare(`UPDATE alert_rules SET (${columns}) = (?, ?, ?, ?, ?, ?, ?, ?) WHERE id = ?`);
    this.remove = db.prepare('DELETE FROM alert_rules WHERE id = ?');
  }

  list(): AlertRule[] {
    return this.selectAll.all().map(toRule);
  }

  get(id: number): AlertRule | undefined {
    const row = this.selectOne.get(id);
    return row ? toRule(row) : undefined;
  }

  create(fields: AlertRuleFields, nowMs: number): AlertRule {
    const id = Number(this.insert.run(...values(fields), nowMs).lastInsertRowid);
    return this.get(id) as AlertRule;
  }

  /** Replaces the rule's fields; undefined when no rule has that id. */
  replace(id: number, fields: AlertRuleFields): AlertRule | undefined {
    if (this.update.run(...values(fields), id).changes === 0) return undefined;
    return this.get(id);
  }

  delete(id: number): boolean {
    return this.remove.run(id).changes > 0;
  }
}

function values(fields: AlertRuleFields): RuleValues {
  return [
    fields.name,
    fields.deviceId?.toLowerCase() ?? null,
    fields.nodeId,
    fields.itemType,
    fields.eventType,
    fields.minProbability,
    fields.cooldownSeconds * 1000,
    fields.enabled ? 1 : 0,
  ];
}

function toRule(row: RuleRow): AlertRule {
  return {
    id: row.id,
    name: row.name,
    deviceId: row.device_id,
    nodeId: row.node_id,
    itemType: row.item_type,
    eventType: row.event_type,
    minProbability: row.min_probability,
    cooldownSeconds: Math.round(row.cooldown_ms / 1000),
    enabled: row.enabled === 1,
    createdMs: row.created_ms,
  };
}
