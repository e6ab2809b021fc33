import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Permission } from '../../core/nice/accessToken';
import type {
  CloseSessionRequest,
  ControlSession,
  DeliverDataRequest,
  OpenSessionRequest,
  ReportPeerStateRequest,
  SendSignalRequest,
  SessionSignal,
  StartStreamingRequest,
} from '../../../src-shared/contract/sessionsContract';
import { parseDataChannelLabel, controlPath, managementPath } from '../../core/nice/destinationId';
import {
  NiceEndpoint,
  type CallResult,
  type CommandPath,
  type EndpointTransport,
} from '../../core/nice/niceEndpoint';
import { NiceProtocolError } from '../../core/nice/niceProtocolError';
import { issuedTokenCheck } from '../../core/nice/tokenCheck';
import type { Disposable } from '../../core/util/disposable';
import type { Logger } from '../../core/util/logger';
import { ContractFailure } from '../contract/contractFailure';
import { chooseStream } from './streamChoice';
import type { ConsoleIdentityService } from '../identity/consoleIdentityService';
import type { MqttHub } from '../mqtt/mqttHub';
import type { CmfDataIntake } from '../scenemarks/cmfDataIntake';
import type { SessionCredentials } from './sessionCredentials';
import type { SessionRepository } from './sessionRepository';

export interface ControlSessionServiceOptions {
  hub: MqttHub;
  identity: ConsoleIdentityService;
  credentials: SessionCredentials;
  repository: SessionRepository;
  intake: CmfDataIntake;
  logger: Logger;
  publish: { changed(session: ControlSession): void; signaled(signal: SessionSignal): void };
  /** How long a command to the account service or a device may take (default 5 s). */
  commandTimeoutMs?: number;
  /** How long to wait for the device's offer before the session fails (default 20 s). */
  offerTimeoutMs?: number;
  now?: () => number;
}

const Candidate = z.object({
  candidate: z.string().max(2048),
  sdpMid: z.string().max(64).nullable().optional(),
  sdpMLineIndex: z.number().int().min(0).max(255).nullable().optional(),
});
const SignalingBody = z.object({
  Version: z.string().optional(),
  SessionID: z.string().min(1).max(64),
  Type: z.enum(['offer', 'answer', 'candidate', 'bye']),
  SDP: z.string().max(65536).optional(),
  Candidate: Candidate.optional(),
});
const StartedBody = z.object({
  StreamID: z.string().optional(),
  Status: z.string(),
  Tracks: z.array(z.object({ TrackID: z.string(), Kind: z.string().optional() })).default([]),
});

interface Attachment {
  profileId: string;
  endpoint: NiceEndpoint;
  /** Builds the console's endpoint on another transport (a session's control DataChannel). */
  endpointOn(transport: EndpointTransport): NiceEndpoint;
  subscriptions: Disposable[];
}

interface Entry {
  session: ControlSession;
  /** The caller (a page) that opened it; its sessions close when it goes away. */
  owner: string | undefined;
  /**
   * The console's endpoint on the session's control DataChannel while the renderer reports it
   * open: requests go to the renderer as `control` signals, answers come back as deliverData.
   */
  controlChannel?: NiceEndpoint;
  offerTimer?: ReturnType<typeof setTimeout>;
  peerConnected: boolean;
}

const terminal = new Set(['closed', 'failed']);

/**
 * The console's side of control sessions (profile "Control sessions and WebRTC"): asks the
 * account service for a session (EstablishControlSession), relays WebRTCSignaling between the
 * device's MQTT topic and the renderer, which owns the RTCPeerConnection, sends StartStreaming
 * and StopStreaming, closes sessions (CloseControlSession) and keeps their records. Commands are
 * built here, where the console's key and tokens live. StartStreaming and StopStreaming go over
 * the control DataChannel once the renderer reports it open (profile: "over the control
 * DataChannel once open, else MQTT"): the renderer only relays the finished CMF text, whose body
 * is encrypted to the device and whose token is limited to that device, node and `Streaming`.
 */
export class ControlSessionService implements Disposable {
  private attachment: Attachment | undefined;
  private attaching: Promise<Attachment> | undefined;
  private readonly sessions = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly timeoutMs: number;

  constructor(private readonly options: ControlSessionServiceOptions) {
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.commandTimeoutMs ?? 5000;
    const abandoned = options.repository.endAbandoned(this.now());
    if (abandoned > 0) {
      options.logger.log(
        'info',
        'sessions',
        `${abandoned} sessions left open by the last run were marked failed`,
      );
    }
  }

