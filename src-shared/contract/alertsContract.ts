import { z } from 'zod';

/** A filter value of a rule: absent or null matches anything. */
const RuleFilterText = (what: string) =>
  z
    .string()
    .trim()
    .min(1, { error: `must not be empty (send null to match any ${what})` })
    .max(128, { error: 'must be at most 128 characters' })
    .nullable()
    .default(null);

/** What the operator sets on an alert rule; every filter left null matches anything. */
export const AlertRuleInput = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(80, { error: 'must be at most 80 characters' }),
  deviceId: RuleFilterText('device'),
  nodeId: RuleFilterText('node'),
  itemType: RuleFilterText('item type'),
  eventType: RuleFilterText('event type'),
  /** An object of `itemType` (or any, when null) detected with at least this probability. */
  minProbability: z
    .number()
    .min(0, { error: 'must be between 0 and 1' })
    .max(1, { error: 'must be between 0 and 1' })
    .nullable()
    .default(null),
  /** After an alert, further matches from the same device fold into it for this long. */
  cooldownSeconds: z
    .number()
    .int({ error: 'must be a whole number of seconds' })
    .min(0, { error: 'must not be negative' })
    .max(86_400, { error: 'must be at most 86400 (one day)' })
    .default(60),
  enabled: z.boolean().default(true),
});
export type AlertRuleInput = z.input<typeof AlertRuleInput>;

/** One stored alert rule. */
export const AlertRule = z.strictObject({
  id: z.number().int(),
  name: z.string(),
  deviceId: z.string().nullable(),
  nodeId: z.string().nullable(),
  itemType: z.string().nullable(),
  eventType: z.string().nullable(),
  minProbability: z.number().nullable(),
  cooldownSeconds: z.number().int(),
  enabled: z.boolean(),
  createdMs: z.number(),
});
export type AlertRule = z.infer<typeof AlertRule>;

/** Request of `alerts:listRules`. */
export const ListRulesRequest = z.strictObject({});
/** Reply of `alerts:listRules`: every rule, oldest first. */
export const ListRulesResponse = z.strictObject({ rules: z.array(AlertRule) });
export type ListRulesResponse = z.infer<typeof ListRulesResponse>;

const RuleId = z.number().int().positive();

/** Request of `alerts:updateRule`: the whole rule as it should be. */
export const UpdateRuleRequest = z.strictObject({ id: RuleId, rule: AlertRuleInput });
export type UpdateRuleRequest = z.input<typeof UpdateRuleRequest>;

/** Request of `alerts:deleteRule`; the alerts it raised stay. */
export const DeleteRuleRequest = z.strictObject({ id: RuleId });
export const DeleteRuleResponse = z.strictObject({ deleted: z.boolean() });

/** One alert: the first matching SceneMark of a rule, with later matches in the cooldown folded in. */
export const Alert = z.strictObject({
  id: z.number().int(),
  /** Null once the rule was deleted; `ruleName` keeps what it was called. */
  ruleId: z.number().int().nullable(),
  ruleName: z.string(),
  sceneMarkId: z.string(),
  deviceId: z.string().nullable(),
  nodeId: z.string(),
  eventType: z.string().nullable(),
  itemTypes: z.array(z.string()),
  /** Highest probability among the objects that matched; null when the rule asks for none. */
  probability: z.number().nullable(),
  /** The SceneMark's TimeStamp, ms since the epoch. */
  timeMs: z.number(),
  raisedMs: z.number(),
  /** Matching SceneMarks this alert stands for (1 + those folded in during the cooldown). */
  matchCount: z.number().int().positive(),
  lastMatchMs: z.number(),
  acknowledgedMs: z.number().nullable(),
});
export type Alert = z.infer<typeof Alert>;

/** Request of `alerts:listAlerts`: the newest alerts first. */
export const ListAlertsRequest = z.strictObject({
  limit: z.number().int().min(1).max(1000).default(200),
  unacknowledgedOnly: z.boolean().default(false),
});
export type ListAlertsRequest = z.input<typeof ListAlertsRequest>;
/** Reply of `alerts:listAlerts`, with the count of unacknowledged alerts for the navigation. */
export const ListAlertsResponse = z.strictObject({
  alerts: z.array(Alert),
  unacknowledged: z.number().int().nonnegative(),
});
export type ListAlertsResponse = z.infer<typeof ListAlertsResponse>;

/** Request of `alerts:acknowledgeAlerts`: some alerts by id, or every open one. */
export const AcknowledgeAlertsRequest = z.union([
  z.strictObject({ ids: z.array(z.number().int().positive()).min(1).max(1000) }),
  z.strictObject({ all: z.literal(true) }),
]);
export type AcknowledgeAlertsRequest = z.infer<typeof AcknowledgeAlertsRequest>;
export const AcknowledgeAlertsResponse = z.strictObject({
  acknowledged: z.number().int().nonnegative(),
  unacknowledged: z.number().int().nonnegative(),
});
export type AcknowledgeAlertsResponse = z.infer<typeof AcknowledgeAlertsResponse>;
