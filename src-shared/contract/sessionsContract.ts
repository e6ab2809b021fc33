import { z } from 'zod';
import { EndPointId, NodeId } from './niceIds';

/**
 * Control sessions (profile: EstablishControlSession, WebRTCSignaling, CloseControlSession).
 * Main speaks NICE to the account service and the device; the renderer owns the
 * RTCPeerConnection and exchanges SDP and candidates with the device through main.
 */
export const SessionState = z.enum([
  /** EstablishControlSession sent, waiting for the device's offer. */
  'establishing',
  /** Offer received; the renderer is answering and ICE is running. */
  'signaling',
  /** The peer connection is up. */
  'connected',
  /** StartStreaming answered `Started`. */
  'streaming',
  'closed',
  'failed',
]);
export type SessionState = z.infer<typeof SessionState>;

export const ControlSession = z.strictObject({
  sessionId: z.string(),
  deviceId: z.string(),
  nodeId: z.string(),
  state: SessionState,
  /** Why the session closed or failed. */
  reason: z.string().nullable(),
  startedAtMs: z.number(),
  endedAtMs: z.number().nullable(),
  streamId: z.string().nullable(),
  /** MediaStreamTrack ids the device announced for the stream. */
  trackIds: z.array(z.string()),
});
export type ControlSession = z.infer<typeof ControlSession>;

export const OpenSessionRequest = z.strictObject({
  deviceId: EndPointId,
  nodeId: NodeId.default('0001'),
});
export type OpenSessionRequest = z.infer<typeof OpenSessionRequest>;

export const SessionIdRequest = z.strictObject({ sessionId: z.string().min(1).max(64) });
export type SessionIdRequest = z.infer<typeof SessionIdRequest>;

export const CloseSessionRequest = z.strictObject({
  sessionId: z.string().min(1).max(64),
  reason: z.string().max(256).default('closed by operator'),
});
export type CloseSessionRequest = z.infer<typeof CloseSessionRequest>;

const IceCandidate = z.strictObject({
  candidate: z.string().max(2048),
  sdpMid: z.string().max(64).nullable(),
  sdpMLineIndex: z.number().int().min(0).max(255).nullable(),
});

/** Request of `sessions:sendSignal`: the renderer's answer, candidates and bye. */
export const SendSignalRequest = z.discriminatedUnion('type', [
  z.strictObject({
    sessionId: z.string().min(1).max(64),
    type: z.literal('answer'),
    sdp: z.string().min(1).max(65536),
  }),
  z.strictObject({
    sessionId: z.string().min(1).max(64),
    type: z.literal('candidate'),
    candidate: IceCandidate,
  }),
  z.strictObject({ sessionId: z.string().min(1).max(64), type: z.literal('bye') }),
]);
export type SendSignalRequest = z.infer<typeof SendSignalRequest>;

/**
 * Event `sessions:signaled`: the device's offer, candidates and bye, for the renderer; and
 * `control`, a CMF request main built (token and encrypted body included) for the renderer to
 * send as is on the session's control DataChannel (profile: StartStreaming/StopStreaming over
 * the control DataChannel once open); the answer comes back through `sessions:deliverData`.
 */
export const SessionSignal = z.discriminatedUnion('type', [
  z.strictObject({ sessionId: z.string(), type: z.literal('offer'), sdp: z.string() }),
  z.strictObject({ sessionId: z.string(), type: z.literal('candidate'), candidate: IceCandidate }),
  z.strictObject({ sessionId: z.string(), type: z.literal('bye') }),
  z.strictObject({ sessionId: z.string(), type: z.literal('control'), text: z.string() }),
]);
export type SessionSignal = z.infer<typeof SessionSignal>;

/** Request of `sessions:reportPeerState`: RTCPeerConnection.connectionState as the renderer sees it. */
export const ReportPeerStateRequest = z.strictObject({
  sessionId: z.string().min(1).max(64),
  peerState: z.enum(['new', 'connecting', 'connected', 'disconnected', 'failed', 'closed']),
  /** The control DataChannel `1/{deviceId}/control` opened or closed (readyState). */
  controlChannel: z.enum(['open', 'closed']).optional(),
});
export type ReportPeerStateRequest = z.infer<typeof ReportPeerStateRequest>;

/**
 * Which of a camera's streams a viewer wants: `small` for a grid tile, `large` for an enlarged
 * or fullscreen one; main turns it into a size and rate the device's GetCapabilities offers.
 */
export const StreamSize = z.enum(['small', 'large']);
export type StreamSize = z.infer<typeof StreamSize>;

export const StartStreamingRequest = z.strictObject({
  sessionId: z.string().min(1).max(64),
  portId: NodeId.default('0001'),
  /** The stream wanted; width, height and frameRate, when given, override its members. */
  size: StreamSize.optional(),
  /** Preferred size and rate; main picks the nearest the device's GetCapabilities offers. */
  width: z.number().int().min(16).max(3840).optional(),
  height: z.number().int().min(16).max(2160).optional(),
  frameRate: z.number().int().min(1).max(60).optional(),
});
export type StartStreamingRequest = z.infer<typeof StartStreamingRequest>;

export const ListSessionsRequest = z.strictObject({});
export const ListSessionsResponse = z.strictObject({ sessions: z.array(ControlSession) });
export type ListSessionsResponse = z.infer<typeof ListSessionsResponse>;

export const EmptyResponse = z.strictObject({});

/**
 * Request of `sessions:deliverData`: one message the device sent on a data DataChannel, passed
 * on verbatim; main decrypts and ingests it like SceneMarks from MQTT or HTTPS.
 */
export const DeliverDataRequest = z.strictObject({
  sessionId: z.string().min(1).max(64),
  label: z.string().min(1).max(128),
  text: z
    .string()
    .min(1)
    .max(4 * 1024 * 1024),
});
export type DeliverDataRequest = z.infer<typeof DeliverDataRequest>;
