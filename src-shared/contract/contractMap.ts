import type { z } from 'zod';
import type { EventChannel, InvokeChannel } from './channels';
import { AppInfo, GetInfoRequest, ListLicencesRequest, ListLicencesResponse } from './appContract';
import { ListEntriesRequest, ListEntriesResponse, LogEntry } from './diagnosticsContract';
import { SendCommandRequest, SendCommandResponse } from './commandsContract';
import {
  GetSceneMarkRequest,
  GetSceneMarkResponse,
  GetTimelineRequest,
  GetTimelineResponse,
  ListFacetsRequest,
  ListFacetsResponse,
  QuerySceneMarksRequest,
  QuerySceneMarksResponse,
} from './sceneMarksContract';
import {
  ConnectionProfile,
  ConnectionProfileInput,
  DeleteProfileResponse,
  ListProfilesRequest,
  ListProfilesResponse,
  ProfileIdRequest,
  ProfileStatus,
  TestProfileResponse,
  UpdateProfileRequest,
} from './connectionsContract';
import { GetSettingsRequest, Settings, UpdateSettingsRequest } from './settingsContract';
import {
  CancelExportRequest,
  CancelExportResponse,
  ExportProgress,
  StartExportRequest,
  StartExportResponse,
} from './exportContract';
import { GetIngestCountersRequest, IngestCounters, IngestedSceneMark } from './ingestContract';
import {
  GetUsageRequest,
  RetentionBudgets,
  RetentionPruned,
  RetentionUsage,
  SetBudgetsRequest,
  VacuumRequest,
  VacuumResponse,
} from './retentionContract';

import {
  DeclineFirstRunRequest,
  GetLocalSiteStatusRequest,
  ListSiteDevicesRequest,
  ListSiteDevicesResponse,
  LocalSiteStatus,
  StartLocalSiteRequest,
  StopLocalSiteRequest,
} from './localSiteContract';
import {
  CloseSessionRequest,
  ControlSession,
  DeliverDataRequest,
  EmptyResponse,
  ListSessionsRequest,
  ListSessionsResponse,
  OpenSessionRequest,
  ReportPeerStateRequest,
  SendSignalRequest,
  SessionIdRequest,
  SessionSignal,
  StartStreamingRequest,
} from './sessionsContract';
import { QuerySessionHistoryRequest, QuerySessionHistoryResponse } from './sessionHistoryContract';
import {
  DirectoryDevice,
  ListDevicesRequest,
  ListDevicesResponse,
  RenameDeviceRequest,
} from './devicesContract';
import {
  AcknowledgeAlertsRequest,
  AcknowledgeAlertsResponse,
  Alert,
  AlertRule,
  AlertRuleInput,
  DeleteRuleRequest,
  DeleteRuleResponse,
  ListAlertsRequest,
  ListAlertsResponse,
  ListRulesRequest,
  ListRulesResponse,
  UpdateRuleRequest,
} from './alertsContract';

/** Request and response schema of one invoke channel. */
export interface InvokeSchemas {
  request: z.ZodType;
  response: z.ZodType;
}

/**
 * The schemas of every invoke channel. `satisfies` makes a channel without schemas a compile
 * error, so the lists in channels.ts and this map cannot drift apart.
 */
