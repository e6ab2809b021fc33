import type { ControlSession, SessionState } from '../../../../src-shared/contract/sessionsContract';
import type { FakeBridge } from '../../fakeBridge';

export const deviceId = '0a1b2c3d-0000-4000-8000-00000000cafe';
export const consoleId = '11111111-2222-4333-8444-555555555555';
export const sessionId = 'session-1';

/** A ControlSession as main would send it. */
export function controlSession(state: SessionState, overrides: Partial<ControlSession> = {}): ControlSession {
  return {
    sessionId,
    deviceId,
    nodeId: '0001',
    state,
    reason: null,
    startedAtMs: 1_700_000_000_000,
    endedAtMs: state === 'closed' || state === 'failed' ? 1_700_000_060_000 : null,
    streamId: state === 'streaming' ? 'stream-1' : null,
    trackIds: [],
    ...overrides,
  };
}

/** Answers every sessions channel the way a healthy main would. */
export function respondAsMain(bridge: FakeBridge): FakeBridge {
  // Like main, a session that streams stays `streaming` when the peer reports `connected`.
  let streaming = false;
  return bridge
    .respond('sessions:openSession', () => ({ ok: true, value: controlSession('establishing') }))
    .respond('sessions:sendSignal', () => ({ ok: true, value: {} }))
    .respond('sessions:reportPeerState', (request) => {
      const peerState = (request as { peerState: string }).peerState;
      const state: SessionState =
        peerState === 'connected'
          ? streaming
            ? 'streaming'
            : 'connected'
          : peerState === 'closed'
            ? 'closed'
            : streaming
              ? 'streaming'
              : 'signaling';
      return { ok: true, value: controlSession(state) };
    })
    .respond('sessions:startStreaming', () => {
      streaming = true;
      return { ok: true, value: controlSession('streaming') };
    })
    .respond('sessions:stopStreaming', () => {
      streaming = false;
      return { ok: true, value: controlSession('connected') };
    })
    .respond('sessions:closeSession', (request) => ({
      ok: true,
      value: controlSession('closed', {
        reason: (request as { reason?: string }).reason ?? 'closed by operator',
      }),
    }))
    .respond('sessions:deliverData', () => ({ ok: true, value: {} }))
    .respond('sessions:listSessions', () => ({ ok: true, value: { sessions: [] } }));
}

/** The requests the store made on one channel, in order. */
export function requestsOn(bridge: FakeBridge, channel: string): unknown[] {
  return bridge.calls.filter((call) => call.channel === channel).map((call) => call.request);
}