  list(): ControlSession[] {
    return [...this.sessions.values()].map((entry) => entry.session);
  }

  async open(request: OpenSessionRequest, owner?: string): Promise<ControlSession> {
    const { endpoint } = await this.attach();
    const accountService = this.requireAccountService();
    const deviceId = request.deviceId.toLowerCase();
    if (!this.options.credentials.knowsDevice(deviceId)) {
      throw new ContractFailure(
        'NOT_FOUND',
        `deviceId: ${deviceId} is not a device the account service knows`,
      );
    }
    const sessionId = randomUUID();
    const session: ControlSession = {
      sessionId,
      deviceId,
      nodeId: request.nodeId,
      state: 'establishing',
      reason: null,
      startedAtMs: this.now(),
      endedAtMs: null,
      streamId: null,
      trackIds: [],
    };
    const entry: Entry = { session, owner, peerConnected: false };
    this.sessions.set(sessionId, entry);
    this.options.repository.started({
      sessionId,
      kind: 'control',
      peer: deviceId,
      startedMs: session.startedAtMs,
    });
    this.options.publish.changed(session);
    const result = await this.command(
      endpoint,
      managementPath(accountService.endPointId, 'EstablishControlSession'),
      {
        Version: '1.0',
        SessionID: sessionId,
        DeviceID: deviceId,
        NodeID: request.nodeId,
        ControlProtocol: 'WebRTC',
        Purpose: ['Control', 'Data', 'Streaming'],
        SignalingTopic: `1/${endpoint.endPointId}/management/WebRTCSignaling`,
        IceServers: [],
      },
      { aud: accountService.endPointId, permissions: ['Management'] },
    ).catch((error: unknown) => {
      this.end(entry, 'failed', describe(error));
      throw error;
    });
    if (result.response.ReplyStatusCode !== 200) {
      const reason = `the account service refused the session: ${result.response.ReplyStatusCode} ${result.response.ReplyStatusMessage}`;
      this.end(entry, 'failed', reason);
      throw new ContractFailure(
        result.response.ReplyStatusCode === 404 ? 'NOT_FOUND' : 'UNAVAILABLE',
        reason,
      );
    }
    entry.offerTimer = setTimeout(() => {
      if (entry.session.state === 'establishing')
        this.end(entry, 'failed', 'the device sent no offer in time');
    }, this.options.offerTimeoutMs ?? 20_000);
    return entry.session;
  }

  async sendSignal(request: SendSignalRequest): Promise<Record<string, never>> {
    const entry = this.live(request.sessionId);
    const { endpoint } = await this.attach();
    const body: Record<string, unknown> = {
      Version: '1.0',
      SessionID: request.sessionId,
      Type: request.type,
    };
    if (request.type === 'answer') body.SDP = request.sdp;
    if (request.type === 'candidate') body.Candidate = request.candidate;
    const accessToken = await this.options.credentials.tokenFor({
      aud: entry.session.deviceId,
      permissions: ['Management'],
    });
    await endpoint
      .notify({ path: managementPath(entry.session.deviceId, 'WebRTCSignaling'), body, accessToken })
      .catch((error: unknown) => {
        throw new ContractFailure('UNAVAILABLE', `the signal could not be sent: ${describe(error)}`);
      });
    if (request.type === 'bye') this.end(entry, 'closed', 'closed by the console');
    return {};
  }

  reportPeerState(request: ReportPeerStateRequest): ControlSession {
    const entry = this.require(request.sessionId);
    if (terminal.has(entry.session.state)) return entry.session;
    if (request.controlChannel === 'open' && !entry.controlChannel && this.attachment) {
      entry.controlChannel = this.attachment.endpointOn({
        send: async (_topic, text) =>
          this.options.publish.signaled({ sessionId: entry.session.sessionId, type: 'control', text }),
      });
    } else if (request.controlChannel === 'closed') {
      this.dropControlChannel(entry, 'the control DataChannel closed');
    }
    if (request.peerState === 'connected' && !entry.peerConnected) {
      entry.peerConnected = true;
      if (entry.session.state !== 'streaming') this.update(entry, { state: 'connected' });
    } else if (request.peerState === 'failed') {
      this.end(entry, 'failed', 'the WebRTC connection failed');
    } else if (request.peerState === 'closed') {
      this.end(entry, 'closed', 'the WebRTC connection closed');
    }
    return entry.session;
  }

