import type {
  AcknowledgeAlertsRequest,
  AcknowledgeAlertsResponse,
  Alert,
  AlertRule,
  ListAlertsResponse,
} from '../../../src-shared/contract/alertsContract';
import { toDisposable, type Disposable } from '../../core/util/disposable';
import type { Logger } from '../../core/util/logger';
import { ContractFailure } from '../contract/contractFailure';
import type { SceneMarkRecord } from '../scenemarks/sceneMarkRecord';
import type { AlertRepository } from './alertRepository';
import { matchRule } from './alertRuleMatch';
import type { AlertRuleFields, AlertRuleRepository } from './alertRuleRepository';

export interface AlertServiceOptions {
  rules: AlertRuleRepository;
  alerts: AlertRepository;
  logger: Logger;
  /** Pushes new alerts (`alerts:raised`) and changed ones (`alerts:changed`). */
  publish: { raised: (alert: Alert) => void; changed: (alert: Alert) => void };
  now?: () => number;
}

/** The open alert of one rule for one device: later matches within the cooldown fold into it. */
interface OpenAlert {
  id: number;
  raisedMs: number;
}

/**
 * Alert rules and the alerts they raise (issue #13 item 3). Ingest hands every newly stored
 * SceneMark to `consider`, once per commit; a rule that matches raises an alert, unless the
 * same rule raised one for the same device within its cooldown, which then counts the match
 * instead, so a busy camera calls the operator once per cooldown rather than per SceneMark.
 * Cooldowns are read back from the alerts table, so they hold across restarts.
 */
export class AlertService {
  private readonly now: () => number;
  private rules: AlertRule[];
  /** Per `ruleId\0deviceId`: the last alert raised (loaded from the table on first use). */
  private readonly open = new Map<string, OpenAlert | null>();
  private readonly raiseListeners = new Set<(alert: Alert) => void>();

  constructor(private readonly options: AlertServiceOptions) {
    this.now = options.now ?? Date.now;
    this.rules = options.rules.list();
  }

  /** Called for every alert raised (the desktop app shows it as an Electron notification). */
  onDidRaise(listener: (alert: Alert) => void): Disposable {
    this.raiseListeners.add(listener);
    return toDisposable(() => this.raiseListeners.delete(listener));
  }

  listRules(): { rules: AlertRule[] } {
    return { rules: [...this.rules] };
  }

  createRule(fields: AlertRuleFields): AlertRule {
    const rule = this.options.rules.create(fields, this.now());
    this.rules = this.options.rules.list();
    return rule;
  }

  updateRule(id: number, fields: AlertRuleFields): AlertRule {
    const rule = this.options.rules.replace(id, fields);
    if (!rule) throw new ContractFailure('NOT_FOUND', `no alert rule ${id}`);
    this.rules = this.options.rules.list();
    this.forgetRule(id);
    return rule;
  }

  deleteRule(id: number): { deleted: boolean } {
    const deleted = this.options.rules.delete(id);
    this.rules = this.options.rules.list();
    this.forgetRule(id);
    return { deleted };
  }

  listAlerts(limit: number, unacknowledgedOnly: boolean): ListAlertsResponse {
    return {
      alerts: this.options.alerts.list(limit, unacknowledgedOnly),
      unacknowledged: this.options.alerts.unacknowledged(),
    };
  }

  acknowledge(request: AcknowledgeAlertsRequest): AcknowledgeAlertsResponse {
    const changed = this.options.alerts.acknowledge('ids' in request ? request.ids : undefined, this.now());
    for (const alert of changed) this.options.publish.changed(alert);
    return { acknowledged: changed.length, unacknowledged: this.options.alerts.unacknowledged() };
  }

  /**
   * Matches newly stored SceneMarks against the enabled rules and writes the outcome in one
   * transaction. Never throws: a failure is logged and ingest carries on (the SceneMarks are
   * stored either way).
   */
  consider(records: readonly SceneMarkRecord[]): void {
    const rules = this.rules.filter((rule) => rule.enabled);
    if (rules.length === 0 || records.length === 0) return;
    try {
      const { raised, folded } = this.options.alerts.transaction(() => this.match(rules, records));
      for (const alert of raised) {
        this.options.publish.raised(alert);
        for (const listener of this.raiseListeners) listener(alert);
      }
      for (const alert of folded) this.options.publish.changed(alert);
    } catch (error) {
      // The cached cooldowns may not match the table after a rollback: read them again.
      this.open.clear();
      this.options.logger.log(
        'error',
        'alerts',
        `alert rules could not be applied to ${records.length} SceneMarks: ${(error as Error).message}`,
        (error as Error).stack,
      );
    }
  }

  private match(rules: readonly AlertRule[], records: readonly SceneMarkRecord[]) {
    const now = this.now();
    const raisedIds: number[] = [];
    const folds = new Map<number, { count: number; lastMs: number }>();
    for (const record of records) {
      for (const rule of rules) {
        const hit = matchRule(rule, record);
        if (!hit) continue;
        const deviceId = record.deviceId?.toLowerCase() ?? null;
        const key = `${rule.id}\u0000${deviceId ?? ''}`;
        const last = this.lastAlert(key, rule.id, deviceId);
        if (last && now - last.raisedMs < rule.cooldownSeconds * 1000) {
          const fold = folds.get(last.id) ?? { count: 0, lastMs: 0 };
          fold.count += 1;
          fold.lastMs = now;
          folds.set(last.id, fold);
          continue;
        }
        const id = this.options.alerts.insert({
          ruleId: rule.id,
          ruleName: rule.name,
          sceneMarkId: record.sceneMarkId,
          deviceId,
          nodeId: record.nodeId,
          eventType: record.eventType,
          itemTypes: record.itemTypes,
          probability: hit.probability,
          timeMs: record.time,
          raisedMs: now,
        });
        this.open.set(key, { id, raisedMs: now });
        raisedIds.push(id);
      }
    }
    for (const [id, fold] of folds) this.options.alerts.fold(id, fold.count, fold.lastMs);
    const load = (id: number) => this.options.alerts.get(id);
    return {
      raised: raisedIds.map(load).filter((alert): alert is Alert => alert !== undefined),
      folded: [...folds.keys()]
        .filter((id) => !raisedIds.includes(id))
        .map(load)
        .filter((alert): alert is Alert => alert !== undefined),
    };
  }

  private lastAlert(key: string, ruleId: number, deviceId: string | null): OpenAlert | null {
    let last = this.open.get(key);
    if (last === undefined) {
      last = this.options.alerts.lastOf(ruleId, deviceId) ?? null;
      this.open.set(key, last);
    }
    return last;
  }

  /** A changed or deleted rule starts its cooldowns afresh from the table. */
  private forgetRule(id: number): void {
    for (const key of this.open.keys()) if (key.startsWith(`${id}\u0000`)) this.open.delete(key);
  }
}