export const invokeSchemas = {
  'app:getInfo': { request: GetInfoRequest, response: AppInfo },
  'app:listLicences': { request: ListLicencesRequest, response: ListLicencesResponse },
  'settings:getSettings': { request: GetSettingsRequest, response: Settings },
  'settings:updateSettings': { request: UpdateSettingsRequest, response: Settings },
  'diagnostics:listEntries': { request: ListEntriesRequest, response: ListEntriesResponse },
  'connections:listProfiles': { request: ListProfilesRequest, response: ListProfilesResponse },
  'connections:createProfile': { request: ConnectionProfileInput, response: ConnectionProfile },
  'connections:updateProfile': { request: UpdateProfileRequest, response: ConnectionProfile },
  'connections:deleteProfile': { request: ProfileIdRequest, response: DeleteProfileResponse },
  'connections:testProfile': { request: ProfileIdRequest, response: TestProfileResponse },
  'connections:connectProfile': { request: ProfileIdRequest, response: ProfileStatus },
  'connections:disconnectProfile': { request: ProfileIdRequest, response: ProfileStatus },
  'commands:sendCommand': { request: SendCommandRequest, response: SendCommandResponse },
  'scenemarks:querySceneMarks': { request: QuerySceneMarksRequest, response: QuerySceneMarksResponse },
  'scenemarks:getTimeline': { request: GetTimelineRequest, response: GetTimelineResponse },
  'scenemarks:getSceneMark': { request: GetSceneMarkRequest, response: GetSceneMarkResponse },
  'scenemarks:listFacets': { request: ListFacetsRequest, response: ListFacetsResponse },
  'export:startExport': { request: StartExportRequest, response: StartExportResponse },
  'export:cancelExport': { request: CancelExportRequest, response: CancelExportResponse },
  'scenemarks:getIngestCounters': { request: GetIngestCountersRequest, response: IngestCounters },
  'retention:getUsage': { request: GetUsageRequest, response: RetentionUsage },
  'retention:setBudgets': { request: SetBudgetsRequest, response: RetentionBudgets },
  'retention:vacuum': { request: VacuumRequest, response: VacuumResponse },
  'localSite:getStatus': { request: GetLocalSiteStatusRequest, response: LocalSiteStatus },
  'localSite:start': { request: StartLocalSiteRequest, response: LocalSiteStatus },
  'localSite:stop': { request: StopLocalSiteRequest, response: LocalSiteStatus },
  'localSite:declineFirstRun': { request: DeclineFirstRunRequest, response: LocalSiteStatus },
  'localSite:listDevices': { request: ListSiteDevicesRequest, response: ListSiteDevicesResponse },
  'devices:listDevices': { request: ListDevicesRequest, response: ListDevicesResponse },
  'devices:renameDevice': { request: RenameDeviceRequest, response: DirectoryDevice },
  'sessions:openSession': { request: OpenSessionRequest, response: ControlSession },
  'sessions:sendSignal': { request: SendSignalRequest, response: EmptyResponse },
  'sessions:reportPeerState': { request: ReportPeerStateRequest, response: ControlSession },
  'sessions:startStreaming': { request: StartStreamingRequest, response: ControlSession },
  'sessions:stopStreaming': { request: SessionIdRequest, response: ControlSession },
  'sessions:closeSession': { request: CloseSessionRequest, response: ControlSession },
  'sessions:listSessions': { request: ListSessionsRequest, response: ListSessionsResponse },
  'sessions:deliverData': { request: DeliverDataRequest, response: EmptyResponse },
  'sessions:queryHistory': { request: QuerySessionHistoryRequest, response: QuerySessionHistoryResponse },
  'alerts:listRules': { request: ListRulesRequest, response: ListRulesResponse },
  'alerts:createRule': { request: AlertRuleInput, response: AlertRule },
  'alerts:updateRule': { request: UpdateRuleRequest, response: AlertRule },
  'alerts:deleteRule': { request: DeleteRuleRequest, response: DeleteRuleResponse },
  'alerts:listAlerts': { request: ListAlertsRequest, response: ListAlertsResponse },
  'alerts:acknowledgeAlerts': { request: AcknowledgeAlertsRequest, response: AcknowledgeAlertsResponse },
} as const satisfies Record<InvokeChannel, InvokeSchemas>;

/** The schema of one item of each event channel's batches. */
export const eventSchemas = {
  'settings:changed': Settings,
  'diagnostics:logged': LogEntry,
  'connections:statusChanged': ProfileStatus,
  'export:progressed': ExportProgress,
  'scenemarks:ingested': IngestedSceneMark,
  'scenemarks:countersChanged': IngestCounters,
  'retention:pruned': RetentionPruned,
  'localSite:changed': LocalSiteStatus,
  'devices:changed': DirectoryDevice,
  'sessions:changed': ControlSession,
  'sessions:signaled': SessionSignal,
  'alerts:raised': Alert,
  'alerts:changed': Alert,
} as const satisfies Record<EventChannel, z.ZodType>;

/** What the caller passes to an invoke channel (before defaults are applied). */
export type InvokeRequestInput<C extends InvokeChannel> = z.input<(typeof invokeSchemas)[C]['request']>;
/** What a handler receives after validation. */
export type InvokeRequest<C extends InvokeChannel> = z.output<(typeof invokeSchemas)[C]['request']>;
/** What an invoke channel answers. */
export type InvokeResponse<C extends InvokeChannel> = z.output<(typeof invokeSchemas)[C]['response']>;
/** One item of an event channel's batches. */
export type EventPayload<C extends EventChannel> = z.output<(typeof eventSchemas)[C]>;