  async startStreaming(request: StartStreamingRequest): Promise<ControlSession> {
    const entry = this.live(request.sessionId);
    const streamId = randomUUID();
    // A device is asked only for what its GetCapabilities offers on the port (issue 18 item 3).
    const capabilities = await this.deviceCommand(
      entry,
      'GetCapabilities',
      { Version: '1.0', NodeID: entry.session.nodeId },
      'Control',
    );
    const video = chooseStream(capabilities.body, request.portId, request);
    const result = await this.deviceCommand(entry, 'StartStreaming', {
      Version: '1.0',
      NodeID: entry.session.nodeId,
      PortID: request.portId,
      StreamID: streamId,
      Video: video,
      Audio: false,
    });
    const started = StartedBody.safeParse(result.body);
    if (!started.success || started.data.Status !== 'Started') {
      throw new ContractFailure('UNAVAILABLE', 'the device did not start the stream');
    }
    this.update(entry, {
      state: 'streaming',
      streamId: started.data.StreamID ?? streamId,
      trackIds: started.data.Tracks.map((track) => track.TrackID),
    });
    return entry.session;
  }

  async stopStreaming(request: { sessionId: string }): Promise<ControlSession> {
    const entry = this.live(request.sessionId);
    if (!entry.session.streamId) return entry.session;
    await this.deviceCommand(entry, 'StopStreaming', { Version: '1.0', StreamID: entry.session.streamId });
    this.update(entry, {
      state: entry.peerConnected ? 'connected' : 'signaling',
      streamId: null,
      trackIds: [],
    });
    return entry.session;
  }

  async close(request: CloseSessionRequest): Promise<ControlSession> {
    const entry = this.require(request.sessionId);
    if (terminal.has(entry.session.state)) return entry.session;
    this.end(entry, 'closed', request.reason);
    const accountService = this.options.credentials.accountService();
    const attachment = this.attachment;
    if (accountService && attachment) {
      await this.command(
        attachment.endpoint,
        managementPath(accountService.endPointId, 'CloseControlSession'),
        { Version: '1.0', SessionID: request.sessionId, Reason: request.reason },
        { aud: accountService.endPointId, permissions: ['Management'] },
      ).catch((error: unknown) => {
        this.options.logger.log(
          'warn',
          'sessions',
          `CloseControlSession was not confirmed: ${describe(error)}`,
        );
      });
    }
    return entry.session;
  }

  /**
   * Applies a SceneMode to a device node (SetSceneMode over MQTT) and returns the device's
   * verdict; used when the local site binds a device so its SceneMarks reach the console.
   */
  async applySceneMode(
    deviceId: string,
    nodeId: string,
    sceneMode: Record<string, unknown>,
  ): Promise<unknown> {
    const { endpoint } = await this.attach();
    const result = await this.command(endpoint, controlPath(deviceId, nodeId, 'SetSceneMode'), sceneMode, {
      aud: deviceId,
      permissions: ['Control'],
      nodeIds: [nodeId],
    });
    if (result.response.ReplyStatusCode !== 200) {
      throw new ContractFailure(
        'UNAVAILABLE',
        `SetSceneMode was refused: ${result.response.ReplyStatusCode} ${result.response.ReplyStatusMessage}`,
      );
    }
    return result.body;
  }

  /** Closes the sessions a page opened once that page is gone (reloaded, closed, disconnected). */
  async closeOwnedBy(caller: string): Promise<void> {
    const owned = [...this.sessions.values()].filter(
      (entry) => entry.owner === caller && !terminal.has(entry.session.state),
    );
    await Promise.all(
      owned.map((entry) =>
        this.close({ sessionId: entry.session.sessionId, reason: 'the page that opened it went away' }),
      ),
    );
  }

  /** A message from a data DataChannel of the session, ingested like MQTT data. */
  async deliverData(request: DeliverDataRequest): Promise<Record<string, never>> {
    const entry = this.require(request.sessionId);
    let kind: string;
    try {
      const path = parseDataChannelLabel(request.label, 'label');
      kind = path.kind;
      if (path.kind === 'controlChannel' && path.endPointId !== entry.session.deviceId) {
        throw new NiceProtocolError('MALFORMED', "is not this session's control channel", 'label');
      }
      if (path.kind !== 'data' && path.kind !== 'controlChannel') {
        throw new NiceProtocolError('MALFORMED', 'not a data or control channel', 'label');
      }
    } catch (error) {
      throw new ContractFailure('INVALID_REQUEST', describe(error));
    }
    if (kind === 'controlChannel') {
      // The device's answers to our commands on its control DataChannel (v0.9 §9.4).
      const channel = entry.controlChannel;
      if (!channel) throw new ContractFailure('CONFLICT', 'label: the control channel is not open');
      try {
        await channel.receive(request.text);
      } catch (error) {
        throw new ContractFailure('INVALID_REQUEST', `text: ${describe(error)}`);
      }
      return {};
    }
    await this.options.intake.accept(request.text, `webrtc:${entry.session.deviceId}`);
    return {};
  }

