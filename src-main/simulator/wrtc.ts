import wrtcModule from '@roamhq/wrtc';

/*
 * The slice of @roamhq/wrtc the simulator and its tests use, typed here because the package's
 * own typings lean on DOM globals that the Node tsconfig does not load (they resolve to `any`).
 */

export interface IceCandidateInit {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
}

export interface SessionDescriptionInit {
  type: 'offer' | 'answer' | 'pranswer' | 'rollback';
  sdp: string;
}

export type DataChannelState = 'connecting' | 'open' | 'closing' | 'closed';

export interface DataChannel {
  readonly label: string;
  readonly readyState: DataChannelState;
  readonly bufferedAmount: number;
  readonly ordered: boolean;
  send(data: string): void;
  close(): void;
  onopen: (() => void) | null;
  onclose: (() => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: string | ArrayBuffer }) => void) | null;
}

export interface MediaStreamTrack {
  readonly id: string;
  readonly kind: string;
  enabled: boolean;
  stop(): void;
}

export interface MediaStream {
  readonly id: string;
  getTracks(): MediaStreamTrack[];
}

export type PeerConnectionState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

export interface IceServerInit {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface PeerConnectionConfig {
  iceServers?: IceServerInit[];
  bundlePolicy?: 'balanced' | 'max-bundle' | 'max-compat';
}

export interface PeerConnection {
  readonly connectionState: PeerConnectionState;
  readonly iceConnectionState: string;
  readonly signalingState: string;
  readonly localDescription: SessionDescriptionInit | null;
  readonly remoteDescription: SessionDescriptionInit | null;
  createOffer(): Promise<SessionDescriptionInit>;
  createAnswer(): Promise<SessionDescriptionInit>;
  setLocalDescription(description: SessionDescriptionInit): Promise<void>;
  setRemoteDescription(description: SessionDescriptionInit): Promise<void>;
  addIceCandidate(candidate: IceCandidateInit): Promise<void>;
  createDataChannel(label: string, init?: { ordered?: boolean }): DataChannel;
  addTrack(track: MediaStreamTrack, ...streams: MediaStream[]): unknown;
  close(): void;
  onicecandidate: ((event: { candidate: IceCandidateInit | null }) => void) | null;
  onconnectionstatechange: (() => void) | null;
  ondatachannel: ((event: { channel: DataChannel }) => void) | null;
  ontrack: ((event: { track: MediaStreamTrack; streams: MediaStream[] }) => void) | null;
}

/** An I420 frame: Y plane, then U and V at half resolution. */
export interface I420Frame {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface VideoSource {
  createTrack(): MediaStreamTrack;
  onFrame(frame: I420Frame): void;
}

export interface VideoSink {
  stop(): void;
  onframe: ((event: { frame: I420Frame }) => void) | null;
}

interface WrtcApi {
  RTCPeerConnection: new (config?: PeerConnectionConfig) => PeerConnection;
  MediaStream: new (tracks?: MediaStreamTrack[]) => MediaStream;
  nonstandard: {
    RTCVideoSource: new () => VideoSource;
    RTCVideoSink: new (track: MediaStreamTrack) => VideoSink;
  };
}

/** The native WebRTC implementation (libwebrtc through @roamhq/wrtc). */
export const wrtc = wrtcModule as unknown as WrtcApi;
