import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { managementPath, parseMqttTopic } from '../core/nice/destinationId';
import type { EndpointPublicJwk } from '../core/nice/endpointKeys';
import type { NiceEndpoint } from '../core/nice/niceEndpoint';
import { NiceProtocolError } from '../core/nice/niceProtocolError';
import type { Logger } from '../core/util/logger';
import type { CameraVideo } from './cameraVideo';
import type { OpenControlSession, SignalingBody, StartStreamingBody } from './deviceBodies';
import { VIDEO_RESOLUTIONS, type NodeDefinition } from './deviceNodes';
import type { RateMeter } from './rateMeter';
import { StatusError } from './statusError';
import { DeviceWebRtcSession } from './webRtcSession';
import type { IceServerInit, PeerConnectionState } from './wrtc';

/** What the sessions need from their camera. */
export interface CameraSessionsHost {
  deviceId: string;
  endpoint: NiceEndpoint;
  video: CameraVideo;
  /** The DeviceToken: AccessToken of the camera's own signaling and CloseControlSession. */
  deviceToken(): string | undefined;
  accountServiceId(): string | undefined;
  rememberKey(endPointId: string, jwk: EndpointPublicJwk): void;
  /** Data channel labels of the SceneModes' WebRTC destinations naming `peer`. */
  dataLabelsFor(peer: string): string[];
  nodeMeter(nodeId: string): RateMeter | undefined;
  changed(): void;
  logger: Logger;
  source: string;
}

interface SessionEntry {
  session: DeviceWebRtcSession;
  expiry: ReturnType<typeof setTimeout> | undefined;
}

/** Longest wait a timer can take (setTimeout's 32-bit limit). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A camera's control sessions (profile "Control sessions and WebRTC"): SetControlObject Open
 * and Close, WebRTCSignaling from the peer, StartStreaming and StopStreaming on the session's
 * track, expiry, and the peer connection failing. Commands on a control DataChannel are run
 * with that session as context, so StartStreaming there starts frames on that very session.
 */
export class CameraSessions {
  private readonly entries = new Map<string, SessionEntry>();
  private readonly context = new AsyncLocalStorage<DeviceWebRtcSession>();

  constructor(private readonly host: CameraSessionsHost) {}

