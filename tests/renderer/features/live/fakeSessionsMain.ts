import { flushPromises } from '@vue/test-utils';
import type { ControlSession, SessionState } from '../../../../src-shared/contract/sessionsContract';
import type { Result } from '../../../../src-shared/contract/result';
import type { FakeBridge } from '../../fakeBridge';
import { FakePeerConnection } from './fakePeerConnection';

/**
 * Main's side of the sessions channels for many sessions at once, as a wall needs: every
 * openSession makes a new session (`session-1`, `session-2`, …) for its device, streams start
 * and stop per session, and `camera(deviceId)` plays that device's part (offer, connected,
 * frames) through the fake peer connection the store made for the session.
 */
export class FakeSessionsMain {
  readonly sessions = new Map<string, ControlSession>();
  /** What each session's camera streams now: a size, or null. */
  readonly streaming = new Map<string, string | null>();
  /** Answers openSession with this error while set. */
  openError: { code: 'UNAVAILABLE' | 'NOT_FOUND'; message: string } | undefined;
  private next = 1;
  private readonly frames = new Map<string, number>();
  private readonly peers = new Map<string, FakePeerConnection>();

  constructor(private readonly bridge: FakeBridge) {
    bridge
      .respond('sessions:openSession', (request) => {
        if (this.openError) return { ok: false, error: this.openError };
        const { deviceId, nodeId } = request as { deviceId: string; nodeId: string };
        const session: ControlSession = {
          sessionId: `session-${this.next++}`,
          deviceId,
          nodeId,
          state: 'establishing',
          reason: null,
          startedAtMs: Date.now(),
          endedAtMs: null,
          streamId: null,
          trackIds: [],
        };
        this.sessions.set(session.sessionId, session);
        return { ok: true, value: session };
      })
      .respond('sessions:sendSignal', () => ({ ok: true, value: {} }))
      .respond('sessions:reportPeerState', (request) => {
        const { sessionId, peerState } = request as { sessionId: string; peerState: string };
        const session = this.require(sessionId);
        if (peerState === 'connected' && session.state !== 'streaming')
          return this.set(sessionId, 'connected');
        return { ok: true, value: session };
      })
      .respond('sessions:startStreaming', (request) => {
        const { sessionId, size } = request as { sessionId: string; size: string };
        this.streaming.set(sessionId, size);
        return this.set(sessionId, 'streaming', { streamId: `stream-${sessionId}` });
      })
      .respond('sessions:stopStreaming', (request) => {
        const { sessionId } = request as { sessionId: string };
        this.streaming.set(sessionId, null);
        return this.set(sessionId, 'connected', { streamId: null });
      })
      .respond('sessions:closeSession', (request) => {
        const { sessionId, reason } = request as { sessionId: string; reason?: string };
        this.streaming.set(sessionId, null);
        return this.set(sessionId, 'closed', {
          reason: reason ?? 'closed by operator',
          endedAtMs: Date.now(),
        });
      })
      .respond('sessions:deliverData', () => ({ ok: true, value: {} }))
      .respond('sessions:listSessions', () => ({
        ok: true,
        value: { sessions: [...this.sessions.values()] },
      }));
  }

  /** The sessions of a device, oldest first. */
  sessionsOf(deviceId: string): ControlSession[] {
    return [...this.sessions.values()].filter((session) => session.deviceId === deviceId);
  }

  /** The device's newest session that is not over. */
  openSessionOf(deviceId: string): ControlSession | undefined {
    return this.sessionsOf(deviceId)
      .filter((session) => session.state !== 'closed' && session.state !== 'failed')
      .at(-1);
  }

  /** Sessions that are not over. */
  openCount(): number {
    return [...this.sessions.values()].filter((s) => s.state !== 'closed' && s.state !== 'failed').length;
  }

  /** The device offers on its newest session; returns the peer connection the store answered with. */
  async offer(deviceId: string): Promise<FakePeerConnection> {
    const session = this.requireOpen(deviceId);
    this.set(session.sessionId, 'signaling');
    this.bridge.emit('sessions:signaled', [{ sessionId: session.sessionId, type: 'offer', sdp: 'v=0\r\n' }]);
    await flushPromises();
    const pc = FakePeerConnection.created.at(-1);
    if (!pc) throw new Error(`no peer connection answered ${session.sessionId}`);
    this.peers.set(session.sessionId, pc);
    return pc;
  }

  /**
   * The device's newest session plays live video: offered (if not yet), connected with a track,
   * and `frames` more frames decoded by the next stats sample.
   */
  async decode(deviceId: string, frames = 15): Promise<void> {
    const session = this.requireOpen(deviceId);
    const pc = this.peers.get(session.sessionId) ?? (await this.offer(deviceId));
    if (pc.connectionState !== 'connected') {
      pc.setConnectionState('connected');
      pc.addRemoteTrack(new MediaStream());
    }
    const total = (this.frames.get(session.sessionId) ?? 0) + frames;
    this.frames.set(session.sessionId, total);
    pc.setInboundVideo({ timestamp: Date.now(), framesDecoded: total, frameWidth: 320, frameHeight: 180 });
    await flushPromises();
  }

  /** The peer connection of the device's newest session. */
  peerOf(deviceId: string): FakePeerConnection | undefined {
    return this.peers.get(this.requireOpen(deviceId).sessionId);
  }

  /** Main tells the page that a session ended (the device vanished, the offer timed out). */
  end(sessionId: string, state: 'failed' | 'closed', reason: string): void {
    const result = this.set(sessionId, state, { reason, endedAtMs: Date.now() });
    if (result.ok) this.bridge.emit('sessions:changed', [result.value]);
  }

  private requireOpen(deviceId: string): ControlSession {
    const session = this.openSessionOf(deviceId);
    if (!session) throw new Error(`no open session of ${deviceId}`);
    return session;
  }

  private require(sessionId: string): ControlSession {
    const session = this.sessions.get(sessionId);
    if (!session) throw new Error(`no session ${sessionId}`);
    return session;
  }

  private set(
    sessionId: string,
    state: SessionState,
    patch: Partial<ControlSession> = {},
  ): Result<ControlSession> {
    const session = { ...this.require(sessionId), state, ...patch };
    this.sessions.set(sessionId, session);
    return { ok: true, value: session };
  }
}
