/**
 * The part of `RTCPeerConnection` a camera session uses. The browser's class satisfies it;
 * tests pass a fake through {@link PeerConnectionFactory}, since happy-dom has no WebRTC.
 */
export interface CameraPeerConnection {
  readonly connectionState: RTCPeerConnectionState;
  readonly remoteDescription: RTCSessionDescriptionInit | null;
  readonly localDescription: RTCSessionDescriptionInit | null;
  onicecandidate: ((event: RTCPeerConnectionIceEvent) => void) | null;
  onconnectionstatechange: ((event: Event) => void) | null;
  ontrack: ((event: RTCTrackEvent) => void) | null;
  ondatachannel: ((event: RTCDataChannelEvent) => void) | null;
  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void>;
  createAnswer(): Promise<RTCSessionDescriptionInit>;
  setLocalDescription(description?: RTCSessionDescriptionInit): Promise<void>;
  addIceCandidate(candidate: RTCIceCandidateInit): Promise<void>;
  getStats(): Promise<ReadonlyMap<string, unknown>>;
  close(): void;
}

/** Builds the peer connection of one camera session. */
export type PeerConnectionFactory = (config: RTCConfiguration) => CameraPeerConnection;

/** The browser's own RTCPeerConnection. */
export const browserPeerConnectionFactory: PeerConnectionFactory = (config) => new RTCPeerConnection(config);

/** One sample of a session's inbound video, as the stats line shows it. */
export interface CameraSessionStats {
  /** When the sample was taken (ms since the epoch). */
  atMs: number;
  framesDecoded: number;
  framesPerSecond: number | null;
  frameWidth: number | null;
  frameHeight: number | null;
  bytesReceived: number;
  /** Receive rate since the previous sample, in kbit/s. */
  kbitPerSecond: number | null;
  jitterMs: number | null;
  packetsLost: number | null;
  /** Packets lost since the previous sample, as a share of those expected (0..1). */
  lossRatio: number | null;
  /** The decoder the browser uses (`decoderImplementation`, e.g. libvpx). */
  decoder: string | null;
}

/** The inbound-rtp video figures of the previous sample, for rates. */
export interface InboundVideoSample {
  timestamp: number;
  bytesReceived: number;
  framesDecoded: number;
  packetsReceived: number;
  packetsLost: number;
}

const numberOrNull = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/**
 * Reads the inbound video figures out of a `getStats()` report (W3C webrtc-stats
 * `RTCInboundRtpStreamStats`). Rates are computed against `previous`; the frame rate falls back
 * to the decoded-frame delta where the browser does not report `framesPerSecond`.
 */
export function readInboundVideo(
  report: ReadonlyMap<string, unknown>,
  previous: InboundVideoSample | null,
  nowMs: number,
): { stats: CameraSessionStats; sample: InboundVideoSample } | null {
  let inbound: Record<string, unknown> | undefined;
  for (const value of report.values()) {
    const entry = value as Record<string, unknown>;
    if (entry.type === 'inbound-rtp' && (entry.kind ?? entry.mediaType) === 'video') {
      inbound = entry;
      break;
    }
  }
  if (!inbound) return null;
  const timestamp = numberOrNull(inbound.timestamp) ?? nowMs;
  const bytesReceived = numberOrNull(inbound.bytesReceived) ?? 0;
  const framesDecoded = numberOrNull(inbound.framesDecoded) ?? 0;
  const elapsedMs = previous ? timestamp - previous.timestamp : 0;
  const kbitPerSecond =
    previous && elapsedMs > 0 ? ((bytesReceived - previous.bytesReceived) * 8) / elapsedMs : null;
  const derivedFps =
    previous && elapsedMs > 0 ? ((framesDecoded - previous.framesDecoded) * 1000) / elapsedMs : null;
  const jitter = numberOrNull(inbound.jitter);
  const packetsReceived = numberOrNull(inbound.packetsReceived) ?? 0;
  const packetsLost = numberOrNull(inbound.packetsLost);
  const expected = previous
    ? packetsReceived - previous.packetsReceived + ((packetsLost ?? 0) - previous.packetsLost)
    : 0;
  const lossRatio =
    previous && expected > 0 ? Math.max(0, ((packetsLost ?? 0) - previous.packetsLost) / expected) : null;
  return {
    stats: {
      atMs: nowMs,
      framesDecoded,
      framesPerSecond: numberOrNull(inbound.framesPerSecond) ?? derivedFps,
      frameWidth: numberOrNull(inbound.frameWidth),
      frameHeight: numberOrNull(inbound.frameHeight),
      bytesReceived,
      kbitPerSecond: kbitPerSecond === null ? null : Math.max(0, kbitPerSecond),
      jitterMs: jitter === null ? null : jitter * 1000,
      packetsLost,
      lossRatio,
      decoder: typeof inbound.decoderImplementation === 'string' ? inbound.decoderImplementation : null,
    },
    sample: { timestamp, bytesReceived, framesDecoded, packetsReceived, packetsLost: packetsLost ?? 0 },
  };
}

/** The EndPointID/NodeID/PortID path of a data DataChannel (profile: labels). */
const dataLabel = /^1(?:\.0)?\/[0-9a-fA-F-]{36}\/data\/[0-9a-fA-F]{4}\/[0-9a-fA-F]{4}$/;

/** What a DataChannel label names: the device's control channel, a data channel, or neither. */
export function classifyChannelLabel(label: string, deviceId: string): 'control' | 'data' | 'other' {
  const lower = label.toLowerCase();
  const device = deviceId.toLowerCase();
  if (lower === `1/${device}/control` || lower === `1.0/${device}/control`) return 'control';
  if (dataLabel.test(label)) return 'data';
  return 'other';
}
