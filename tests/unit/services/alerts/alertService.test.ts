import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../src-main/core/util/logger';
import { AlertRepository } from '../../../../src-main/services/alerts/alertRepository';
import { AlertRuleRepository } from '../../../../src-main/services/alerts/alertRuleRepository';
import { AlertService } from '../../../../src-main/services/alerts/alertService';
import { IngestPipeline } from '../../../../src-main/services/scenemarks/ingestPipeline';
import { SceneMarkRepository } from '../../../../src-main/services/scenemarks/sceneMarkRepository';
import {
  AlertRuleInput,
  UpdateRuleRequest,
  type Alert,
} from '../../../../src-shared/contract/alertsContract';
import { generatedDeviceId } from '../../../../bench/support/sceneMarkGenerator';
import { editedSceneMark, firstAnalysis, openIngestDatabase } from '../scenemarks/ingestFixture';

const lobby = generatedDeviceId(0);

let dir: string;
let db: Database.Database;
let clock: number;
let raised: Alert[];
let changed: Alert[];

function services(file = join(dir, 'console.sqlite')) {
  db = openIngestDatabase(file);
  const alerts = new AlertService({
    rules: new AlertRuleRepository(db),
    alerts: new AlertRepository(db),
    logger: silentLogger,
    publish: { raised: (alert) => raised.push(alert), changed: (alert) => changed.push(alert) },
    now: () => clock,
  });
  const ingest = new IngestPipeline({
    repository: new SceneMarkRepository(db),
    logger: silentLogger,
    publisher: {
      ingested: () => {},
      countersChanged: () => {},
      stored: (records) => alerts.consider(records),
    },
  });
  return { alerts, ingest };
}

/** SceneMark `index` of `device` (0 = lobby, 1 = dock) holding exactly `objects`. */
function sceneMark(index: number, device: number, objects: Array<[string, number]>): Uint8Array {
  return editedSceneMark(
    index * 2 + device,
    (mark) => {
      const analysis = firstAnalysis(mark);
      analysis['EventType'] = 'ItemPresence';
      analysis['DetectedObjects'] = objects.map(([itemType, probability], ordinal) => ({
        NICEItemType: itemType,
        ItemID: `${index}-${ordinal}`,
        Probability: probability,
        BoundingBox: { XCoordinate: 0.1, YCoordinate: 0.1, Width: 0.2, Height: 0.3 },
      }));
      analysis['TotalItemCount'] = objects.length;
    },
    { devices: 2, idPrefix: 'ALR' },
  );
}

function alertRows(): Array<{ scenemark_id: string; match_count: number; rule_name: string }> {
  return db.prepare('SELECT scenemark_id, match_count, rule_name FROM alerts ORDER BY id').all() as never;
}

