import { flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installBridge } from '../../../../src-renderer/src/bridge/bridge';
import { useCameraSessionsStore } from '../../../../src-renderer/src/features/live/useCameraSessionsStore';
import { FakeBridge } from '../../fakeBridge';
import { FakePeerConnection } from './fakePeerConnection';
import { consoleId, controlSession, deviceId, requestsOn, respondAsMain, sessionId } from './sessionFixtures';

const offerSdp = 'v=0\r\no=camera-offer 1\r\n';

describe('useCameraSessionsStore', () => {
  let bridge: FakeBridge;
  let warn: ReturnType<typeof vi.spyOn>;

  beforeEach(() => {
    FakePeerConnection.created = [];
    bridge = respondAsMain(new FakeBridge());
    installBridge(bridge);
    setActivePinia(createPinia());
    warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => {
    warn.mockRestore();
    vi.useRealTimers();
  });

  async function openSession() {
    const store = useCameraSessionsStore();
    store.start({ createPeerConnection: (config) => new FakePeerConnection(config), statsIntervalMs: 1000 });
    const outcome = await store.open(deviceId, '0001');
    expect(outcome.ok).toBe(true);
    return store;
  }

  async function offer(sdp = offerSdp): Promise<FakePeerConnection> {
    bridge.emit('sessions:signaled', [{ sessionId, type: 'offer', sdp }]);
    await flushPromises();
    const pc = FakePeerConnection.created.at(-1);
    if (!pc) throw new Error('no peer connection was created');
    return pc;
  }

  it('opens a session with the device and node the operator picked', async () => {
    const store = await openSession();
    expect(requestsOn(bridge, 'sessions:openSession')).toEqual([{ deviceId, nodeId: '0001' }]);
    expect(store.viewOf(sessionId)?.session.state).toBe('establishing');
    expect(store.viewOf(sessionId)?.peerState).toBe('new');
  });

  it("answers the device's offer with the SDP its peer connection produced", async () => {
    await openSession();
    const pc = await offer();
    expect(pc.remoteDescriptions).toEqual([{ type: 'offer', sdp: offerSdp }]);
    expect(requestsOn(bridge, 'sessions:sendSignal')).toEqual([
      { sessionId, type: 'answer', sdp: 'v=0\r\no=fake-answer 1\r\n' },
    ]);
  });

  it('answers a later offer in the same session on the same peer connection (renegotiation)', async () => {
    await openSession();
    const pc = await offer();
    await offer('v=0\r\no=camera-offer 2\r\n');
    expect(FakePeerConnection.created).toHaveLength(1);
    expect(pc.remoteDescriptions.map((description) => description.sdp)).toEqual([
      offerSdp,
      'v=0\r\no=camera-offer 2\r\n',
    ]);
    expect(requestsOn(bridge, 'sessions:sendSignal')).toEqual([
      { sessionId, type: 'answer', sdp: 'v=0\r\no=fake-answer 1\r\n' },
      { sessionId, type: 'answer', sdp: 'v=0\r\no=fake-answer 2\r\n' },
    ]);
  });

  it('queues device candidates that come before the offer, then adds them in order', async () => {
    await openSession();
    const first = {
      candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host',
      sdpMid: '0',
      sdpMLineIndex: 0,
    };
    const second = {
      candidate: 'candidate:2 1 udp 2122260223 127.0.0.1 50001 typ host',
      sdpMid: '0',
      sdpMLineIndex: 0,
    };
    bridge.emit('sessions:signaled', [
      { sessionId, type: 'candidate', candidate: first },
      { sessionId, type: 'candidate', candidate: second },
    ]);
    await flushPromises();
    expect(FakePeerConnection.created).toHaveLength(0);

    const pc = await offer();
    expect(pc.addedCandidates).toEqual([first, second]);

    const end = { candidate: '', sdpMid: '0', sdpMLineIndex: 0 };
    bridge.emit('sessions:signaled', [{ sessionId, type: 'candidate', candidate: end }]);
    await flushPromises();
    expect(pc.addedCandidates).toEqual([first, second, end]);
    expect(store().viewOf(sessionId)?.signalingFailures).toBe(0);
  });

  it('sends local candidates after the answer, in order, and ends with the end-of-candidates marker', async () => {
    await openSession();
    const early = {
      candidate: 'candidate:9 1 udp 1 127.0.0.1 40000 typ host',
      sdpMid: '0',
      sdpMLineIndex: 0,
    };
    // A browser that gathers at once: the candidate comes while the answer is being set.
    FakePeerConnection.onCreated = (created) => {
      created.duringSetLocal = () => created.gather(early);
    };
    try {
      const pc = await offer();
      pc.gather({ candidate: 'candidate:10 1 tcp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 });
      pc.gather({ candidate: '', sdpMid: '0', sdpMLineIndex: 0 }); // a per-m-line end, not forwarded
      pc.gather(null);
      pc.gather(null);
      await flushPromises();
    } finally {
      FakePeerConnection.onCreated = undefined;
    }
    const sent = requestsOn(bridge, 'sessions:sendSignal') as Array<Record<string, unknown>>;
    expect(sent.map((request) => request.type)).toEqual(['answer', 'candidate', 'candidate', 'candidate']);
    expect(sent.slice(1).map((request) => request.candidate)).toEqual([
      early,
      { candidate: 'candidate:10 1 tcp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 },
      { candidate: '', sdpMid: '0', sdpMLineIndex: 0 },
    ]);
  });

  it('reports every peer state and starts streaming once, right after its answer, while ICE runs', async () => {
    const sessions = await openSession();
    const pc = await offer();
    pc.setConnectionState('connecting');
    pc.setConnectionState('connected');
    pc.setConnectionState('disconnected');
    pc.setConnectionState('connected');
    await flushPromises();

    expect(requestsOn(bridge, 'sessions:reportPeerState')).toEqual([
      { sessionId, peerState: 'connecting' },
      { sessionId, peerState: 'connected' },
      { sessionId, peerState: 'disconnected' },
      { sessionId, peerState: 'connected' },
    ]);
    expect(requestsOn(bridge, 'sessions:startStreaming')).toEqual([{ sessionId, size: 'small' }]);
    // The first offer carries the video track: StartStreaming need not wait for `connected`.
    const calls = bridge.calls.map(
      (call) => `${call.channel}:${String((call.request as { type?: string }).type ?? '')}`,
    );
    expect(calls.indexOf('sessions:startStreaming:')).toBeGreaterThan(
      calls.indexOf('sessions:sendSignal:answer'),
    );
    expect(sessions.viewOf(sessionId)?.peerState).toBe('connected');
  });

  it('asks for the stream its viewer wants: larger when enlarged, none while unseen, again when seen', async () => {
    const sessions = await openSession();
    await offer();
    await flushPromises();
    expect(sessions.viewOf(sessionId)?.streamSize).toBe('small');

    sessions.wishStream(sessionId, { size: 'large', paused: false });
    await flushPromises();
    expect(sessions.viewOf(sessionId)?.streamSize).toBe('large');
    sessions.wishStream(sessionId, { size: 'large', paused: true });
    await flushPromises();
    expect(sessions.viewOf(sessionId)?.streamSize).toBeNull();
    expect(sessions.viewOf(sessionId)?.session.state).toBe('connected');
    sessions.wishStream(sessionId, { size: 'small', paused: false });
    await flushPromises();
    expect(sessions.viewOf(sessionId)?.session.state).toBe('streaming');
    expect(requestsOn(bridge, 'sessions:startStreaming')).toEqual([
      { sessionId, size: 'small' },
      { sessionId, size: 'large' },
      { sessionId, size: 'small' },
    ]);
    expect(requestsOn(bridge, 'sessions:stopStreaming')).toEqual([{ sessionId }]);
  });

  it('starts no stream for a session opened out of view until it is seen', async () => {
    const sessions = useCameraSessionsStore();
    sessions.start({ createPeerConnection: (config) => new FakePeerConnection(config) });
    await sessions.open(deviceId, '0001', { size: 'small', paused: true });
    const pc = await offer();
    pc.setConnectionState('connected');
    await flushPromises();
    expect(requestsOn(bridge, 'sessions:startStreaming')).toEqual([]);
    expect(sessions.viewOf(sessionId)?.streamSize).toBeNull();
    sessions.wishStream(sessionId, { size: 'small', paused: false });
    await flushPromises();
    expect(sessions.viewOf(sessionId)?.streamSize).toBe('small');
  });

  it('shows why streaming did not start', async () => {
    bridge.respond('sessions:startStreaming', () => ({
      ok: false,
      error: { code: 'TIMEOUT', message: 'the camera did not answer StartStreaming within 5 s' },
    }));
    const sessions = await openSession();
    const pc = await offer();
    pc.setConnectionState('connected');
    await flushPromises();
    expect(sessions.viewOf(sessionId)?.lastError).toBe(
      'Could not start streaming: the camera did not answer StartStreaming within 5 s',
    );
  });

  it('shows the video track the device sends', async () => {
    const sessions = await openSession();
    const pc = await offer();
    const stream = new MediaStream();
    pc.addRemoteTrack(stream);
    expect(sessions.viewOf(sessionId)?.stream).toBe(stream);
    expect(pc.receiver.jitterBufferTarget).toBe(0);
  });

  it('reports the control DataChannel open and sends the commands main queues for it', async () => {
    await openSession();
    const pc = await offer();
    const control = pc.openDataChannel(`1/${deviceId}/control`);
    await flushPromises();
    expect(requestsOn(bridge, 'sessions:reportPeerState')).toContainEqual(
      expect.objectContaining({ sessionId, controlChannel: 'open' }),
    );
    bridge.emit('sessions:signaled', [{ sessionId, type: 'control', text: '{"MessageType":"request"}' }]);
    await flushPromises();
    expect(control.sent).toEqual(['{"MessageType":"request"}']);
    control.readyState = 'closed';
    control.closeFromDevice();
    await flushPromises();
    expect(requestsOn(bridge, 'sessions:reportPeerState')).toContainEqual(
      expect.objectContaining({ sessionId, controlChannel: 'closed' }),
    );
  });

  it('passes every message of a data DataChannel to main and counts what main refused', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const sessions = await openSession();
    const pc = await offer();
    const label = `1/${consoleId}/data/0001/0002`;
    const control = pc.openDataChannel(`1/${deviceId}/control`);
    const data = pc.openDataChannel(label);
    expect(data.binaryType).toBe('arraybuffer');
    expect(sessions.viewOf(sessionId)?.channels).toEqual([`1/${deviceId}/control`, label]);

    data.receive('{"SceneMarkID":"a"}');
    data.receive(new TextEncoder().encode('{"SceneMarkID":"b"}').buffer);
    control.receive('{"MessageType":"response"}');
    await flushPromises();
    expect(requestsOn(bridge, 'sessions:deliverData')).toEqual([
      { sessionId, label, text: '{"SceneMarkID":"a"}' },
      { sessionId, label, text: '{"SceneMarkID":"b"}' },
      // The device's answers on the control channel are for main's commands.
      { sessionId, label: `1/${deviceId}/control`, text: '{"MessageType":"response"}' },
    ]);

    bridge.respond('sessions:deliverData', () => ({
      ok: false,
      error: { code: 'INVALID_REQUEST', message: 'not a CMF request' },
    }));
    data.receive('garbage');
    data.receive(new Uint8Array([0xff, 0xfe]).buffer);
    await flushPromises();
    vi.advanceTimersByTime(1000);
    expect(sessions.viewOf(sessionId)?.data).toEqual({
      delivered: 2,
      failed: 2,
      dropped: 0,
      controlMessages: 1,
      otherMessages: 0,
      // The undecodable message failed at once; main's refusal came back after it.
      lastFailure: `${label}: not a CMF request`,
    });
  });

  it('closes the peer connection when the device says bye', async () => {
    const sessions = await openSession();
    const pc = await offer();
    bridge.emit('sessions:signaled', [{ sessionId, type: 'bye' }]);
    await flushPromises();
    expect(pc.closed).toBe(true);
    expect(sessions.viewOf(sessionId)?.peerState).toBe('closed');
    expect(requestsOn(bridge, 'sessions:reportPeerState')).toEqual([{ sessionId, peerState: 'closed' }]);
    // Nothing more is answered on a closed session.
    bridge.emit('sessions:signaled', [{ sessionId, type: 'offer', sdp: offerSdp }]);
    await flushPromises();
    expect(requestsOn(bridge, 'sessions:sendSignal')).toHaveLength(1);
  });

  it('closes a session on request: main ends it and the peer connection closes', async () => {
    const sessions = await openSession();
    const pc = await offer();
    const outcome = await sessions.close(sessionId);
    expect(outcome.ok).toBe(true);
    expect(requestsOn(bridge, 'sessions:closeSession')).toEqual([{ sessionId }]);
    expect(pc.closed).toBe(true);
    expect(sessions.viewOf(sessionId)?.session.state).toBe('closed');
    expect(sessions.isActive(sessionId)).toBe(false);
  });

  it('closes the peer connection when main reports the session failed, and says why', async () => {
    const sessions = await openSession();
    const pc = await offer();
    bridge.emit('sessions:changed', [
      controlSession('failed', { reason: 'the account service refused: device not bound' }),
    ]);
    expect(pc.closed).toBe(true);
    expect(sessions.viewOf(sessionId)?.lastError).toBe('the account service refused: device not bound');
    // A late, older state does not bring it back.
    bridge.emit('sessions:changed', [controlSession('signaling')]);
    expect(sessions.viewOf(sessionId)?.session.state).toBe('failed');
  });

  it('takes an offer that arrives before openSession has answered', async () => {
    const sessions = useCameraSessionsStore();
    sessions.start({ createPeerConnection: (config) => new FakePeerConnection(config) });
    bridge.respond('sessions:openSession', () => {
      bridge.emit('sessions:changed', [controlSession('signaling')]);
      bridge.emit('sessions:signaled', [{ sessionId, type: 'offer', sdp: offerSdp }]);
      return { ok: true, value: controlSession('establishing') };
    });
    await sessions.open(deviceId);
    await flushPromises();
    // Answered, then StartStreaming went out at once (the offer already carried the track).
    expect(sessions.viewOf(sessionId)?.session.state).toBe('streaming');
    expect(requestsOn(bridge, 'sessions:sendSignal')).toEqual([
      { sessionId, type: 'answer', sdp: 'v=0\r\no=fake-answer 1\r\n' },
    ]);
    expect(sessions.ignoredEvents).toBe(0);
  });

  it('ignores, counts and logs events for sessions it does not hold', async () => {
    const sessions = await openSession();
    bridge.emit('sessions:signaled', [
      { sessionId: 'someone-else', type: 'offer', sdp: offerSdp },
      { sessionId: 'someone-else', type: 'bye' },
    ]);
    bridge.emit('sessions:changed', [controlSession('connected', { sessionId: 'another' })]);
    await flushPromises();
    expect(sessions.ignoredEvents).toBe(3);
    expect(FakePeerConnection.created).toHaveLength(0);
    expect(requestsOn(bridge, 'sessions:sendSignal')).toEqual([]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('someone-else'));
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('another'));
  });

  it('samples inbound video stats every second while the session is open', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const sessions = await openSession();
    const pc = await offer();
    pc.setInboundVideo({
      timestamp: 10_000,
      framesDecoded: 30,
      framesPerSecond: 30,
      frameWidth: 640,
      frameHeight: 360,
      bytesReceived: 100_000,
      jitter: 0.004,
    });
    vi.advanceTimersByTime(1000);
    await flushPromises();
    expect(sessions.viewOf(sessionId)?.stats).toMatchObject({
      framesDecoded: 30,
      framesPerSecond: 30,
      frameWidth: 640,
      frameHeight: 360,
      kbitPerSecond: null,
      jitterMs: 4,
    });

    pc.setInboundVideo({
      timestamp: 11_000,
      framesDecoded: 59,
      frameWidth: 640,
      frameHeight: 360,
      bytesReceived: 162_500,
    });
    vi.advanceTimersByTime(1000);
    await flushPromises();
    // 62 500 bytes in 1 s = 500 kbit/s; no framesPerSecond reported, so it comes from the frame count.
    expect(sessions.viewOf(sessionId)?.stats).toMatchObject({
      framesDecoded: 59,
      kbitPerSecond: 500,
      framesPerSecond: 29,
    });
    // Frames advanced in this sample; a sample with no new frame leaves the time as it was.
    const advancedAt = sessions.viewOf(sessionId)?.framesAdvancedAtMs ?? 0;
    expect(advancedAt).toBeGreaterThan(0);
    pc.setInboundVideo({ timestamp: 12_000, framesDecoded: 59, bytesReceived: 162_500 });
    vi.advanceTimersByTime(1000);
    await flushPromises();
    expect(sessions.viewOf(sessionId)?.framesAdvancedAtMs).toBe(advancedAt);

    await sessions.close(sessionId);
    expect(vi.getTimerCount()).toBe(0);
    // The figures of a closed session are gone, not frozen at the last sample.
    expect(sessions.viewOf(sessionId)?.stats).toBeNull();
  });

  it('releases its subscriptions and timer and closes open sessions when stopped', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const sessions = await openSession();
    const pc = await offer();
    expect(bridge.listenerCount('sessions:signaled')).toBe(1);
    expect(bridge.listenerCount('sessions:changed')).toBe(1);
    expect(vi.getTimerCount()).toBe(1);

    sessions.$dispose();
    await flushPromises();
    expect(bridge.listenerCount('sessions:signaled')).toBe(0);
    expect(bridge.listenerCount('sessions:changed')).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(pc.closed).toBe(true);
    expect(requestsOn(bridge, 'sessions:closeSession')).toEqual([
      { sessionId, reason: 'the live page was closed' },
    ]);
  });

  it('drops sessions main no longer knows after the console services come back', async () => {
    const sessions = await openSession();
    const pc = await offer();
    bridge.setState('reconnecting');
    bridge.setState('connected');
    await flushPromises();
    expect(pc.closed).toBe(true);
    expect(sessions.viewOf(sessionId)?.session.state).toBe('failed');
    expect(sessions.viewOf(sessionId)?.lastError).toContain('no longer know');
  });
});

function store() {
  return useCameraSessionsStore();
}
