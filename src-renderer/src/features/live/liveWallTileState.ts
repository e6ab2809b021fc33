import type { CameraSessionView } from './useCameraSessionsStore';

/**
 * What a wall tile shows, derived from facts only (issue 11 item 2), so it cannot claim more
 * than is true: `live` needs frames decoded within the last seconds, `offline` the directory's
 * word that the device is not on its broker.
 */
export type LiveWallTileState =
  | { kind: 'connecting'; detail: string }
  | { kind: 'live' }
  /** `attempt` is the retry in progress or next; `nextTryAtMs` null while it runs or waits for the camera. */
  | {
      kind: 'reconnecting';
      attempt: number;
      nextTryAtMs: number | null;
      waitingForCamera: boolean;
      reason: string;
    }
  | { kind: 'offline'; lastSeenMs: number | null }
  /** Out of view (the window is hidden, another tile fills the wall): the camera sends nothing. */
  | { kind: 'paused' }
  | { kind: 'error'; reason: string };

/** A tile's own bookkeeping that its state is derived from. */
export interface LiveWallTileFacts {
  /** The device is on its broker (directory); null when the console cannot tell. */
  online: boolean | null;
  lastSeenMs: number | null;
  view: CameraSessionView | undefined;
  /** Failures since the tile was last live. */
  failures: number;
  nextTryAtMs: number | null;
  lastReason: string | null;
  /** A failure retrying cannot mend (the account service does not know the device). */
  error: string | null;
  paused: boolean;
  nowMs: number;
}

/** How long without a newly decoded frame before a streaming tile is no longer live. */
export const STALL_MS = 5000;

/** A session streams and its frames advanced within {@link STALL_MS}. */
export function isLive(view: CameraSessionView | undefined, nowMs: number): boolean {
  return (
    !!view &&
    view.session.state === 'streaming' &&
    view.streamSize !== null &&
    view.framesAdvancedAtMs !== null &&
    nowMs - view.framesAdvancedAtMs <= STALL_MS
  );
}

const connectingDetail: Record<string, string> = {
  establishing: 'waiting for the camera to offer',
  signaling: 'connecting (ICE and DTLS)',
  connected: 'starting the stream',
  streaming: 'waiting for the first frames',
};

/** The state a tile shows now. */
export function liveWallTileState(facts: LiveWallTileFacts): LiveWallTileState {
  if (facts.error) return { kind: 'error', reason: facts.error };
  // Paused first: the last frames of a stopped stream are not live video.
  if (facts.paused && facts.view) return { kind: 'paused' };
  if (isLive(facts.view, facts.nowMs)) return { kind: 'live' };
  if (facts.failures > 0) {
    return {
      kind: 'reconnecting',
      attempt: facts.failures,
      nextTryAtMs: facts.nextTryAtMs,
      waitingForCamera: !facts.view && facts.nextTryAtMs === null && facts.online === false,
      reason: facts.lastReason ?? 'the connection was lost',
    };
  }
  if (!facts.view && facts.online === false) return { kind: 'offline', lastSeenMs: facts.lastSeenMs };
  const state = facts.view?.session.state;
  return { kind: 'connecting', detail: (state && connectingDetail[state]) ?? 'asking for a session' };
}
