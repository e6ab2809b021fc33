import type { CameraPeerConnection } from '../../../../src-renderer/src/features/live/cameraPeerConnection';

/** A DataChannel the fake device opens; `receive` plays a message from the device. */
export class FakeDataChannel {
  binaryType: BinaryType = 'blob';
  readyState: RTCDataChannelState = 'open';
  onmessage: ((event: MessageEvent) => void) | null = null;
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  /** What the store sent on the channel. */
  readonly sent: string[] = [];

  constructor(readonly label: string) {}

  send(text: string): void {
    this.sent.push(text);
  }

  receive(data: unknown): void {
    this.onmessage?.({ data } as MessageEvent);
  }

  closeFromDevice(): void {
    this.onclose?.();
  }
}

/**
 * An RTCPeerConnection stand-in for happy-dom: records what the store does to it (remote
 * descriptions, candidates, close) and lets the test play the browser's side (local
 * candidates, connection states, tracks, DataChannels, stats).
 */
export class FakePeerConnection implements CameraPeerConnection {
  static created: FakePeerConnection[] = [];
  /** Called with every new instance, so a test can set it up before the store uses it. */
  static onCreated: ((pc: FakePeerConnection) => void) | undefined;

  connectionState: RTCPeerConnectionState = 'new';
  remoteDescription: RTCSessionDescriptionInit | null = null;
  localDescription: RTCSessionDescriptionInit | null = null;
  onicecandidate: ((event: RTCPeerConnectionIceEvent) => void) | null = null;
  onconnectionstatechange: ((event: Event) => void) | null = null;
  ontrack: ((event: RTCTrackEvent) => void) | null = null;
  ondatachannel: ((event: RTCDataChannelEvent) => void) | null = null;

  /** The receiver of the fake track: the store lowers its jitter buffer target for live video. */
  readonly receiver: { jitterBufferTarget: number | null } = { jitterBufferTarget: null };
  readonly remoteDescriptions: RTCSessionDescriptionInit[] = [];
  readonly addedCandidates: RTCIceCandidateInit[] = [];
  answersCreated = 0;
  closed = false;
  statsReport = new Map<string, unknown>();
  /** Runs inside setLocalDescription, as a browser that gathers very fast might. */
  duringSetLocal: (() => void) | undefined;

  constructor(readonly config: RTCConfiguration) {
    FakePeerConnection.created.push(this);
    FakePeerConnection.onCreated?.(this);
  }

  async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    await Promise.resolve();
    if (this.closed) throw new Error('InvalidStateError: closed');
    this.remoteDescription = description;
    this.remoteDescriptions.push(description);
  }

  async createAnswer(): Promise<RTCSessionDescriptionInit> {
    if (!this.remoteDescription) throw new Error('InvalidStateError: no remote offer');
    this.answersCreated += 1;
    return { type: 'answer', sdp: `v=0\r\no=fake-answer ${this.answersCreated}\r\n` };
  }

  async setLocalDescription(description?: RTCSessionDescriptionInit): Promise<void> {
    this.localDescription = description ?? null;
    this.duringSetLocal?.();
  }

  async addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (!this.remoteDescription) throw new Error('InvalidStateError: no remote description');
    this.addedCandidates.push(candidate);
  }

  async getStats(): Promise<ReadonlyMap<string, unknown>> {
    return this.statsReport;
  }

  close(): void {
    this.closed = true;
    this.connectionState = 'closed';
  }

  // ---- the browser's side ----

  gather(candidate: RTCIceCandidateInit | null): void {
    this.onicecandidate?.({ candidate } as unknown as RTCPeerConnectionIceEvent);
  }

  setConnectionState(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.onconnectionstatechange?.(new Event('connectionstatechange'));
  }

  addRemoteTrack(stream: MediaStream): void {
    this.ontrack?.({ streams: [stream], track: {}, receiver: this.receiver } as unknown as RTCTrackEvent);
  }

  openDataChannel(label: string): FakeDataChannel {
    const channel = new FakeDataChannel(label);
    this.ondatachannel?.({ channel } as unknown as RTCDataChannelEvent);
    return channel;
  }

  setInboundVideo(stats: Record<string, number>): void {
    this.statsReport = new Map<string, unknown>([
      ['T01', { id: 'T01', type: 'transport', timestamp: stats.timestamp ?? 0 }],
      ['IT01V', { id: 'IT01V', type: 'inbound-rtp', kind: 'video', ...stats }],
    ]);
  }
}
