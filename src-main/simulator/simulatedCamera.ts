import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { decodeBody } from '../core/nice/cmfBody';
import type { EndpointPublicJwk } from '../core/nice/endpointKeys';
import { NiceProtocolError } from '../core/nice/niceProtocolError';
import { parseSceneMode, type NetEndPoint, type SceneMode } from '../core/nice/sceneMode';
import { toDisposable, type Disposable } from '../core/util/disposable';
import { silentLogger, type Logger } from '../core/util/logger';
import type { WebApiClient } from '../services/webapi/webApiClient';
import type { CameraIdentity } from './cameraIdentityStore';
import { CameraSessions } from './cameraSessions';
import { CameraVideo, type VideoSettings } from './cameraVideo';
import type {
  OpenControlSession,
  SetManagementObjectBody,
  SignalingBody,
  StartStreamingBody,
} from './deviceBodies';
import { registerDeviceCommands, type DeviceCommandHost } from './deviceCommands';
import { ControlObjectKeys } from './controlObjectKeys';
import { accountServiceNamedIn, deviceTokenCheck } from './deviceTokenCheck';
import { getManagementEndPoint, mqttSettingsOf, type MqttSettings } from './deviceBootstrap';
import { DeviceConnections } from './deviceConnections';
import { DeviceEndpoint, SwitchableTransport } from './deviceEndpoint';
import { CAMERA_NODES, VIDEO_RESOLUTIONS, type NodeDefinition } from './deviceNodes';
import { capabilitiesBody, deviceStatusBody, nodeStatusBody, type NodeFigures } from './deviceStatus';
import { noFaults, type CameraFault, type FaultState } from './faults';
import type { FrameClock } from './frameClock';
import { NodeAnalysis } from './nodeAnalysis';
import { RateMeter } from './rateMeter';
import { ResourceSampler } from './resourceSampler';
import { SceneMarkDelivery, type WebApiStyle } from './sceneMarkDelivery';
import { analysisPlan, defaultSceneMode, type AnalysisPlan } from './sceneModePlan';
import { StatusError } from './statusError';

/** Where a camera is in its life (bootstrap → registered → bound). */
export type CameraState = 'idle' | 'bootstrapping' | 'registered' | 'bound' | 'vanished' | 'closed';

export type { VideoSettings } from './cameraVideo';

export interface SimulatedCameraOptions {
  identity: CameraIdentity;
  /** CommandIDs of this camera (CameraIdentityStore.commandIds keeps them rising across runs). */
  nextCommandId: () => number;
  /** The LA as configured: `https://host:port/1/{LA EndPointID}`. */
  bootstrapUrl: string;
  /** CA certificates (PEM) for the LA and for mqtts/wss brokers. */
  ca?: string | Buffer;
  /** Broker used only when the LA names none (profile: the LA's broker wins). */
  fallbackBrokerUrl?: string;
  video?: Partial<VideoSettings>;
  clock: FrameClock;
  webApi: WebApiClient;
  webApiStyle?: WebApiStyle;
  resources?: ResourceSampler;
  nodes?: readonly NodeDefinition[];
  logger?: Logger;
  /** Bootstrap retry delays, ms (doubling from `initialMs` up to `maxMs`). */
  retry?: { initialMs?: number; maxMs?: number };
}

/** The per-second figures the simulator process reports. */
export interface CameraStats {
  deviceId: string;
  fps: number;
  streaming: boolean;
  sessions: number;
}

interface NodeRuntime {
  node: NodeDefinition;
  mode: SceneMode;
  plan: AnalysisPlan;
  analysis: NodeAnalysis;
  fps: RateMeter;
}

/**
 * One simulated NICE camera (PEER1), speaking exactly what the site plan and the NICE profile
 * define: bootstrap over HTTPS with the LA (GetManagementEndPoint), MQTT to the broker the LA
 * names, binding by the AS (SetManagementObject), the device's commands, WebRTC control
 * sessions with live video of a deterministic scene, and SceneMarks of that scene to the
 * SceneMode's destinations. Fault switches make it misbehave on purpose.
 */
