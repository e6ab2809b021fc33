import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyAccessToken, type Permission } from '../../src-main/core/nice/accessToken';
import { CommandIdSequence, parseCmfMessage, type CmfResponse } from '../../src-main/core/nice/cmf';
import { decodeBody } from '../../src-main/core/nice/cmfBody';
import { controlPath, managementPath, type DestinationPath } from '../../src-main/core/nice/destinationId';
import { generateEndpointKeyPair, type EndpointKeyPair } from '../../src-main/core/nice/endpointKeys';
import { NiceEndpoint, type CallResult, type CommandPath } from '../../src-main/core/nice/niceEndpoint';
import { issuedTokenCheck } from '../../src-main/core/nice/tokenCheck';
import type { Logger } from '../../src-main/core/util/logger';
import {
  startAccountService,
  type AccountService,
} from '../../src-main/embedded/accountService/accountService';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src-main/embedded/broker/embeddedBroker';
import { MqttEndpointLink } from '../../src-main/services/nice/mqttEndpointLink';
import { WebApiClient } from '../../src-main/services/webapi/webApiClient';
import type {
  SceneDataDelivery,
  SceneMarkDelivery,
  WebApiIngestSink,
  WebApiRejection,
} from '../../src-main/services/webapi/webApiIngestSink';
import { startWebApiServer, type WebApiServer } from '../../src-main/services/webapi/webApiServer';
import { CameraIdentityStore } from '../../src-main/simulator/cameraIdentityStore';
import { FrameClock } from '../../src-main/simulator/frameClock';
import { readFrameCodeI420 } from '../../src-main/simulator/scene/frameCode';
import { SimulatedCamera, type SimulatedCameraOptions } from '../../src-main/simulator/simulatedCamera';
import {
  wrtc,
  type DataChannel,
  type IceCandidateInit,
  type PeerConnection,
  type VideoSink,
} from '../../src-main/simulator/wrtc';
import { createSelfSignedCertificate, type SelfSignedCertificate } from './testCertificates';

/*
 * A whole local site on 127.0.0.1 for simulator tests: the embedded broker, the embedded
 * account service (LA + AS), a console-role NICE endpoint registered with it, and simulated
 * cameras bootstrapping against it. Everything is real: HTTPS, MQTT, JWE, WebRTC.
 */

/** Log lines collected from every part, for assertions and for failure output. */
export class RecordingLogger implements Logger {
  readonly lines: string[] = [];
  log(level: string, source: string, message: string): void {
    this.lines.push(`${level} ${source}: ${message}`);
  }
}

export interface ConsoleEndpoint {
  endPointId: string;
  keys: EndpointKeyPair;
  endpoint: NiceEndpoint;
  link: MqttEndpointLink;
  /** A token from the account service for the console (issueToken). */
  token(aud: string | string[], permissions: Permission[], nodeIds?: string[]): Promise<string>;
  /** Calls a device or the AS over MQTT with a fresh token. */
  call(
    path: CommandPath,
    body: unknown,
    permissions: Permission[],
    options?: { timeoutMs?: number; resends?: number; plain?: boolean },
  ): Promise<CallResult>;
  /** WebRTCSignaling bodies the console received, in order. */
  signals: { source: string; body: Record<string, unknown> }[];
  onSignal(listener: (source: string, body: Record<string, unknown>) => void): () => void;
  /** Messages the console's link dropped (parse errors of malformed CMF). */
  dropped(): string[];
}

export interface LocalSite {
  dir: string;
  certificate: SelfSignedCertificate;
  broker: EmbeddedBroker;
  accountService: AccountService;
  console: ConsoleEndpoint;
  clock: FrameClock;
  webApi: WebApiClient;
  logger: RecordingLogger;
  /** Starts camera `index` and waits until the account service bound it. */
  startCamera(index?: number, options?: Partial<SimulatedCameraOptions>): Promise<SimulatedCamera>;
  /** Runs `cleanup` when the site closes, before the site's own parts stop (last added, first run). */
  onClose(cleanup: () => unknown): void;
  /** Closes all the site started, and all given to onClose. */
  close(): Promise<void>;
}