  dispose(): void {
    for (const entry of this.sessions.values()) {
      if (!terminal.has(entry.session.state)) this.end(entry, 'closed', 'the console shut down');
    }
    this.detach();
  }

  /** Forgets the broker attachment (the local site stopped or its profile changed). */
  detach(): void {
    const attachment = this.attachment;
    this.attachment = undefined;
    this.attaching = undefined;
    if (!attachment) return;
    for (const subscription of attachment.subscriptions) subscription.dispose();
    attachment.endpoint.cancelAll('the session service detached from the broker');
  }

  /** A control command to the session's node; StartStreaming/StopStreaming need `Streaming`. */
  private async deviceCommand(
    entry: Entry,
    api: string,
    body: Record<string, unknown>,
    permission: Permission = 'Streaming',
  ): Promise<CallResult> {
    const attachment = await this.attach();
    // Profile: StartStreaming/StopStreaming go over the control DataChannel once open, else MQTT.
    const endpoint =
      permission === 'Streaming' && entry.controlChannel ? entry.controlChannel : attachment.endpoint;
    const result = await this.command(
      endpoint,
      controlPath(entry.session.deviceId, entry.session.nodeId, api),
      body,
      { aud: entry.session.deviceId, permissions: [permission], nodeIds: [entry.session.nodeId] },
    );
    if (result.response.ReplyStatusCode !== 200) {
      throw new ContractFailure(
        'UNAVAILABLE',
        `${api} was refused: ${result.response.ReplyStatusCode} ${result.response.ReplyStatusMessage}`,
      );
    }
    return result;
  }

  private async command(
    endpoint: NiceEndpoint,
    path: CommandPath,
    body: Record<string, unknown>,
    grant: Parameters<SessionCredentials['tokenFor']>[0],
  ): Promise<CallResult> {
    const accessToken = await this.options.credentials.tokenFor(grant);
    try {
      return await endpoint.call({ path, body, accessToken, timeoutMs: this.timeoutMs, resends: 1 });
    } catch (error) {
      if (error instanceof NiceProtocolError && error.code === 'TIMEOUT') {
        throw new ContractFailure('TIMEOUT', `${path.api}: ${error.message}`);
      }
      throw new ContractFailure('UNAVAILABLE', `${path.api}: ${describe(error)}`);
    }
  }

