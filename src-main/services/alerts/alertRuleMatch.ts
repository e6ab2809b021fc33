import type { AlertRule } from '../../../src-shared/contract/alertsContract';
import type { SceneMarkRecord } from '../scenemarks/sceneMarkRecord';

/** What a matching SceneMark tells the alert: the best probability among the matching objects. */
export interface RuleMatch {
  probability: number | null;
}

/**
 * Whether `record` satisfies every filter `rule` sets. Item type and probability are judged per
 * detected object (a Human at 0.9 and a Vehicle at 0.3 do not make a "Vehicle ≥ 0.8" match);
 * DeviceIDs compare without case, as the device directory keys them.
 */
export function matchRule(rule: AlertRule, record: SceneMarkRecord): RuleMatch | null {
  if (!rule.enabled) return null;
  if (rule.deviceId !== null && record.deviceId?.toLowerCase() !== rule.deviceId) return null;
  if (rule.nodeId !== null && record.nodeId !== rule.nodeId) return null;
  if (rule.eventType !== null && record.eventType !== rule.eventType) return null;
  if (rule.itemType === null && rule.minProbability === null) return { probability: null };
  let best: number | null = null;
  let matched = false;
  for (const object of record.objects) {
    if (rule.itemType !== null && object.itemType !== rule.itemType) continue;
    if (rule.minProbability !== null && (object.probability ?? -1) < rule.minProbability) continue;
    matched = true;
    if (object.probability !== null && (best === null || object.probability > best))
      best = object.probability;
  }
  return matched ? { probability: best } : null;
}