export class SimulatedCamera implements DeviceCommandHost {
  readonly deviceId: string;
  readonly name: string;
  readonly nodes: readonly NodeDefinition[];
  readonly video: VideoSettings;
  private readonly logger: Logger;
  private readonly source: string;
  private readonly endpoint: DeviceEndpoint;
  private readonly transport = new SwitchableTransport();
  private readonly keys = new Map<string, EndpointPublicJwk>();
  private readonly runtimes = new Map<string, NodeRuntime>();
  private readonly listeners = new Set<(camera: SimulatedCamera) => void>();
  private readonly resources: ResourceSampler;
  private readonly feed: CameraVideo;
  private readonly sessions: CameraSessions;
  private readonly connections: DeviceConnections;
  private faults: FaultState = noFaults();
  /** Bumped by every restart, vanish and close, so stale loops and timers stop. */
  private generation = 0;
  /** Cancels the bootstrap loop's retry wait. */
  private bootstrapAbort: AbortController | undefined;
  private startedAtMs = Date.now();
  /** Keys of the LA and ManagementEndPoint objects (GetManagementEndPoint), where given. */
  private bootstrapIssuers: EndpointPublicJwk[] = [];
  private accountService: { id: string; key: EndpointPublicJwk } | undefined;
  private deviceToken: string | undefined;
  private revoked = new Set<string>();
  private currentState: CameraState = 'idle';

  constructor(private readonly options: SimulatedCameraOptions) {
    this.deviceId = options.identity.endPointId;
    this.name = options.identity.name;
    this.nodes = options.nodes ?? CAMERA_NODES;
    this.video = { width: 640, height: 360, fps: 30, ...options.video };
    this.logger = options.logger ?? silentLogger;
    this.source = `simulator ${this.name}`;
    this.resources = options.resources ?? new ResourceSampler();
    this.feed = new CameraVideo(this.name, this.deviceId, options.clock, this.video);
    // Keys come from endpoint objects: LA and AS at bootstrap and binding, PeerJWK of
    // SetControlObject, SceneMode destinations, and the AS's ControlObject for any other caller.
    const controlObjectKeys = new ControlObjectKeys({
      deviceId: this.deviceId,
      endpoint: { call: (options) => this.endpoint.call(options) },
      accountServiceId: () => (this.currentState === 'bound' ? this.accountService?.id : undefined),
      deviceToken: () => this.deviceToken,
      remember: (id, jwk) => this.keys.set(id, jwk),
      logger: this.logger,
      source: this.source,
    });
    this.endpoint = new DeviceEndpoint(
      {
        endPointId: this.deviceId,
        privateJwk: options.identity.privateJwk,
        peerKey: (id) => this.keys.get(id.toLowerCase()),
        // SetManagementObject brings its AS's key along (profile "Tokens": AS key from
        // SetManagementObject); any other caller's key comes from the AS's ControlObject.
        findPeerKey: async (id, { path, body }) =>
          path.kind === 'management' && path.api === 'SetManagementObject'
            ? accountServiceNamedIn(body)?.key
            : controlObjectKeys.find(id),
        checkToken: deviceTokenCheck({
          deviceId: options.identity.endPointId,
          boundIssuer: () => (this.currentState === 'bound' ? this.accountService?.key : undefined),
          bootstrapIssuers: () => this.bootstrapIssuers,
          openBody: (request) =>
            decodeBody(request.Payload.Body, request.EncryptionOn, options.identity.privateJwk),
          revoked: () => this.revoked,
          learnKey: (id, jwk) => this.keys.set(id, jwk),
        }),
        nextCommandId: options.nextCommandId,
        transport: this.transport,
      },
      () => this.faults,
    );
    registerDeviceCommands(this.endpoint, this);
    this.connections = new DeviceConnections({
      endpoint: this.endpoint,
      transport: this.transport,
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
      logger: this.logger,
      source: this.source,
    });
    this.sessions = new CameraSessions({
      deviceId: this.deviceId,
      endpoint: this.endpoint,
      video: this.feed,
      deviceToken: () => this.deviceToken,
      accountServiceId: () => this.accountService?.id,
      rememberKey: (id, jwk) => this.keys.set(id, jwk),
      dataLabelsFor: (peer) => this.dataLabelsFor(peer),
      nodeMeter: (nodeId) => this.runtimes.get(nodeId)?.fps,
      changed: () => this.emit(),
      logger: this.logger,
      source: this.source,
    });
    const delivery = new SceneMarkDelivery({
      endpoint: this.endpoint,
      deviceToken: () => this.deviceToken,
      mqtt: () => {
        const current = this.connections.current;
        return current ? { link: current.link, brokerUrl: current.settings.url } : undefined;
      },
      webApi: options.webApi,
      webApiStyle: options.webApiStyle ?? 'cmf',
      session: (peer) => this.sessions.with(peer),
      peerKey: (id) => this.keys.get(id.toLowerCase()),
      logger: this.logger,
      source: this.source,
    });
    for (const node of this.nodes) {
      const mode = parseSceneMode(defaultSceneMode(randomUUID(), node));
      const analysis = new NodeAnalysis({
        deviceId: this.deviceId,
        node,
        seed: this.deviceId,
        clock: options.clock,
        fps: this.video.fps,
        width: this.video.width,
        height: this.video.height,
        render: (frame, timeMs) => this.feed.render(frame, timeMs),
        delivery,
        malformed: () => this.faults.malformed,
        logger: this.logger,
        source: this.source,
      });
      const plan = analysisPlan(mode, node);
      analysis.apply(plan);
      this.runtimes.set(node.nodeId, { node, mode, plan, analysis, fps: new RateMeter() });
    }
  }