  get size(): number {
    return this.entries.size;
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  /** Whether any session streams (node `nodeId`'s video, when given). */
  streaming(nodeId?: string): boolean {
    return [...this.entries.values()].some(
      ({ session }) =>
        session.stream !== undefined && (nodeId === undefined || session.stream.nodeId === nodeId),
    );
  }

  /** The newest open session with `peer`. */
  with(peer: string): DeviceWebRtcSession | undefined {
    const id = peer.toLowerCase();
    return [...this.entries.values()].filter((entry) => entry.session.peerEndPointId === id).at(-1)?.session;
  }

  /** A SceneMode changed: open the data channels it names on the sessions with those peers. */
  refreshDataChannels(): void {
    for (const { session } of this.entries.values()) {
      session.ensureDataChannels(this.host.dataLabelsFor(session.peerEndPointId));
    }
  }

  /** SetControlObject Open: the session starts and its offer follows the Opening answer. */
  open(open: OpenControlSession): void {
    if (this.entries.has(open.SessionID)) return; // a resent Open: already opening
    const signaling = signalingPath(open.SignalingTopic, 'ControlSession.SignalingTopic');
    if (signaling.endPointId !== open.PeerEndPointID) {
      throw new NiceProtocolError(
        'MALFORMED',
        'is not the peer’s signaling topic',
        'ControlSession.SignalingTopic',
      );
    }
    const local = signalingPath(open.LocalSignalingTopic, 'ControlSession.LocalSignalingTopic');
    if (local.endPointId !== this.host.deviceId) {
      throw new NiceProtocolError(
        'MALFORMED',
        'is not this device’s signaling topic',
        'ControlSession.LocalSignalingTopic',
      );
    }
    const expiresAt = Date.parse(open.ExpiresAt);
    if (Number.isNaN(expiresAt)) {
      throw new NiceProtocolError('MALFORMED', 'is not a DateTimeStamp', 'ControlSession.ExpiresAt');
    }
    this.host.rememberKey(open.PeerEndPointID, open.PeerJWK);
    const session = new DeviceWebRtcSession({
      deviceId: this.host.deviceId,
      sessionId: open.SessionID,
      peerEndPointId: open.PeerEndPointID,
      iceServers: open.IceServers as IceServerInit[],
      dataLabels: this.host.dataLabelsFor(open.PeerEndPointID),
      signal: (body) =>
        this.host.endpoint.notify({ path: signaling, body, accessToken: this.host.deviceToken() ?? '' }),
      onControlMessage: (owner, text) => this.onControlMessage(owner, text),
      onStateChange: (owner, state) => this.onPeerState(owner, state),
      logger: this.host.logger,
    });
    const entry: SessionEntry = { session, expiry: undefined };
    const untilExpiry = expiresAt - Date.now();
    if (untilExpiry < MAX_TIMER_MS) {
      entry.expiry = setTimeout(
        () => void this.end(session, 'the control session expired'),
        Math.max(0, untilExpiry),
      );
    }
    this.entries.set(open.SessionID, entry);
    this.host.changed();
    // The Opening answer goes out first; the offer follows (v0.9 §9.3 step 3).
    setImmediate(() => {
      session
        .offer()
        .catch((error: unknown) => void this.end(session, `the offer failed: ${describe(error)}`));
    });
  }

  /** SetControlObject Close: bye, then close (profile). Unknown sessions are already closed. */
  async close(sessionId: string): Promise<void> {
    const entry = this.entries.get(sessionId);
    if (!entry) return;
    this.forget(entry);
    await entry.session.close({ bye: true });
    this.host.changed();
  }

  /** WebRTCSignaling from the session's peer; a bye ends the session without one back. */
  async onSignal(source: string, body: SignalingBody): Promise<void> {
    const entry = this.entries.get(body.SessionID);
    if (!entry) throw new Error(`no session ${body.SessionID}`);
    if (entry.session.peerEndPointId !== source.toLowerCase()) {
      throw new Error(`session ${body.SessionID} belongs to another peer`);
    }
    if ((await entry.session.onSignal(body)) === 'bye') {
      this.forget(entry);
      entry.session.closeNow();
      this.host.changed();
    }
  }

  /**
   * StartStreaming: frames on the track the first offer already carried (no renegotiation),
   * on the session the command came over, or the caller's newest session when it came over MQTT.
   */
  startStreaming(caller: string, node: NodeDefinition, body: StartStreamingBody): { trackId: string } {
    if (!node.videoPortId) throw new StatusError(404, `node ${node.nodeId} has no video output`);
    if (body.PortID !== node.videoPortId) {
      throw new NiceProtocolError('MALFORMED', `is not a video port of node ${node.nodeId}`, 'PortID');
    }
    const session = this.context.getStore() ?? this.with(caller);
    if (!session || session.isClosed) throw new StatusError(404, `no control session with ${caller} is open`);
    const settings = this.host.video.settings;
    const width = body.Video?.Width ?? settings.width;
    const height = body.Video?.Height ?? settings.height;
    // As a real device: only the sizes its GetCapabilities offers (issue 18 item 3).
    const offered = settings.resolutions ?? VIDEO_RESOLUTIONS;
    if (!offered.some((size) => size.Width === width && size.Height === height)) {
      throw new NiceProtocolError(
        'MALFORMED',
        `${width}x${height} is not offered; GetCapabilities lists ${offered.map((size) => `${size.Width}x${size.Height}`).join(', ')}`,
        'Video',
      );
    }
    const fps = Math.min(settings.fps, body.Video?.FrameRate ?? settings.fps);
    const stream = {
      streamId: body.StreamID,
      nodeId: node.nodeId,
      portId: node.videoPortId,
      width,
      height,
      fps,
    };
    const meter = this.host.nodeMeter(node.nodeId);
    session.startStream(stream, () =>
      this.host.video.stream(stream, (frame) => {
        session.pushFrame(frame);
        meter?.record();
      }),
    );
    this.host.changed();
    return { trackId: session.trackId };
  }

  /** StopStreaming: false when no session streams `streamId`. */
  async stopStreaming(streamId: string): Promise<boolean> {
    const entry = [...this.entries.values()].find(
      (candidate) => candidate.session.stream?.streamId === streamId,
    );
    if (!entry) return false;
    entry.session.stopStream();
    this.host.changed();
    // Frames already handed to the encoder leave within a frame or two: answer after them, so
    // that "no frames after StopStreaming is answered" holds at the receiver.
    await delay(Math.max(100, Math.ceil(2000 / this.host.video.settings.fps)));
    return true;
  }

  /** Ends every session: with a bye (close, restart, release) or without (vanish). */
  async closeAll(options: { bye: boolean }): Promise<void> {
    const entries = [...this.entries.values()];
    for (const entry of entries) this.forget(entry);
    if (options.bye) await Promise.all(entries.map((entry) => entry.session.close({ bye: true })));
    else for (const entry of entries) entry.session.closeNow();
    if (entries.length > 0) this.host.changed();
  }

  /** A CMF message from a session's control DataChannel, answered on the same channel. */
  private async onControlMessage(session: DeviceWebRtcSession, text: string): Promise<string | null> {
    const reply = await this.context.run(session, () => this.host.endpoint.receive(text));
    return reply?.text ?? null;
  }

  private onPeerState(session: DeviceWebRtcSession, state: PeerConnectionState): void {
    this.host.logger.log('debug', this.host.source, `session ${session.sessionId}: ${state}`);
    if (state === 'failed' || state === 'closed') void this.end(session, `the peer connection ${state}`);
    else this.host.changed();
  }

  /**
   * Ends a session the device gives up on (expiry, failure): says bye, closes, and tells the
   * account service with CloseControlSession (either peer may, profile).
   */
  private async end(session: DeviceWebRtcSession, reason: string): Promise<void> {
    const entry = this.entries.get(session.sessionId);
    if (!entry || entry.session !== session) return;
    this.host.logger.log('info', this.host.source, `session ${session.sessionId} ends: ${reason}`);
    this.forget(entry);
    await session.close({ bye: true });
    this.host.changed();
    const accountServiceId = this.host.accountServiceId();
    const deviceToken = this.host.deviceToken();
    if (!accountServiceId || !deviceToken) return;
    await this.host.endpoint
      .call({
        path: managementPath(accountServiceId, 'CloseControlSession'),
        body: { Version: '1.0', SessionID: session.sessionId, Reason: reason.slice(0, 256) },
        accessToken: deviceToken,
        timeoutMs: 5000,
        resends: 1,
      })
      .catch((error: unknown) =>
        this.host.logger.log(
          'debug',
          this.host.source,
          `CloseControlSession was not confirmed: ${describe(error)}`,
        ),
      );
  }

  private forget(entry: SessionEntry): void {
    clearTimeout(entry.expiry);
    if (this.entries.get(entry.session.sessionId) === entry) this.entries.delete(entry.session.sessionId);
  }
}

/** A peer's WebRTCSignaling topic as a management path (`1/{EndPointID}/management/WebRTCSignaling`). */
function signalingPath(topic: string, field: string): ReturnType<typeof managementPath> {
  const path = parseMqttTopic(topic, field);
  if (path.kind !== 'management' || path.api !== 'WebRTCSignaling') {
    throw new NiceProtocolError('MALFORMED', 'must be 1/{EndPointID}/management/WebRTCSignaling', field);
  }
  return managementPath(path.endPointId, path.api);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
