/**
 * Every channel the renderer may use, as plain lists with no imports: the sandboxed preload
 * bundles this file alone, and both transports refuse anything not listed here.
 * Invoke channels are `feature:verbObject`; event channels are `feature:pastTense`.
 */
export const invokeChannels = [
  'app:getInfo',
  'app:listLicences',
  'settings:getSettings',
  'settings:updateSettings',
  'diagnostics:listEntries',
  'connections:listProfiles',
  'connections:createProfile',
  'connections:updateProfile',
  'connections:deleteProfile',
  'connections:testProfile',
  'connections:connectProfile',
  'connections:disconnectProfile',
  'commands:sendCommand',
  'scenemarks:querySceneMarks',
  'scenemarks:getTimeline',
  'scenemarks:getSceneMark',
  'scenemarks:listFacets',
  'export:startExport',
  'export:cancelExport',
  'scenemarks:getIngestCounters',
  'retention:getUsage',
  'retention:setBudgets',
  'retention:vacuum',
  'localSite:getStatus',
  'localSite:start',
  'localSite:stop',
  'localSite:declineFirstRun',
  'localSite:listDevices',
  'devices:listDevices',
  'devices:renameDevice',
  'sessions:openSession',
  'sessions:sendSignal',
  'sessions:reportPeerState',
  'sessions:startStreaming',
  'sessions:stopStreaming',
  'sessions:closeSession',
  'sessions:listSessions',
  'sessions:deliverData',
  'sessions:queryHistory',
  'alerts:listRules',
  'alerts:createRule',
  'alerts:updateRule',
  'alerts:deleteRule',
  'alerts:listAlerts',
  'alerts:acknowledgeAlerts',
] as const;

/** Channels on which main pushes batches of events to the renderer. */
export const eventChannels = [
  'settings:changed',
  'diagnostics:logged',
  'connections:statusChanged',
  'export:progressed',
  'scenemarks:ingested',
  'scenemarks:countersChanged',
  'retention:pruned',
  'localSite:changed',
  'devices:changed',
  'sessions:changed',
  'sessions:signaled',
  'alerts:raised',
  'alerts:changed',
] as const;

/** A channel the renderer may invoke. */
export type InvokeChannel = (typeof invokeChannels)[number];

/** A channel main publishes event batches on. */
export type EventChannel = (typeof eventChannels)[number];

/** Narrows an untrusted value to a listed invoke channel. */
export function isInvokeChannel(value: unknown): value is InvokeChannel {
  return typeof value === 'string' && (invokeChannels as readonly string[]).includes(value);
}

/** Narrows an untrusted value to a listed event channel. */
export function isEventChannel(value: unknown): value is EventChannel {
  return typeof value === 'string' && (eventChannels as readonly string[]).includes(value);
}