  get state(): CameraState {
    return this.currentState;
  }

  /** The scene seed: a test computes the same scene with sceneAt(seed, …). */
  get seed(): string {
    return this.feed.seed;
  }

  /** Begins bootstrapping (retrying until it succeeds or the camera closes). */
  start(): void {
    if (this.currentState !== 'idle') return;
    this.startedAtMs = Date.now();
    this.runBootstrap();
  }

  /** Resolves once the camera is in `state` (`registered` also counts a bound camera). */
  waitFor(state: 'registered' | 'bound', timeoutMs = 30_000): Promise<void> {
    const reached = (): boolean =>
      this.currentState === 'bound' || (state === 'registered' && this.currentState === 'registered');
    if (reached()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe.dispose();
        reject(
          new Error(
            `${this.name} did not become ${state} within ${timeoutMs} ms (it is ${this.currentState})`,
          ),
        );
      }, timeoutMs);
      const unsubscribe = this.onDidChange(() => {
        if (!reached()) return;
        clearTimeout(timer);
        unsubscribe.dispose();
        resolve();
      });
    });
  }

  /** Called on every state change and session change. */
  onDidChange(listener: (camera: SimulatedCamera) => void): Disposable {
    this.listeners.add(listener);
    return toDisposable(() => this.listeners.delete(listener));
  }

  stats(): CameraStats {
    return {
      deviceId: this.deviceId,
      fps: this.feed.fps,
      streaming: this.sessions.streaming(),
      sessions: this.sessions.size,
    };
  }

  /** Flips a fault switch (see faults.ts). */
  async applyFault(fault: CameraFault): Promise<void> {
    this.logger.log('info', this.source, `fault: ${fault.kind}`);
    switch (fault.kind) {
      case 'stopAnswering':
        this.faults = { ...this.faults, stopAnswering: true };
        return;
      case 'slowAnswers':
        this.faults = { ...this.faults, slowAnswersMs: fault.delayMs };
        return;
      case 'malformed':
        this.faults = { ...this.faults, malformed: true };
        return;
      case 'dropConnection':
        return this.dropConnection(fault.reconnectAfterMs);
      case 'vanish':
        return this.vanish();
      case 'restart':
        return this.restart();
      case 'clear':
        this.faults = noFaults();
        if (this.currentState === 'vanished') await this.restart();
        return;
    }
  }

  /** Ends every session with a bye, disconnects and stops. */
  async close(): Promise<void> {
    if (this.currentState === 'closed') return;
    this.generation += 1;
    this.setState('closed');
    await this.shutDown({ bye: true, abrupt: false });
    this.listeners.clear();
  }

  // -------------------------------------------------------------------------------------------
  // Bootstrap, MQTT and binding.

  private runBootstrap(): void {
    const generation = this.generation;
    this.setState('bootstrapping');
    const abort = new AbortController();
    this.bootstrapAbort = abort;
    void (async () => {
      let wait = this.options.retry?.initialMs ?? 1000;
      const maxWait = this.options.retry?.maxMs ?? 15_000;
      while (generation === this.generation) {
        try {
          await this.bootstrapOnce(generation);
          return;
        } catch (error) {
          if (generation !== this.generation) return;
          this.logger.log(
            'warn',
            this.source,
            `bootstrap failed, retrying in ${wait} ms: ${describe(error)}`,
          );
          try {
            await delay(wait, undefined, { signal: abort.signal });
          } catch {
            return;
          }
          wait = Math.min(maxWait, wait * 2);
        }
      }
    })();
  }

  /** GetManagementEndPoint, then MQTT to the broker the LA names. */
  private async bootstrapOnce(generation: number): Promise<void> {
    const grant = await getManagementEndPoint({
      endpoint: this.endpoint,
      webApi: this.options.webApi,
      bootstrapUrl: this.options.bootstrapUrl,
      device: {
        id: this.deviceId,
        name: this.name,
        publicJwk: this.options.identity.publicJwk,
        nodeIds: this.nodes.map((node) => node.nodeId),
      },
    });
    if (generation !== this.generation) return;
    this.bootstrapIssuers = [];
    for (const [id, key] of [
      [grant.laId, grant.laKey],
      [grant.management.id, grant.management.key],
    ] as const) {
      if (!key) continue;
      this.keys.set(id, key);
      this.bootstrapIssuers.push(key);
    }
    this.deviceToken = grant.deviceToken;
    await this.connections.open(
      'management',
      this.mqttSettingsOf(grant.netEndPoint),
      () => generation !== this.generation,
    );
    if (generation !== this.generation) return;
    if (this.currentState === 'bootstrapping') this.setState('registered');
    this.logger.log(
      'info',
      this.source,
      `registered with ${grant.laId}; waiting for the account service to bind`,
    );
  }

  private mqttSettingsOf(netEndPoint: NetEndPoint): MqttSettings {
    return mqttSettingsOf(netEndPoint, this.deviceId, this.options.fallbackBrokerUrl);
  }

  /** SetManagementObject Bind / Release (NICE profile "Bootstrap and binding"). */
  async manage(body: SetManagementObjectBody): Promise<'Bound' | 'Released'> {
    if (body.Action === 'Release') {
      this.accountService = undefined;
      await this.sessions.closeAll({ bye: true });
      for (const runtime of this.runtimes.values()) runtime.analysis.stop();
      this.setState('registered');
      this.leaveAccountServiceBroker();
      return 'Released';
    }
    if (!body.NICEAS) throw new NiceProtocolError('MALFORMED', 'is required to bind', 'NICEAS');
    const endpoint = body.NICEAS.NICEASEndPoint;
    const asId = body.NICEAS.NICEASID;
    // The AS key comes from SetManagementObject (profile "Tokens"); an endpoint object without
    // one ("JWK?") leaves the key an earlier endpoint object gave for the same EndPointID.
    const asKey = accountServiceNamedIn(body)?.key ?? this.keys.get(asId);
    if (!asKey) {
      throw new NiceProtocolError(
        'MALFORMED',
        `is required to bind: no endpoint object gave the key of ${asId}`,
        'NICEAS.NICEASEndPoint.AppEndPoint.JWK',
      );
    }
    this.accountService = { id: asId, key: asKey };
    this.keys.set(asId, asKey);
    this.revoked = new Set(body.NICEAS.RevokedJSONTokenIDs);
    if (body.DeviceToken) this.deviceToken = body.DeviceToken;
    const wasBound = this.currentState === 'bound';
    this.setState('bound');
    for (const runtime of this.runtimes.values()) runtime.analysis.start();
    if (!wasBound) this.logger.log('info', this.source, `bound to ${body.NICEAS.NICEASID}`);
    this.followAccountServiceBroker(endpoint.NetEndPoint);
    return 'Bound';
  }

  /**
   * v0.9 §8.3: once bound, the device opens another MQTT connection to the AS's broker and
   * subscribes its topics there, keeping the LA's. Run after the Bound answer is on its way.
   */
  private followAccountServiceBroker(netEndPoint: NetEndPoint): void {
    let settings: MqttSettings;
    try {
      settings = this.mqttSettingsOf(netEndPoint);
    } catch (error) {
      this.logger.log('warn', this.source, `NICEASEndPoint names no broker: ${describe(error)}`);
      return;
    }
    const generation = this.generation;
    const stale = (): boolean => generation !== this.generation || this.currentState !== 'bound';
    setImmediate(() => {
      if (stale()) return;
      this.connections
        .open('accountService', settings, stale)
        .catch((error: unknown) =>
          this.logger.log(
            'warn',
            this.source,
            `could not connect to the account service's broker: ${describe(error)}`,
          ),
        );
    });
  }

  /**
   * v0.9 §8.3: a released device must not connect to the AS's broker any more. Closed once the
   * Released answer, which may travel on that very connection, has been sent.
   */
  private leaveAccountServiceBroker(): void {
    const generation = this.generation;
    setTimeout(() => {
      if (generation !== this.generation || this.currentState === 'bound') return;
      void this.connections.closeAccountService();
    }, 100);
  }

  // -------------------------------------------------------------------------------------------
  // Device and node queries, SceneModes.

  deviceStatus(): Record<string, unknown> {
    return deviceStatusBody({
      deviceId: this.deviceId,
      uptimeSec: (Date.now() - this.startedAtMs) / 1000,
      resources: this.resources.sample(),
      nodes: this.nodes.map((node) => this.figures(node)),
      now: new Date(),
    });
  }

  nodeStatus(node: NodeDefinition): Record<string, unknown> {
    return nodeStatusBody(this.figures(node));
  }

  capabilities(node: NodeDefinition): Record<string, unknown> {
    const rates = [...new Set([5, 10, 15, this.video.fps])]
      .filter((rate) => rate <= this.video.fps)
      .sort((a, b) => a - b);
    return capabilitiesBody(node, rates, this.video.resolutions ?? VIDEO_RESOLUTIONS);
  }

  sceneMode(node: NodeDefinition): Record<string, unknown> {
    return this.runtime(node).mode;
  }

  applySceneMode(node: NodeDefinition, mode: SceneMode): string | undefined {
    const runtime = this.runtime(node);
    const plan = analysisPlan(mode, node);
    for (const destination of plan.destinations) {
      if (destination.publicJwk) this.keys.set(destination.endPointId, destination.publicJwk);
    }
    runtime.mode = mode;
    runtime.plan = plan;
    runtime.analysis.apply(plan);
    this.sessions.refreshDataChannels();
    this.logger.log('info', this.source, `node ${node.nodeId}: SceneMode ${mode.SceneModeID} applied`);
    return undefined;
  }

  private figures(node: NodeDefinition): NodeFigures {
    const runtime = this.runtime(node);
    return {
      node,
      status: this.connections.current ? 'Connected' : 'Disconnected',
      fps: runtime.fps.rate(),
      sceneModeId: runtime.mode.SceneModeID,
      streaming: this.sessions.streaming(node.nodeId),
      activeSessions: this.sessions.ids(),
    };
  }

  private runtime(node: NodeDefinition): NodeRuntime {
    const runtime = this.runtimes.get(node.nodeId);
    if (!runtime) throw new StatusError(404, `this device has no node ${node.nodeId}`);
    return runtime;
  }

  // -------------------------------------------------------------------------------------------
  // Control sessions (SetControlObject, WebRTCSignaling) and streaming.

  /**
   * SetControlObject Open. The AccessToken it carries is what the peer's DataChannel commands
   * present; they are checked like every token (AS signature, aud, permission), so it needs no
   * keeping here.
   */
  openSession(open: OpenControlSession, _accessToken: string | undefined): void {
    this.sessions.open(open);
  }

  closeSession(sessionId: string): Promise<void> {
    return this.sessions.close(sessionId);
  }

  onSignal(source: string, body: SignalingBody): Promise<void> {
    return this.sessions.onSignal(source, body);
  }

  startStreaming(caller: string, node: NodeDefinition, body: StartStreamingBody): { trackId: string } {
    return this.sessions.startStreaming(caller, node, body);
  }

  stopStreaming(streamId: string): Promise<boolean> {
    return this.sessions.stopStreaming(streamId);
  }

  warn(message: string): void {
    this.logger.log('warn', this.source, message);
  }

  /** Data channel labels for `peer`: every WebRTC destination of the SceneModes naming it. */
  private dataLabelsFor(peer: string): string[] {
    const labels = new Set<string>();
    for (const runtime of this.runtimes.values()) {
      for (const destination of runtime.plan.destinations) {
        if (destination.protocol === 'WebRTC' && destination.endPointId === peer.toLowerCase()) {
          labels.add(destination.dataPath);
        }
      }
    }
    return [...labels];
  }

  // -------------------------------------------------------------------------------------------
  // Faults.

  private async dropConnection(reconnectAfterMs: number): Promise<void> {
    const { management, accountService } = this.connections.settings;
    if (!management) return;
    await this.connections.closeAll(true);
    this.emit();
    const generation = this.generation;
    const stale = (): boolean => generation !== this.generation;
    setTimeout(() => {
      if (stale() || this.connections.current) return;
      void (async () => {
        await this.connections.open('management', management, stale);
        if (accountService && this.currentState === 'bound')
          await this.connections.open('accountService', accountService, stale);
      })().then(
        () => this.emit(),
        (error: unknown) => {
          this.logger.log('warn', this.source, `reconnect failed, bootstrapping again: ${describe(error)}`);
          if (!stale()) void this.restart();
        },
      );
    }, reconnectAfterMs);
  }

  private async vanish(): Promise<void> {
    this.generation += 1;
    this.setState('vanished');
    await this.shutDown({ bye: false, abrupt: true });
  }

  private async restart(): Promise<void> {
    if (this.currentState === 'closed') return;
    this.generation += 1;
    await this.shutDown({ bye: true, abrupt: false });
    this.accountService = undefined;
    this.startedAtMs = Date.now();
    this.runBootstrap();
  }

  private async shutDown(options: { bye: boolean; abrupt: boolean }): Promise<void> {
    for (const runtime of this.runtimes.values()) runtime.analysis.stop();
    await this.sessions.closeAll({ bye: options.bye });
    this.bootstrapAbort?.abort();
    await this.connections.closeAll(options.abrupt);
  }

  private setState(state: CameraState): void {
    if (this.currentState === state) return;
    this.currentState = state;
    this.emit();
  }

  private emit(): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(this);
      } catch (error) {
        this.logger.log('error', this.source, `a listener failed: ${describe(error)}`);
      }
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