/** The broker accounts of the test site (an app on the site uses `console`). */
export const siteAccounts = {
  console: { username: 'console', password: randomUUID() },
  service: { username: 'account-service', password: randomUUID() },
  devices: { username: 'devices', password: randomUUID() },
};

/** Starts broker, account service and the console endpoint in a fresh temporary folder. */
export async function startLocalSite(options: { cameras?: number } = {}): Promise<LocalSite> {
  const dir = mkdtempSync(join(tmpdir(), 'nice-site-'));
  const logger = new RecordingLogger();
  const certificate = createSelfSignedCertificate('ec');
  const cleanups: (() => unknown)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse())
      await Promise.resolve(cleanup()).catch(() => undefined);
  };
  try {
    const broker = await startEmbeddedBroker({
      ...siteAccounts.console,
      credentials: [siteAccounts.service, siteAccounts.devices],
    });
    cleanups.push(() => broker.close());
    const accountService = await startAccountService({
      databaseFile: join(dir, 'site.db'),
      brokerUrl: broker.tcpUrl,
      brokerUsername: siteAccounts.service.username,
      brokerPassword: siteAccounts.service.password,
      deviceBroker: { url: broker.tcpUrl, ...siteAccounts.devices },
      https: { cert: certificate.cert, key: certificate.key },
      timing: { callTimeoutMs: 500, retryWindowMs: 10_000 },
      logger,
    });
    cleanups.push(() => accountService.close());
    const consoleEndpoint = await startConsoleEndpoint(broker, accountService, logger);
    cleanups.push(() => consoleEndpoint.link.close(true));
    const clock = new FrameClock();
    const webApi = new WebApiClient({ ca: certificate.cert, timeoutMs: 5000 });
    cleanups.push(() => webApi.close());
    const identities = await CameraIdentityStore.open(join(dir, 'cameras'), options.cameras ?? 4);
    const cameras: SimulatedCamera[] = [];
    cleanups.push(() => Promise.all(cameras.map((camera) => camera.close())));
    return {
      dir,
      certificate,
      broker,
      accountService,
      console: consoleEndpoint,
      clock,
      webApi,
      logger,
      startCamera: async (index = 0, overrides = {}) => {
        const identity = identities.identities[index];
        if (!identity) throw new RangeError(`the site has no camera identity ${index}`);
        const camera = new SimulatedCamera({
          identity,
          nextCommandId: identities.commandIds(index),
          bootstrapUrl: accountService.bootstrapUrl,
          ca: certificate.cert,
          clock,
          webApi,
          logger,
          retry: { initialMs: 200, maxMs: 1000 },
          ...overrides,
        });
        cameras.push(camera);
        camera.start();
        await camera.waitFor('bound', 20_000);
        return camera;
      },
      onClose: (cleanup) => cleanups.push(cleanup),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Another app on the site's broker, as an independent app written from the profile would be:
 * registered with the account service (its key in the AS's endpoint objects) unless told not
 * to, with tokens that carry no `cnf`. It closes with the site.
 */
export async function startSiteApp(
  site: LocalSite,
  options: { register?: boolean } = {},
): Promise<ConsoleEndpoint> {
  const app = await startConsoleEndpoint(
    site.broker,
    site.accountService,
    site.logger,
    options.register ?? true,
  );
  site.onClose(() => app.link.close(true));
  return app;
}

async function startConsoleEndpoint(
  broker: EmbeddedBroker,
  accountService: AccountService,
  logger: RecordingLogger,
  register = true,
): Promise<ConsoleEndpoint> {
  const endPointId = randomUUID();
  const keys = await generateEndpointKeyPair(endPointId);
  if (register) accountService.registerApp({ endPointId, publicJwk: keys.publicJwk, name: 'test console' });
  const link = await MqttEndpointLink.connect({
    url: broker.tcpUrl,
    ...siteAccounts.console,
    clientId: `console-${endPointId}`,
    logger,
    source: 'test-console',
  });
  const ids = new CommandIdSequence();
  const endpoint = new NiceEndpoint({
    endPointId,
    privateJwk: keys.privateJwk,
    peerKey: (id) =>
      id === accountService.endPointId ? accountService.publicJwk : accountService.devicePublicJwk(id),
    checkToken: issuedTokenCheck({ issuerKey: () => accountService.publicJwk }),
    nextCommandId: () => ids.next(),
    transport: link,
  });
  const signals: ConsoleEndpoint['signals'] = [];
  const listeners = new Set<(source: string, body: Record<string, unknown>) => void>();
  endpoint.handle('WebRTCSignaling', ({ request, body }) => {
    const signal = body as Record<string, unknown>;
    signals.push({ source: request.SourceEndPointID, body: signal });
    for (const listener of [...listeners]) listener(request.SourceEndPointID, signal);
    return { noResponse: true };
  });
  await link.attach(endpoint);
  const token = (aud: string | string[], permissions: Permission[], nodeIds?: string[]): Promise<string> =>
    accountService.issueToken({ sub: endPointId, aud, permissions, ...(nodeIds ? { nodeIds } : {}) });
  return {
    endPointId,
    keys,
    endpoint,
    link,
    token,
    call: async (path, body, permissions, options = {}) =>
      endpoint.call({
        path,
        body,
        accessToken: await token(path.endPointId, permissions),
        timeoutMs: options.timeoutMs ?? 3000,
        resends: options.resends ?? 0,
        ...(options.plain ? { plain: true } : {}),
      }),
    signals,
    onSignal: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dropped: () => logger.lines.filter((line) => line.includes('test-console: dropped a message')),
  };
}

/** A frame the console decoded, with the stamp drawn into it. */
export interface DecodedFrame {
  frame: number;
  wallClockMs: number;
  receivedAt: number;
  width: number;
  height: number;
}

/**
 * The console's WebRTC side (PEER2 of v0.9 §9.3), as the renderer would run it: asks the AS for
 * a session, answers the device's offer, trickles its candidates over MQTT, decodes the video
 * track and reads each frame's stamp, sends commands on the control DataChannel and collects
 * messages from data DataChannels.
 */
export class ConsoleWebRtcPeer {
  readonly sessionId = randomUUID();
  readonly frames: DecodedFrame[] = [];
  readonly trackIds: string[] = [];
  readonly channels = new Map<string, DataChannel>();
  readonly dataMessages: { label: string; text: string }[] = [];
  readonly peerStates: string[] = [];
  bye = false;
  private pc: PeerConnection | undefined;
  private sink: VideoSink | undefined;
  private readonly pendingCandidates: IceCandidateInit[] = [];
  private unsubscribe: (() => void) | undefined;
  private readonly waiting = new Map<number, (response: CmfResponse) => void>();

  constructor(
    private readonly site: LocalSite,
    readonly deviceId: string,
    readonly nodeId = '0001',
  ) {}

  /** EstablishControlSession, then answer the offer; resolves when the control channel is open. */
  async open(timeoutMs = 15_000): Promise<void> {
    const { console: app, accountService } = this.site;
    this.unsubscribe = app.onSignal((source, body) => {
      if (body.SessionID !== this.sessionId || source !== this.deviceId) return;
      void this.onSignal(body).catch(() => undefined);
    });
    const result = await app.endpoint.call({
      path: managementPath(accountService.endPointId, 'EstablishControlSession'),
      body: {
        Version: '1.0',
        SessionID: this.sessionId,
        DeviceID: this.deviceId,
        NodeID: this.nodeId,
        ControlProtocol: 'WebRTC',
        Purpose: ['Control', 'Data', 'Streaming'],
        SignalingTopic: `1/${app.endPointId}/management/WebRTCSignaling`,
        IceServers: [],
      },
      accessToken: await app.token(accountService.endPointId, ['Management']),
      timeoutMs: 3000,
    });
    if (result.response.ReplyStatusCode !== 200) {
      throw new Error(
        `EstablishControlSession: ${result.response.ReplyStatusCode} ${result.response.ReplyStatusMessage}`,
      );
    }
    const started = Date.now();
    while (!this.channels.get(`1/${this.deviceId}/control`) || this.controlChannel().readyState !== 'open') {
      if (Date.now() - started > timeoutMs) throw new Error('the control DataChannel did not open in time');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  get connectionState(): string {
    return this.pc?.connectionState ?? 'new';
  }

  /** Sends a CMF request on the control DataChannel and waits for its answer there. */
  async controlCall(api: string, body: unknown, permissions: Permission[]): Promise<CallResult> {
    const { console: app } = this.site;
    const request = await app.endpoint.buildRequest({
      path: controlPath(this.deviceId, this.nodeId, api) as DestinationPath,
      body,
      accessToken: await app.token(this.deviceId, permissions, [this.nodeId]),
    });
    const answered = new Promise<CmfResponse>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${api} on the control channel`)), 5000);
      this.waiting.set(request.CommandID, (response) => {
        clearTimeout(timer);
        resolve(response);
      });
    });
    this.controlChannel().send(JSON.stringify(request));
    const response = await answered;
    return { response, body: await app.endpoint.openResponse(response), attempts: 1 };
  }

  /** Decodes a message from a data DataChannel (a CMF request whose Body is the SceneMark). */
  async openData(text: string): Promise<unknown> {
    const message = parseCmfMessage(text);
    if (message.MessageType !== 'request') throw new Error('data must be a CMF request');
    return decodeBody(message.Payload.Body, message.EncryptionOn, this.site.console.keys.privateJwk);
  }

  /** Frames decoded after `since` (ms since the epoch). */
  framesAfter(since: number): DecodedFrame[] {
    return this.frames.filter((frame) => frame.receivedAt > since);
  }

  close(): void {
    this.unsubscribe?.();
    this.sink?.stop();
    this.sink = undefined;
    this.pc?.close();
  }

  private controlChannel(): DataChannel {
    const channel = this.channels.get(`1/${this.deviceId}/control`);
    if (!channel) throw new Error('no control channel yet');
    return channel;
  }

  private async onSignal(body: Record<string, unknown>): Promise<void> {
    if (body.Type === 'offer') return this.answer(String(body.SDP));
    if (body.Type === 'bye') {
      this.bye = true;
      return;
    }
    if (body.Type === 'candidate') {
      const candidate = body.Candidate as IceCandidateInit;
      if (!candidate.candidate) return;
      if (this.pc?.remoteDescription) await this.pc.addIceCandidate(candidate);
      else this.pendingCandidates.push(candidate);
    }
  }

  private async answer(sdp: string): Promise<void> {
    const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
    this.pc = pc;
    pc.onconnectionstatechange = () => this.peerStates.push(pc.connectionState);
    pc.ondatachannel = ({ channel }) => {
      this.channels.set(channel.label, channel);
      channel.onmessage = ({ data }) => {
        const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
        if (channel.label.endsWith('/control')) {
          const message = parseCmfMessage(text);
          if (message.MessageType === 'response') this.waiting.get(message.ReplyID)?.(message);
        } else {
          this.dataMessages.push({ label: channel.label, text });
        }
      };
    };
    pc.ontrack = ({ track }) => {
      this.trackIds.push(track.id);
      const sink = new wrtc.nonstandard.RTCVideoSink(track);
      this.sink = sink;
      sink.onframe = ({ frame }) => {
        const stamp = readFrameCodeI420(frame.data, frame.width, frame.height);
        if (stamp) {
          this.frames.push({ ...stamp, receivedAt: Date.now(), width: frame.width, height: frame.height });
        }
      };
    };
    const signal = async (fields: Record<string, unknown>): Promise<void> => {
      const { console: app } = this.site;
      await app.endpoint.notify({
        path: managementPath(this.deviceId, 'WebRTCSignaling'),
        body: { Version: '1.0', SessionID: this.sessionId, ...fields },
        accessToken: await app.token(this.deviceId, ['Management']),
      });
    };
    pc.onicecandidate = ({ candidate }) => {
      const init = candidate
        ? {
            candidate: candidate.candidate,
            sdpMid: candidate.sdpMid ?? '0',
            sdpMLineIndex: candidate.sdpMLineIndex ?? 0,
          }
        : { candidate: '', sdpMid: '0', sdpMLineIndex: 0 };
      void signal({ Type: 'candidate', Candidate: init }).catch(() => undefined);
    };
    await pc.setRemoteDescription({ type: 'offer', sdp });
    for (const candidate of this.pendingCandidates.splice(0)) await pc.addIceCandidate(candidate);
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    await signal({ Type: 'answer', SDP: answer.sdp });
  }
}

/** Opens a console WebRTC session to `deviceId` that closes with the site. */
export async function openConsoleSession(site: LocalSite, deviceId: string): Promise<ConsoleWebRtcPeer> {
  const session = new ConsoleWebRtcPeer(site, deviceId);
  site.onClose(() => session.close());
  await session.open();
  return session;
}

/** A site with one camera bound and a console WebRTC session open to it. */
export interface CameraSession {
  site: LocalSite;
  camera: SimulatedCamera;
  session: ConsoleWebRtcPeer;
}

/** Starts a site and camera `index`, then opens a session to it; `site.close()` ends all three. */
export async function startCameraSession(index: number): Promise<CameraSession> {
  const site = await startLocalSite();
  try {
    const camera = await site.startCamera(index);
    return { site, camera, session: await openConsoleSession(site, camera.deviceId) };
  } catch (error) {
    await site.close();
    throw error;
  }
}

/** Polls `check` (sync or async) until it gives a value other than undefined/false, or fails. */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** What the console's WebAPI data server received. */
export class RecordingSink implements WebApiIngestSink {
  readonly sceneMarks: SceneMarkDelivery[] = [];
  readonly sceneData: SceneDataDelivery[] = [];
  readonly rejects: WebApiRejection[] = [];
  onSceneMark(delivery: SceneMarkDelivery): void {
    this.sceneMarks.push(delivery);
  }
  onSceneData(delivery: SceneDataDelivery): void {
    this.sceneData.push(delivery);
  }
  onReject(rejection: WebApiRejection): void {
    this.rejects.push(rejection);
  }
}

/** The console's WebAPI data server and what it received. */
export interface ConsoleWebApi {
  server: WebApiServer;
  sink: RecordingSink;
}

/**
 * The console's HTTPS data receiver (services/webapi/webApiServer.ts) on 127.0.0.1, checking
 * Bearer tokens against the account service's key (Permission Data); it closes with the site.
 */
export async function startConsoleWebApi(site: LocalSite): Promise<ConsoleWebApi> {
  const sink = new RecordingSink();
  const server = await startWebApiServer({
    consoleEndPointId: site.console.endPointId,
    tls: site.certificate,
    privateKey: site.console.keys.privateJwk,
    peerPublicKey: async (id) => site.accountService.devicePublicJwk(id),
    verifyBearer: async (token) => {
      await verifyAccessToken(token, {
        issuerPublicJwk: site.accountService.publicJwk,
        audience: site.console.endPointId,
        requiredPermission: 'Data',
      });
    },
    rateLimit: false,
    sink,
  });
  site.onClose(() => server.close());
  return { server, sink };
}
