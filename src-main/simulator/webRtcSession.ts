import { formatDataChannelLabel, controlChannelPath } from '../core/nice/destinationId';
import type { Disposable } from '../core/util/disposable';
import type { Logger } from '../core/util/logger';
import type { SignalingBody } from './deviceBodies';
import {
  wrtc,
  type DataChannel,
  type I420Frame,
  type IceCandidateInit,
  type IceServerInit,
  type MediaStreamTrack,
  type PeerConnection,
  type PeerConnectionState,
  type VideoSource,
} from './wrtc';

/** End of candidates as the profile spells it. */
export const END_OF_CANDIDATES = { candidate: '', sdpMid: '0', sdpMLineIndex: 0 } as const;

/** Messages kept for a data DataChannel that is not open yet; older ones are dropped. */
const MAX_QUEUED_DATA = 32;
/** Above this many unsent bytes a data channel drops SceneMarks instead of buffering more. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** How long a bye may take to publish before the peer connection closes anyway. */
const BYE_TIMEOUT_MS = 2000;

/** The stream StartStreaming started on this session's track. */
export interface ActiveStream {
  streamId: string;
  nodeId: string;
  portId: string;
  width: number;
  height: number;
  fps: number;
}

export interface WebRtcSessionOptions {
  deviceId: string;
  sessionId: string;
  peerEndPointId: string;
  iceServers: IceServerInit[];
  /** Data channel labels to open with the first offer (the SceneMode's WebRTC destinations). */
  dataLabels: readonly string[];
  /** Publishes one WebRTCSignaling body to the peer's signaling topic. */
  signal(body: Record<string, unknown>): Promise<void>;
  /** A CMF message from the control DataChannel; resolves to the answer to send back, if any. */
  onControlMessage(session: DeviceWebRtcSession, text: string): Promise<string | null>;
  onStateChange(session: DeviceWebRtcSession, state: PeerConnectionState): void;
  logger: Logger;
}

/**
 * One control session on the device side, PEER1 of v0.9 §9.3: creates the peer connection,
 * the control DataChannel `1/{deviceId}/control` (ordered, reliable) and the video track in
 * its first offer, trickles candidates over WebRTCSignaling, applies the answer and the
 * peer's candidates, and opens one data DataChannel per data path on demand (v0.9 §9.4).
 * Frames are pushed by the camera only while a stream is active, so the track exists from the
 * start and StartStreaming needs no renegotiation (profile clarification).
 */
export class DeviceWebRtcSession {
  readonly sessionId: string;
  readonly peerEndPointId: string;
  readonly trackId: string;
  stream: ActiveStream | undefined;
  /** Frames pushed onto the track since the session opened. */
  framesSent = 0;
  private readonly pc: PeerConnection;
  private readonly source: VideoSource;
  private readonly track: MediaStreamTrack;
  private readonly control: DataChannel;
  private readonly dataChannels = new Map<string, { channel: DataChannel; queue: string[] }>();
  private readonly remoteCandidates: IceCandidateInit[] = [];
  private remoteDescriptionSet = false;
  private signalChain: Promise<void> = Promise.resolve();
  private offerQueued = false;
  private readonly earlyCandidates: IceCandidateInit[] = [];
  private streamSubscription: Disposable | undefined;
  private closed = false;

  constructor(private readonly options: WebRtcSessionOptions) {
    this.sessionId = options.sessionId;
    this.peerEndPointId = options.peerEndPointId;
    this.pc = new wrtc.RTCPeerConnection({ iceServers: options.iceServers, bundlePolicy: 'max-bundle' });
    this.control = this.pc.createDataChannel(formatDataChannelLabel(controlChannelPath(options.deviceId)), {
      ordered: true,
    });
    this.control.onmessage = (event) => this.onControlMessage(event.data);
    this.source = new wrtc.nonstandard.RTCVideoSource();
    this.track = this.source.createTrack();
    this.trackId = this.track.id;
    this.pc.addTrack(this.track, new wrtc.MediaStream([this.track]));
    for (const label of options.dataLabels) this.dataChannel(label);
    this.pc.onicecandidate = (event) => this.onLocalCandidate(event.candidate);
    this.pc.onconnectionstatechange = () => {
      if (!this.closed) options.onStateChange(this, this.pc.connectionState);
    };
  }