const humanOnLobby = AlertRuleInput.parse({
  name: 'Person in the lobby',
  deviceId: lobby,
  itemType: 'Human',
  minProbability: 0.8,
  cooldownSeconds: 60,
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'alerts-'));
  clock = Date.UTC(2026, 11, 8, 9);
  raised = [];
  changed = [];
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('AlertService at ingest', () => {
  it('raises an alert for a matching SceneMark and none for the others', () => {
    const { alerts, ingest } = services();
    alerts.createRule(humanOnLobby);
    ingest.submit(sceneMark(1, 1, [['Human', 0.95]]), 'test'); // another device
    ingest.submit(
      sceneMark(2, 0, [
        ['Human', 0.5],
        ['Vehicle', 0.99],
      ]),
      'test',
    ); // too unsure / wrong item
    ingest.submit(
      sceneMark(3, 0, [
        ['Vehicle', 0.9],
        ['Human', 0.85],
      ]),
      'test',
    ); // the match
    ingest.flush();
    ingest.dispose();

    const rows = alertRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.scenemark_id).toContain(`${lobby}_`);
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ ruleName: 'Person in the lobby', deviceId: lobby, probability: 0.85 });
    expect(alerts.listAlerts(10, true).unacknowledged).toBe(1);
  });

  it('folds matches within the cooldown into the open alert, per device, and raises again after it', () => {
    const { alerts, ingest } = services();
    alerts.createRule({
      ...AlertRuleInput.parse({ name: 'Any person', itemType: 'Human' }),
      cooldownSeconds: 30,
    });
    for (let index = 0; index < 5; index++) ingest.submit(sceneMark(index, 0, [['Human', 0.9]]), 'test');
    ingest.submit(sceneMark(9, 1, [['Human', 0.9]]), 'test');
    ingest.flush();
    expect(alertRows().map((row) => row.match_count)).toEqual([5, 1]);

    clock += 29_000;
    ingest.submit(sceneMark(10, 0, [['Human', 0.9]]), 'test');
    ingest.flush();
    expect(alertRows().map((row) => row.match_count)).toEqual([6, 1]);
    expect(changed.at(-1)?.matchCount).toBe(6);

    clock += 2_000;
    ingest.submit(sceneMark(11, 0, [['Human', 0.9]]), 'test');
    ingest.flush();
    ingest.dispose();
    expect(alertRows().map((row) => row.match_count)).toEqual([6, 1, 1]);
    expect(raised).toHaveLength(3);
  });

  it('keeps rules, alerts and cooldowns across a restart; a deleted rule keeps its alerts', () => {
    const first = services();
    const rule = first.alerts.createRule(humanOnLobby);
    first.ingest.submit(sceneMark(1, 0, [['Human', 0.9]]), 'test');
    first.ingest.flush();
    first.ingest.dispose();
    db.close();

    clock += 10_000;
    const second = services();
    expect(second.alerts.listRules().rules).toEqual([rule]);
    second.ingest.submit(sceneMark(2, 0, [['Human', 0.9]]), 'test');
    second.ingest.flush();
    expect(alertRows().map((row) => row.match_count)).toEqual([2]);
    expect(raised).toHaveLength(1);

    expect(second.alerts.deleteRule(rule.id)).toEqual({ deleted: true });
    second.ingest.submit(sceneMark(3, 0, [['Human', 0.9]]), 'test');
    second.ingest.flush();
    second.ingest.dispose();
    expect(alertRows()).toEqual([
      expect.objectContaining({ rule_name: 'Person in the lobby', match_count: 2 }),
    ]);
  });

  it('acknowledges alerts by id and all at once', () => {
    const { alerts, ingest } = services();
    alerts.createRule({ ...AlertRuleInput.parse({ name: 'Any', cooldownSeconds: 0 }) });
    for (let index = 0; index < 3; index++) ingest.submit(sceneMark(index, 0, [['Human', 0.9]]), 'test');
    ingest.flush();
    ingest.dispose();
    const [newest] = alerts.listAlerts(10, false).alerts;
    expect(alerts.acknowledge({ ids: [newest?.id ?? 0] })).toEqual({ acknowledged: 1, unacknowledged: 2 });
    expect(alerts.acknowledge({ ids: [newest?.id ?? 0] })).toEqual({ acknowledged: 0, unacknowledged: 2 });
    expect(alerts.acknowledge({ all: true })).toEqual({ acknowledged: 2, unacknowledged: 0 });
    expect(changed.map((alert) => alert.acknowledgedMs)).toEqual([clock, clock, clock]);
  });

  it('a disabled or updated rule stops matching what it no longer asks for', () => {
    const { alerts, ingest } = services();
    const rule = alerts.createRule(humanOnLobby);
    alerts.updateRule(
      rule.id,
      UpdateRuleRequest.parse({ id: rule.id, rule: { ...humanOnLobby, enabled: false } }).rule,
    );
    ingest.submit(sceneMark(1, 0, [['Human', 0.9]]), 'test');
    ingest.flush();
    ingest.dispose();
    expect(alertRows()).toEqual([]);
    expect(() => alerts.updateRule(99, humanOnLobby)).toThrow('no alert rule 99');
  });
});

describe('alert rule requests', () => {
  it('name the field that is wrong', () => {
    const result = AlertRuleInput.safeParse({ name: ' ', minProbability: 1.5, cooldownSeconds: -1 });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(paths).toEqual([
      'name: must not be empty',
      'minProbability: must be between 0 and 1',
      'cooldownSeconds: must not be negative',
    ]);
  });
});