  private onSignal(source: string, body: unknown): void {
    const parsed = SignalingBody.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new NiceProtocolError('MALFORMED', issue?.message ?? 'invalid', issue?.path.join('.') || 'Body');
    }
    const signal = parsed.data;
    const entry = this.sessions.get(signal.SessionID);
    if (!entry || entry.session.deviceId !== source.toLowerCase()) {
      throw new NiceProtocolError('MALFORMED', 'no such session with this device', 'SessionID');
    }
    if (terminal.has(entry.session.state)) return;
    if (signal.Type === 'offer') {
      if (!signal.SDP) throw new NiceProtocolError('MALFORMED', 'an offer needs SDP', 'SDP');
      clearTimeout(entry.offerTimer);
      if (entry.session.state === 'establishing') this.update(entry, { state: 'signaling' });
      this.options.publish.signaled({ sessionId: signal.SessionID, type: 'offer', sdp: signal.SDP });
    } else if (signal.Type === 'candidate') {
      if (!signal.Candidate)
        throw new NiceProtocolError('MALFORMED', 'a candidate message needs Candidate', 'Candidate');
      this.options.publish.signaled({
        sessionId: signal.SessionID,
        type: 'candidate',
        candidate: {
          candidate: signal.Candidate.candidate,
          sdpMid: signal.Candidate.sdpMid ?? null,
          sdpMLineIndex: signal.Candidate.sdpMLineIndex ?? null,
        },
      });
    } else if (signal.Type === 'bye') {
      this.options.publish.signaled({ sessionId: signal.SessionID, type: 'bye' });
      this.end(entry, 'closed', 'the device ended the session');
    } else {
      throw new NiceProtocolError('MALFORMED', 'PEER2 does not receive answers', 'Type');
    }
  }

  private attach(): Promise<Attachment> {
    const profileId = this.options.credentials.profileId();
    if (!profileId) {
      return Promise.reject(
        new ContractFailure('UNAVAILABLE', 'no account service is configured: start the local site first'),
      );
    }
    if (this.attachment?.profileId === profileId) return Promise.resolve(this.attachment);
    if (this.attachment) this.detach();
    const state = this.options.hub.getState(profileId);
    if (state.status !== 'connected') {
      return Promise.reject(
        new ContractFailure('UNAVAILABLE', `the account service's broker connection is ${state.status}`),
      );
    }
    this.attaching ??= this.createAttachment(profileId).finally(() => (this.attaching = undefined));
    return this.attaching;
  }

  private async createAttachment(profileId: string): Promise<Attachment> {
    const { hub, identity, credentials, logger } = this.options;
    const { endPointId } = await identity.identity();
    const privateJwk = await identity.privateJwk();
    // One identity and one CommandID sequence on every channel (profile: CommandID increases
    // per sender across all its channels).
    const endpointOn = (transport: EndpointTransport): NiceEndpoint =>
      new NiceEndpoint({
        endPointId,
        privateJwk,
        peerKey: (id) => {
          const accountService = credentials.accountService();
          if (accountService && accountService.endPointId === id) return accountService.publicJwk;
          return credentials.devicePublicJwk(id);
        },
        checkToken: issuedTokenCheck({ issuerKey: () => credentials.accountService()?.publicJwk }),
        nextCommandId: () => identity.nextCommandId(),
        transport,
      });
    const endpoint = endpointOn({ send: (topic, text) => hub.publish(profileId, topic, text, 0) });
    endpoint.handle('WebRTCSignaling', ({ request, body }) => {
      this.onSignal(request.SourceEndPointID, body);
      return { noResponse: true };
    });
    const receive = (payload: Buffer, topic: string): void => {
      endpoint
        .receive(payload)
        .then((reply) => (reply ? hub.publish(profileId, reply.topic, reply.text, 0) : undefined))
        .catch((error: unknown) =>
          logger.log('warn', 'sessions', `dropped a message on ${topic}: ${describe(error)}`),
        );
    };
    const id = endPointId.toLowerCase();
    const subscriptions = [
      hub.subscribeData(profileId, `1/${id}/management/+`, 0, receive),
      hub.subscribeData(profileId, `1/${id}/control/+/+`, 0, receive),
    ];
    await Promise.all(subscriptions.map((subscription) => subscription.ready));
    const attachment = { profileId, endpoint, endpointOn, subscriptions };
    this.attachment = attachment;
    return attachment;
  }

  private requireAccountService(): NonNullable<ReturnType<SessionCredentials['accountService']>> {
    const accountService = this.options.credentials.accountService();
    if (!accountService) throw new ContractFailure('UNAVAILABLE', 'no account service is configured');
    return accountService;
  }

  private require(sessionId: string): Entry {
    const entry = this.sessions.get(sessionId);
    if (!entry) throw new ContractFailure('NOT_FOUND', `sessionId: no session ${sessionId}`);
    return entry;
  }

  private live(sessionId: string): Entry {
    const entry = this.require(sessionId);
    if (terminal.has(entry.session.state)) {
      throw new ContractFailure('CONFLICT', `sessionId: session ${sessionId} is ${entry.session.state}`);
    }
    return entry;
  }

  private dropControlChannel(entry: Entry, reason: string): void {
    entry.controlChannel?.cancelAll(reason);
    entry.controlChannel = undefined;
  }

  private update(entry: Entry, patch: Partial<ControlSession>): void {
    entry.session = { ...entry.session, ...patch };
    this.options.publish.changed(entry.session);
  }

  private end(entry: Entry, state: 'closed' | 'failed', reason: string): void {
    if (terminal.has(entry.session.state)) return;
    clearTimeout(entry.offerTimer);
    this.dropControlChannel(entry, `the session ${state}`);
    const endedAtMs = this.now();
    this.update(entry, { state, reason, endedAtMs });
    this.options.repository.ended(entry.session.sessionId, endedAtMs, state, {
      nodeId: entry.session.nodeId,
      reason,
      streamed: entry.session.streamId !== null || entry.peerConnected,
      durationMs: endedAtMs - entry.session.startedAtMs,
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