  get connectionState(): PeerConnectionState {
    return this.closed ? 'closed' : this.pc.connectionState;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Creates the offer, sets it locally and sends it (v0.9 §9.3 steps 3.3–3.5). */
  async offer(): Promise<void> {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    if (this.closed) return;
    this.offerQueued = true;
    this.enqueueSignal({ Type: 'offer', SDP: offer.sdp });
    for (const candidate of this.earlyCandidates.splice(0)) this.sendCandidate(candidate);
    await this.signalChain;
  }

  /** Applies a WebRTCSignaling message from the peer; returns 'bye' when the peer ended. */
  async onSignal(body: SignalingBody): Promise<'bye' | undefined> {
    if (this.closed) return undefined;
    switch (body.Type) {
      case 'answer':
        if (!body.SDP) throw new Error('an answer without SDP');
        await this.pc.setRemoteDescription({ type: 'answer', sdp: body.SDP });
        this.remoteDescriptionSet = true;
        for (const candidate of this.remoteCandidates.splice(0)) await this.addCandidate(candidate);
        return undefined;
      case 'candidate': {
        const candidate = body.Candidate;
        if (!candidate || candidate.candidate === '') return undefined; // end of candidates
        const init: IceCandidateInit = {
          candidate: candidate.candidate,
          sdpMid: candidate.sdpMid ?? null,
          sdpMLineIndex: candidate.sdpMLineIndex ?? null,
        };
        if (this.remoteDescriptionSet) await this.addCandidate(init);
        else this.remoteCandidates.push(init);
        return undefined;
      }
      case 'bye':
        return 'bye';
      case 'offer':
        // PEER1 offers; an offer from PEER2 is not part of the profile.
        this.options.logger.log(
          'warn',
          'simulator',
          `session ${this.sessionId}: ignored an offer from the peer`,
        );
        return undefined;
    }
  }

  /** Starts pushing frames: `subscribe` connects the session to the camera's frame clock. */
  startStream(stream: ActiveStream, subscribe: () => Disposable): void {
    this.streamSubscription?.dispose();
    this.stream = stream;
    this.streamSubscription = subscribe();
  }

  /** Stops the frames at once: nothing reaches the track after this returns. */
  stopStream(): ActiveStream | undefined {
    const stream = this.stream;
    this.streamSubscription?.dispose();
    this.streamSubscription = undefined;
    this.stream = undefined;
    return stream;
  }

  pushFrame(frame: I420Frame): void {
    if (this.closed || !this.stream) return;
    this.source.onFrame(frame);
    this.framesSent += 1;
  }

  /**
   * Sends one message on the data DataChannel `label` (`1/{peer}/data/{NodeID}/{PortID}`),
   * opening the channel if needed; messages wait (bounded) until it opens. False when dropped.
   */
  sendData(label: string, text: string): boolean {
    if (this.closed) return false;
    const entry = this.dataChannel(label);
    if (entry.channel.readyState === 'open') {
      if (entry.channel.bufferedAmount > MAX_BUFFERED_BYTES) return false;
      entry.channel.send(text);
      return true;
    }
    if (entry.channel.readyState !== 'connecting') return false;
    entry.queue.push(text);
    if (entry.queue.length > MAX_QUEUED_DATA) entry.queue.shift();
    return true;
  }

  /** Opens the data channels of `labels` not open yet (a SceneMode named WebRTC destinations). */
  ensureDataChannels(labels: readonly string[]): void {
    if (this.closed) return;
    for (const label of labels) this.dataChannel(label);
  }

  /**
   * Ends the session: with `bye`, tells the peer first (profile: on Close the device sends a
   * bye and closes); without it, the connection just dies as a powered-off camera's would.
   */
  async close(options: { bye: boolean }): Promise<void> {
    if (this.closed) return;
    if (options.bye) {
      this.enqueueSignal({ Type: 'bye' });
      await Promise.race([this.signalChain, new Promise((resolve) => setTimeout(resolve, BYE_TIMEOUT_MS))]);
    }
    this.closeNow();
  }

  /** Tears everything down synchronously (vanish, or after the bye). */
  closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopStream();
    this.pc.onicecandidate = null;
    this.pc.onconnectionstatechange = null;
    this.track.stop();
    this.pc.close();
  }

  private dataChannel(label: string): { channel: DataChannel; queue: string[] } {
    let entry = this.dataChannels.get(label);
    if (entry && entry.channel.readyState !== 'closed') return entry;
    const channel = this.pc.createDataChannel(label, { ordered: true });
    const created = { channel, queue: [] as string[] };
    channel.onopen = () => {
      for (const text of created.queue.splice(0)) channel.send(text);
    };
    this.dataChannels.set(label, created);
    entry = created;
    return entry;
  }

  private onControlMessage(data: string | ArrayBuffer): void {
    const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
    this.options
      .onControlMessage(this, text)
      .then((answer) => {
        if (answer !== null && !this.closed && this.control.readyState === 'open') this.control.send(answer);
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        this.options.logger.log(
          'warn',
          'simulator',
          `session ${this.sessionId}: dropped a control message: ${message}`,
        );
      });
  }

  private onLocalCandidate(candidate: IceCandidateInit | null): void {
    const init = candidate
      ? {
          candidate: candidate.candidate,
          sdpMid: candidate.sdpMid ?? '0',
          sdpMLineIndex: candidate.sdpMLineIndex ?? 0,
        }
      : END_OF_CANDIDATES;
    // Candidates may be gathered before the offer is on its way; the offer must go first.
    if (!this.offerQueued) this.earlyCandidates.push(init);
    else this.sendCandidate(init);
  }

  private sendCandidate(candidate: IceCandidateInit): void {
    this.enqueueSignal({ Type: 'candidate', Candidate: candidate });
  }

  /** Signals go out one after another, in order (offer, candidates, bye). */
  private enqueueSignal(fields: Record<string, unknown>): void {
    const body = { Version: '1.0', SessionID: this.sessionId, ...fields };
    this.signalChain = this.signalChain
      .then(() => this.options.signal(body))
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        this.options.logger.log(
          'warn',
          'simulator',
          `session ${this.sessionId}: ${String(fields.Type)} not sent: ${message}`,
        );
      });
  }

  private async addCandidate(candidate: IceCandidateInit): Promise<void> {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.options.logger.log(
        'debug',
        'simulator',
        `session ${this.sessionId}: candidate refused: ${message}`,
      );
    }
  }
}
