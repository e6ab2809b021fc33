import { dirname, join } from 'node:path';
import type { AppInfo, ShellKind } from '../../src-shared/contract/appContract';
import { DisposableStore, toDisposable, type Disposable } from '../core/util/disposable';
import { ContractDispatcher, type ContractHandlers } from './contract/contractDispatcher';
import { EventBatcher } from './contract/eventBatcher';
import { DiagnosticLog, type LogSink } from './diagnostics/diagnosticLog';
import { openDatabase } from './store/database';
import { WalCheckpointer } from './store/walCheckpointer';
import { loadMigrations } from './store/migrations';
import { SettingsRepository } from './store/settingsRepository';
import { SettingsService } from './settings/settingsService';
import { CommandAuditRepository } from './commands/commandAuditRepository';
import { CommandConsoleService } from './commands/commandConsoleService';
import { ConnectionsService } from './connections/connectionsService';
import { ConsoleIdentityService } from './identity/consoleIdentityService';
import { MqttHub } from './mqtt/mqttHub';
import { SceneMarkQueryService } from './scenemarks/sceneMarkQueryService';
import { IngestPipeline } from './scenemarks/ingestPipeline';
import { SceneMarkParsePool } from './scenemarks/sceneMarkParsePool';
import { SceneMarkRepository } from './scenemarks/sceneMarkRepository';
import { RetentionRepository } from './scenemarks/retentionRepository';
import { RetentionService } from './scenemarks/retentionService';
import type { DestinationProvider } from './export/destinationProvider';
import { ExportService, noExportDestinations } from './export/exportService';
import type { SecretCipher } from './secrets/secretCipher';
import { ConnectionProfileRepository } from './store/connectionProfileRepository';
import { CmfDataIntake } from './scenemarks/cmfDataIntake';
import { issuedTokenCheck } from '../core/nice/tokenCheck';
import { MqttDataSource } from './scenemarks/mqttDataSource';
import { ControlSessionService } from './sessions/controlSessionService';
import { SessionRepository } from './sessions/sessionRepository';
import { SessionHistoryService } from './sessions/sessionHistoryService';
import { ConsoleDataReceiver } from './webapi/consoleDataReceiver';
import { consoleSceneMode } from './sessions/consoleSceneMode';
// The composition root starts the embedded site; no service depends on it (ARCHITECTURE).
import { LocalSite } from '../embedded/localSite/localSite';
import { DeviceDirectory } from './devices/deviceDirectory';
import { DeviceNamesRepository } from './devices/deviceNamesRepository';
import { LocalSitePreferencesRepository } from '../embedded/localSite/localSitePreferences';
import type { SimulatedVideo, SimulatorEntry } from '../embedded/localSite/simulatorHost';
import { AlertService } from './alerts/alertService';
import { listDependencyLicences } from './about/dependencyLicences';
import { ContractFailure } from './contract/contractFailure';
import { AlertRuleRepository } from './alerts/alertRuleRepository';
import { AlertRepository } from './alerts/alertRepository';

/** What a shell (Electron or web) tells the services about where they run. */
export interface ConsoleServicesOptions {
  shell: ShellKind;
  version: string;
  dataDir: string;
  /** Folder of the `NNNN_name.sql` migrations (resources/migrations). */
  migrationsDir: string;
  /** Defaults to `<dataDir>/nice-console.sqlite`; `:memory:` for tests. */
  databaseFile?: string;
  /** Protects credentials and the console's private key at rest. */
  cipher: SecretCipher;
  logSink?: LogSink;
  /** How long connect and test wait for a broker before answering (default 10 s). */
  connectWaitMs?: number;
  /** Where exports go: a save dialog (Electron) or one-time downloads (web shell). */
  exportDestinations?: DestinationProvider;
  /** The simulator's process entry (tests run it from source under tsx). */
  simulatorEntry?: SimulatorEntry;
  /** Folder of the app's package.json and node_modules, for the licences in Settings → About. */
  appRoot?: string;
  /** Size and rate of the simulated cameras' video (default 640x360 at 30 fps). */
  simulatorVideo?: SimulatedVideo;
}

/** The services main runs, whichever shell hosts them. */
export interface ConsoleServices extends Disposable {
  readonly info: AppInfo;
  readonly dispatcher: ContractDispatcher;
  readonly events: EventBatcher;
  readonly log: DiagnosticLog;
  readonly settings: SettingsService;
  readonly identity: ConsoleIdentityService;
  readonly hub: MqttHub;
  readonly exports: ExportService;
  /** Where MQTT and WebAPI sources hand in received SceneMarks. */
  readonly ingest: IngestPipeline;
  readonly localSite: LocalSite;
  readonly sessions: ControlSessionService;
  /** Alert rules matched at ingest; the desktop app turns raised alerts into notifications. */
  readonly alerts: AlertService;
  /** What every view calls each device. */
  readonly devices: DeviceDirectory;
  /** Stops the local site (its child process and servers), then disposes everything. */
  shutdown(): Promise<void>;
}

/** File name of the console database inside the data folder. */
export const databaseFileName = 'nice-console.sqlite';

/**
 * Builds the plain-Node services both composition roots share (app/main.ts and web/serve.ts),
 * wires them to the contract, and returns one disposable that closes everything in order.
 */
export function createConsoleServices(options: ConsoleServicesOptions): ConsoleServices {
  const disposables = new DisposableStore();
  const log = new DiagnosticLog();
  if (options.logSink) log.addSink(options.logSink);
  const events = disposables.add(new EventBatcher());
  log.addSink((entry) => events.publish('diagnostics:logged', entry));

  const databaseFile = options.databaseFile ?? join(options.dataDir, databaseFileName);
  const database = openDatabase(databaseFile, loadMigrations(options.migrationsDir));
  disposables.add(toDisposable(() => database.db.close()));
  // Checkpoints the WAL on its own thread, so ingest commits never carry a checkpoint.
  disposables.add(new WalCheckpointer({ db: database.db, databaseFile, logger: log }));

  const settings = new SettingsService(new SettingsRepository(database.db), log);
  log.setMinLevel(settings.get().diagnosticsLevel);
  disposables.add(
    settings.onDidChange((next) => {
      log.setMinLevel(next.diagnosticsLevel);
      events.publish('settings:changed', next);
    }),
  );

  const identity = new ConsoleIdentityService(database.db, options.cipher, log);
  const profiles = new ConnectionProfileRepository(database.db, options.cipher);
  // Disposed before the database closes (the store releases in reverse order).
  const hub = disposables.add(new MqttHub({ profiles, logger: log }));
  const connections = new ConnectionsService(profiles, hub, log, options.connectWaitMs);
  disposables.add(connections.forwardStatus((status) => events.publish('connections:statusChanged', status)));

  const sceneMarkQuery = new SceneMarkQueryService(database.db);
  const sceneMarkStore = new SceneMarkRepository(database.db);
  const alerts = new AlertService({
    rules: new AlertRuleRepository(database.db),
    alerts: new AlertRepository(database.db),
    logger: log,
    publish: {
      raised: (alert) => events.publish('alerts:raised', alert),
      changed: (alert) => events.publish('alerts:changed', alert),
    },
  });
  const parsePool = disposables.add(new SceneMarkParsePool());
  // Disposed before the database closes: the last batch is committed on the way out.
  const ingest = disposables.add(
    new IngestPipeline({
      repository: sceneMarkStore,
      parser: parsePool,
      logger: log,
      publisher: {
        ingested: (summary) => {
          events.publish('scenemarks:ingested', summary);
          devices.noteDelivering(summary.deviceId);
        },
        countersChanged: (counters) => events.publish('scenemarks:countersChanged', counters),
        stored: (records) => alerts.consider(records),
      },
    }),
  );
  // Disposed before the database closes; a pruning pass stops at its next batch boundary.
  const retention = disposables.add(
    new RetentionService({
      repository: new RetentionRepository(database.db),
      logger: log,
      publish: (pruned) => events.publish('retention:pruned', pruned),
      // A full VACUUM rewrites the file on a worker's connection; ingest queues meanwhile.
      holdIngest: () => ingest.holdWrites(),
    }),
  );
  retention.start();
  const exports = disposables.add(
    new ExportService({
      databaseFile,
      destinations: options.exportDestinations ?? noExportDestinations,
      publish: (progress) => events.publish('export:progressed', progress),
      logger: log,
    }),
  );

  const intake = new CmfDataIntake({
    ingest,
    consoleEndPointId: async () => (await identity.identity()).endPointId,
    privateJwk: () => identity.privateJwk(),
    // Data tokens are checked against the account service the console knows (the local site's);
    // with none known (an external site), the sender's token cannot be verified here.
    checkToken: () => {
      const accountService = localSite.accountService();
      return accountService ? issuedTokenCheck({ issuerKey: () => accountService.publicJwk }) : undefined;
    },
  });
  disposables.add(new MqttDataSource(hub, intake, async () => (await identity.identity()).endPointId));
  const dataReceiver = new ConsoleDataReceiver({ ingest, repository: sceneMarkStore, identity, logger: log });
  const localSite = new LocalSite({
    dataDir: options.dataDir,
    siteMigrationsDir: join(dirname(options.migrationsDir), 'site-migrations'),
    preferences: new LocalSitePreferencesRepository(database.db),
    connections,
    identity,
    logger: log,
    publish: (status) => {
      events.publish('localSite:changed', status);
      devices.publishChanges();
    },
    simulatorEntry: options.simulatorEntry,
    video: options.simulatorVideo,
    dataReceiver,
  });
  const commands = new CommandConsoleService(
    hub,
    profiles,
    identity,
    localSite,
    new CommandAuditRepository(database.db),
    log,
  );
  const sessions = disposables.add(
    new ControlSessionService({
      hub,
      identity,
      credentials: localSite,
      repository: new SessionRepository(database.db),
      intake,
      logger: log,
      publish: {
        changed: (session) => events.publish('sessions:changed', session),
        signaled: (signal) => events.publish('sessions:signaled', signal),
      },
    }),
  );
  const devices = new DeviceDirectory({
    repository: new DeviceNamesRepository(database.db),
    siteDevices: () => localSite.listDevices().devices,
    publish: (device) => events.publish('devices:changed', device),
  });
  const sessionHistory = new SessionHistoryService(database.db, () => sessions.list());

  // A device the local site binds gets the console's SceneMode, so its SceneMarks reach ingest.
  disposables.add(
    localSite.onDeviceBound((device) => {
      void (async () => {
        const me = await identity.identity();
        const brokerUrl = localSite.status().broker?.tcpUrl;
        if (!brokerUrl) return;
        // Node 0001 reports over MQTT, any other node over HTTPS: both data paths stay in use.
        for (const nodeId of device.nodes) {
          const origin = nodeId === '0001' ? undefined : dataReceiver.origin;
          const webApi = origin
            ? { origin, accessToken: await localSite.dataTokenFor(device.deviceId) }
            : undefined;
          const sceneMode = consoleSceneMode({
            consoleId: me.endPointId,
            consoleJwk: me.publicJwk,
            nodeId,
            brokerUrl,
            webApi,
          });
          await sessions.applySceneMode(device.deviceId, nodeId, sceneMode);
        }
      })().catch((error: unknown) =>
        log.log(
          'warn',
          'local-site',
          `SetSceneMode for ${device.deviceId} failed: ${(error as Error).message}`,
        ),
      );
    }),
  );

  const info: AppInfo = {
    name: 'NICE Console',
    version: options.version,
    shell: options.shell,
    dataDir: options.dataDir,
    databaseFile,
    schemaVersion: database.schemaVersion,
    runtime: `Node ${process.versions.node}${process.versions.electron ? `, Electron ${process.versions.electron}` : ''}`,
    platform: `${process.platform} ${process.arch}`,
    startedAt: new Date().toISOString(),
  };

  const handlers: ContractHandlers = {
    'app:getInfo': () => info,
    'app:listLicences': () => {
      if (!options.appRoot)
        throw new ContractFailure('UNAVAILABLE', 'this console does not know where it is installed');
      return listDependencyLicences(options.appRoot);
    },
    'settings:getSettings': () => settings.get(),
    'settings:updateSettings': (patch) => settings.update(patch),
    'diagnostics:listEntries': (request) => log.list(request.limit, request.minLevel),
    'connections:listProfiles': () => connections.list(),
    'connections:createProfile': (input) => connections.create(input),
    'connections:updateProfile': (request) => connections.update(request),
    'connections:deleteProfile': ({ id }) => connections.delete(id),
    'connections:testProfile': ({ id }) => connections.test(id),
    'connections:connectProfile': ({ id }) => connections.connect(id),
    'connections:disconnectProfile': ({ id }) => connections.disconnect(id),
    'commands:sendCommand': (request) => commands.send(request),
    'scenemarks:querySceneMarks': (request) => sceneMarkQuery.querySceneMarks(request),
    'scenemarks:getTimeline': (request) => sceneMarkQuery.getTimeline(request),
    'scenemarks:getSceneMark': ({ sceneMarkId }) => sceneMarkQuery.getSceneMark(sceneMarkId),
    'scenemarks:listFacets': () => sceneMarkQuery.listFacets(),
    'export:startExport': (request) => exports.start(request),
    'export:cancelExport': ({ exportId }) => exports.cancel(exportId),
    'scenemarks:getIngestCounters': () => ingest.counters(),
    'retention:getUsage': () => retention.getUsage(),
    'retention:setBudgets': (patch) => retention.setBudgets(patch),
    'retention:vacuum': () => retention.vacuum(),
    'localSite:getStatus': () => localSite.status(),
    'localSite:start': (request) => localSite.start(request),
    'localSite:stop': () => localSite.stop(),
    'localSite:declineFirstRun': () => localSite.declineFirstRun(),
    'localSite:listDevices': () => localSite.listDevices(),
    'devices:listDevices': () => ({ devices: devices.list() }),
    'devices:renameDevice': ({ deviceId, name }) => devices.rename(deviceId, name),
    'sessions:openSession': (request, context) => sessions.open(request, context.caller),
    'sessions:sendSignal': (request) => sessions.sendSignal(request),
    'sessions:reportPeerState': (request) => sessions.reportPeerState(request),
    'sessions:startStreaming': (request) => sessions.startStreaming(request),
    'sessions:stopStreaming': (request) => sessions.stopStreaming(request),
    'sessions:closeSession': (request) => sessions.close(request),
    'sessions:listSessions': () => ({ sessions: sessions.list() }),
    'sessions:deliverData': (request) => sessions.deliverData(request),
    'sessions:queryHistory': (request) => sessionHistory.query(request),
    'alerts:listRules': () => alerts.listRules(),
    'alerts:createRule': (rule) => alerts.createRule(rule),
    'alerts:updateRule': ({ id, rule }) => alerts.updateRule(id, rule),
    'alerts:deleteRule': ({ id }) => alerts.deleteRule(id),
    'alerts:listAlerts': ({ limit, unacknowledgedOnly }) => alerts.listAlerts(limit, unacknowledgedOnly),
    'alerts:acknowledgeAlerts': (request) => alerts.acknowledge(request),
  };
  const dispatcher = new ContractDispatcher(handlers, log);
  disposables.add(dispatcher.onCallerGone((caller) => void sessions.closeOwnedBy(caller)));
  log.log(
    'info',
    'console',
    `services started (${options.shell} shell, schema v${database.schemaVersion}, data in ${options.dataDir})`,
  );

  return {
    info,
    dispatcher,
    events,
    log,
    settings,
    identity,
    hub,
    exports,
    ingest,
    localSite,
    sessions,
    alerts,
    devices,
    shutdown: async () => {
      sessions.dispose();
      await localSite.dispose();
      disposables.dispose();
    },
    dispose: () => disposables.dispose(),
  };
}
