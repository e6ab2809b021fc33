import { defineStore } from 'pinia';
import { computed, markRaw, onScopeDispose, ref, type Raw } from 'vue';
import type { EventPayload } from '../../../../src-shared/contract/contractMap';
import type {
  ControlSession,
  ReportPeerStateRequest,
  SendSignalRequest,
  SessionState,
  StreamSize,
} from '../../../../src-shared/contract/sessionsContract';
import type { ContractError, Result } from '../../../../src-shared/contract/result';
import { useBridge } from '../../bridge/bridge';
import {
  CameraDataForwarder,
  emptyDataCounters,
  type CameraSessionDataCounters,
} from './cameraDataForwarder';
import {
  browserPeerConnectionFactory,
  classifyChannelLabel,
  readInboundVideo,
  type CameraPeerConnection,
  type CameraSessionStats,
  type InboundVideoSample,
  type PeerConnectionFactory,
} from './cameraPeerConnection';

/** What a session action reports back to the view: done, or the error main gave. */
export type SessionOutcome<T = ControlSession> = { ok: true; value: T } | { ok: false; error: ContractError };

type SessionSignal = EventPayload<'sessions:signaled'>;
type IceCandidate = Extract<SessionSignal, { type: 'candidate' }>['candidate'];
type PeerState = ReportPeerStateRequest['peerState'];

/** Everything the view shows about one camera session. */
export interface CameraSessionView {
  sessionId: string;
  deviceId: string;
  nodeId: string;
  /** The session as main last described it. */
  session: ControlSession;
  /** RTCPeerConnection.connectionState as this page sees it. */
  peerState: PeerState;
  /** The camera's video, once the first track arrived. */
  stream: Raw<MediaStream> | null;
  stats: CameraSessionStats | null;
  /** What went wrong last, in words for the operator. */
  lastError: string | null;
  data: CameraSessionDataCounters;
  /** Labels of the DataChannels the device opened. */
  channels: string[];
  /** Candidates main did not relay or the peer connection refused. */
  signalingFailures: number;
  /** The stream the camera was last asked for and started; null while it sends none. */
  streamSize: StreamSize | null;
  /** When a stats sample last saw more frames decoded than the one before (ms since the epoch). */
  framesAdvancedAtMs: number | null;
}

/** What a viewer wants of a session's stream: which size, or none while nobody sees it. */
export interface StreamWish {
  size: StreamSize;
  paused: boolean;
}

/** Options of {@link useCameraSessionsStore}'s `start`; tests pass a fake peer connection. */
export interface CameraSessionsOptions {
  createPeerConnection?: PeerConnectionFactory;
  rtcConfiguration?: RTCConfiguration;
  statsIntervalMs?: number;
}

/** Per-session state that is not for display: the peer connection and its queues. */
interface SessionRuntime {
  sessionId: string;
  deviceId: string;
  pc: CameraPeerConnection | null;
  closed: boolean;
  /** Device signals, applied one after the other. */
  inbound: Promise<void>;
  /** Our signals, sent one after the other so main relays them in order. */
  outbound: Promise<void>;
  /** Peer-state reports and StartStreaming, in order (connected before StartStreaming). */
  control: Promise<void>;
  /** Device candidates that came before its offer. */
  remoteCandidates: IceCandidate[];
  /** True from setLocalDescription until the answer is queued: our candidates wait. */
  holdLocal: boolean;
  heldLocal: IceCandidate[];
  endOfCandidatesSent: boolean;
  /** The offer is answered: StartStreaming may go (the first offer carries the track). */
  ready: boolean;
  wish: StreamWish;
  /** The size of the stream the camera sends now; null when it sends none. */
  streamingSize: StreamSize | null;
  statsBusy: boolean;
  previousSample: InboundVideoSample | null;
  data: CameraDataForwarder;
  /** The control DataChannel `1/{deviceId}/control`, once the device opened it. */
  controlChannel: RTCDataChannel | null;
}

const terminalStates: readonly SessionState[] = ['closed', 'failed'];
const isTerminal = (state: SessionState): boolean => terminalStates.includes(state);

/** Profile "Control sessions and WebRTC": the end-of-candidates marker. */
const endOfCandidates: IceCandidate = { candidate: '', sdpMid: '0', sdpMLineIndex: 0 };
/** Events for sessions not known yet, kept while an `openSession` is waiting for its reply. */
const maxEarlyEvents = 256;
const reasonMaxChars = 256;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Camera sessions: one RTCPeerConnection per control session, keyed by SessionID. Main speaks
 * NICE (EstablishControlSession, WebRTCSignaling, StartStreaming) and relays the device's
 * signals; this store answers the device's offer (the device is PEER1, v0.9 §9.3), trickles
 * candidates both ways, reports the peer state, starts streaming once connected, forwards
 * DataChannel messages to main and samples inbound video stats every second.
 *
 * `start()` subscribes (idempotent); `stop()` — also run by `$dispose()` — closes every open
 * session and releases all subscriptions and timers.
 */
export const useCameraSessionsStore = defineStore('cameraSessions', () => {
  const bridge = useBridge();
  const views = ref<Record<string, CameraSessionView>>({});
  /** Events for sessions this page does not hold (another window's, or already forgotten). */
  const ignoredEvents = ref(0);
  const runtimes = new Map<string, SessionRuntime>();
  const releases: Array<() => void> = [];
  const warnedSessions = new Set<string>();
  let early: Array<{ kind: 'signal'; item: SessionSignal } | { kind: 'changed'; item: ControlSession }> = [];
  let opening = 0;
  let started = false;
  let createPeerConnection: PeerConnectionFactory = browserPeerConnectionFactory;
  let rtcConfiguration: RTCConfiguration = { iceServers: [] };
  let statsIntervalMs = 1000;
  let statsTimer: ReturnType<typeof setInterval> | undefined;

  const list = computed(() => Object.values(views.value));

  /** The session's view, or undefined once forgotten. */
  function viewOf(sessionId: string): CameraSessionView | undefined {
    return views.value[sessionId];
  }

  function isActive(sessionId: string): boolean {
    const runtime = runtimes.get(sessionId);
    const view = views.value[sessionId];
    return !!runtime && !runtime.closed && !!view && !isTerminal(view.session.state);
  }

  function setError(runtime: SessionRuntime, message: string): void {
    const view = views.value[runtime.sessionId];
    if (view) view.lastError = message;
  }

  function ignore(sessionId: string, what: string): void {
    ignoredEvents.value += 1;
    if (warnedSessions.has(sessionId) || warnedSessions.size >= 100) return;
    warnedSessions.add(sessionId);
    console.warn(`camera sessions: ignored ${what} for session ${sessionId}, which this page does not hold`);
  }

  // ---- events from main ----

  function handleSignal(signal: SessionSignal): void {
    const runtime = runtimes.get(signal.sessionId);
    if (!runtime) {
      if (opening > 0 && early.length < maxEarlyEvents) early.push({ kind: 'signal', item: signal });
      else ignore(signal.sessionId, `a ${signal.type} signal`);
      return;
    }
    if (runtime.closed) return; // a bye or late candidate after we closed: nothing left to do
    runtime.inbound = runtime.inbound
      .then(() => applySignal(runtime, signal))
      .catch((error: unknown) => {
        console.warn(`camera session ${runtime.sessionId}: ${signal.type} not applied: ${messageOf(error)}`);
      });
  }

  function handleChanged(session: ControlSession): void {
    const runtime = runtimes.get(session.sessionId);
    if (!runtime) {
      if (opening > 0 && early.length < maxEarlyEvents) early.push({ kind: 'changed', item: session });
      else ignore(session.sessionId, `a state change (${session.state})`);
      return;
    }
    applySession(runtime, session);
  }

  function applySession(runtime: SessionRuntime, session: ControlSession): void {
    const view = views.value[runtime.sessionId];
    if (!view) return;
    // A late non-final state must not bring a finished session back to life.
    if (isTerminal(view.session.state) && !isTerminal(session.state)) return;
    view.session = session;
    if (isTerminal(session.state)) {
      if (session.state === 'failed') view.lastError = session.reason ?? 'the session failed';
      closePeer(runtime);
    }
  }

  /** Replays what arrived before `openSession` answered, once no open is pending any more. */
  function drainEarly(sessionId: string): void {
    const mine = early.filter((entry) => entry.item.sessionId === sessionId);
    early = early.filter((entry) => entry.item.sessionId !== sessionId);
    for (const entry of mine) {
      if (entry.kind === 'signal') handleSignal(entry.item);
      else handleChanged(entry.item);
    }
    if (opening === 0) {
      const rest = early;
      early = [];
      for (const entry of rest) {
        if (entry.kind === 'signal') handleSignal(entry.item);
        else handleChanged(entry.item);
      }
    }
  }

  // ---- the peer connection ----

  function ensurePeer(runtime: SessionRuntime): CameraPeerConnection {
    if (runtime.pc) return runtime.pc;
    const pc = createPeerConnection(rtcConfiguration);
    runtime.pc = pc;
    pc.onicecandidate = (event) => {
      if (runtime.closed) return;
      const found = event.candidate;
      if (found) {
        // Some browsers mark each m-line's end with an empty candidate; the null event below
        // ends gathering for good and sends the profile's single end-of-candidates marker.
        if (!found.candidate) return;
        queueLocalCandidate(runtime, {
          candidate: found.candidate,
          sdpMid: found.sdpMid ?? null,
          sdpMLineIndex: found.sdpMLineIndex ?? null,
        });
      } else if (!runtime.endOfCandidatesSent) {
        runtime.endOfCandidatesSent = true;
        queueLocalCandidate(runtime, endOfCandidates);
      }
    };
    pc.onconnectionstatechange = () => {
      if (!runtime.closed) onPeerState(runtime, pc.connectionState);
    };
    pc.ontrack = (event) => {
      const view = views.value[runtime.sessionId];
      if (runtime.closed || !view) return;
      // Live monitoring wants the lowest latency: play frames as soon as they decode.
      event.receiver.jitterBufferTarget = 0;
      const stream = event.streams[0];
      if (stream) {
        view.stream = markRaw(stream);
      } else if (view.stream) {
        view.stream.addTrack(event.track);
      } else {
        view.stream = markRaw(new MediaStream([event.track]));
      }
    };
    pc.ondatachannel = (event) => {
      if (!runtime.closed) attachChannel(runtime, event.channel);
    };
    ensureStatsTimer();
    return pc;
  }

  async function applySignal(runtime: SessionRuntime, signal: SessionSignal): Promise<void> {
    if (runtime.closed) return;
    if (signal.type === 'offer') {
      try {
        await answerOffer(runtime, signal.sdp);
      } catch (error) {
        runtime.holdLocal = false;
        if (runtime.closed) return;
        const reason = `could not answer the camera's offer: ${messageOf(error)}`;
        setError(runtime, `Could not answer the camera's offer: ${messageOf(error)}`);
        await close(runtime.sessionId, reason.slice(0, reasonMaxChars));
      }
    } else if (signal.type === 'control') {
      // A command main built for the control DataChannel; its answer returns via deliverData.
      if (runtime.controlChannel?.readyState === 'open') runtime.controlChannel.send(signal.text);
    } else if (signal.type === 'candidate') {
      const pc = runtime.pc;
      // Candidates that arrive before the offer wait for the remote description.
      if (!pc?.remoteDescription) runtime.remoteCandidates.push(signal.candidate);
      else await addRemoteCandidate(runtime, pc, signal.candidate);
    } else {
      closePeer(runtime);
      void reportPeerState(runtime, 'closed');
    }
  }

  async function answerOffer(runtime: SessionRuntime, sdp: string): Promise<void> {
    const pc = ensurePeer(runtime);
    await pc.setRemoteDescription({ type: 'offer', sdp });
    for (const candidate of runtime.remoteCandidates.splice(0))
      await addRemoteCandidate(runtime, pc, candidate);
    const answer = await pc.createAnswer();
    runtime.holdLocal = true;
    // An ICE restart gathers again and ends with another null candidate.
    runtime.endOfCandidatesSent = false;
    await pc.setLocalDescription(answer);
    if (runtime.closed) return;
    const answerSdp = pc.localDescription?.sdp || answer.sdp;
    if (!answerSdp) throw new Error('the peer connection produced an answer without SDP');
    sendSignal(runtime, { sessionId: runtime.sessionId, type: 'answer', sdp: answerSdp }, true);
    runtime.holdLocal = false;
    for (const candidate of runtime.heldLocal.splice(0)) queueLocalCandidate(runtime, candidate);
    // The first offer already carries the video track, so the camera can start its frames
    // while ICE and DTLS finish: StartStreaming runs in parallel instead of after `connected`.
    if (!runtime.ready) {
      runtime.ready = true;
      syncStreaming(runtime);
    }
  }

  async function addRemoteCandidate(
    runtime: SessionRuntime,
    pc: CameraPeerConnection,
    candidate: IceCandidate,
  ): Promise<void> {
    try {
      await pc.addIceCandidate(candidate);
    } catch (error) {
      countSignalingFailure(runtime, `the camera's ICE candidate was refused: ${messageOf(error)}`);
    }
  }

  function countSignalingFailure(runtime: SessionRuntime, message: string): void {
    const view = views.value[runtime.sessionId];
    if (view) view.signalingFailures += 1;
    console.warn(`camera session ${runtime.sessionId}: ${message}`);
  }

  function queueLocalCandidate(runtime: SessionRuntime, candidate: IceCandidate): void {
    if (runtime.holdLocal) runtime.heldLocal.push(candidate);
    else sendSignal(runtime, { sessionId: runtime.sessionId, type: 'candidate', candidate }, false);
  }

  function sendSignal(runtime: SessionRuntime, request: SendSignalRequest, isAnswer: boolean): void {
    runtime.outbound = runtime.outbound
      .then(async () => {
        if (runtime.closed) return;
        const result = await bridge.invoke('sessions:sendSignal', request);
        if (result.ok) return;
        if (isAnswer) setError(runtime, `Could not send the answer to the camera: ${result.error.message}`);
        else countSignalingFailure(runtime, `main did not relay a candidate: ${result.error.message}`);
      })
      .catch((error: unknown) => countSignalingFailure(runtime, `signal not sent: ${messageOf(error)}`));
  }

  function runControl(runtime: SessionRuntime, work: () => Promise<void>): Promise<void> {
    runtime.control = runtime.control.then(work).catch((error: unknown) => {
      console.warn(`camera session ${runtime.sessionId}: ${messageOf(error)}`);
    });
    return runtime.control;
  }

  function reportPeerState(
    runtime: SessionRuntime,
    peerState: PeerState,
    controlChannel?: 'open' | 'closed',
  ): Promise<void> {
    return runControl(runtime, async () => {
      const result = await bridge.invoke('sessions:reportPeerState', {
        sessionId: runtime.sessionId,
        peerState,
        ...(controlChannel ? { controlChannel } : {}),
      });
      if (result.ok) applySession(runtime, result.value);
      else console.warn(`camera session ${runtime.sessionId}: peer state not taken: ${result.error.message}`);
    });
  }

  function onPeerState(runtime: SessionRuntime, peerState: PeerState): void {
    const view = views.value[runtime.sessionId];
    if (view) view.peerState = peerState;
    void reportPeerState(runtime, peerState);
    if (peerState === 'connected' && !runtime.ready) {
      runtime.ready = true;
      syncStreaming(runtime);
    } else if (peerState === 'failed') {
      setError(runtime, 'The WebRTC connection to the camera failed (ICE or DTLS). Close it and try again.');
    }
  }

  /** StartStreaming at the wished size, or StopStreaming for `null`; the view says which runs. */
  async function requestStream(runtime: SessionRuntime, size: StreamSize | null): Promise<SessionOutcome> {
    const sessionId = runtime.sessionId;
    const result =
      size === null
        ? await bridge.invoke('sessions:stopStreaming', { sessionId })
        : await bridge.invoke('sessions:startStreaming', { sessionId, size });
    if (result.ok) {
      setStreamingSize(runtime, size);
      applySession(runtime, result.value);
    } else {
      setError(runtime, `Could not ${size === null ? 'stop' : 'start'} streaming: ${result.error.message}`);
    }
    return result;
  }

  function setStreamingSize(runtime: SessionRuntime, size: StreamSize | null): void {
    runtime.streamingSize = size;
    const view = views.value[runtime.sessionId];
    if (view) view.streamSize = size;
  }

  /**
   * Brings the camera's stream in line with the session's wish, in the control queue: starts it
   * (again, at another size: the device replaces the stream on the same track) or stops it.
   * Nothing goes before the offer is answered; the answer runs this itself.
   */
  function syncStreaming(runtime: SessionRuntime): void {
    if (!runtime.ready) return;
    void runControl(runtime, async () => {
      if (runtime.closed) return;
      const { paused, size } = runtime.wish;
      if (paused && runtime.streamingSize !== null) await requestStream(runtime, null);
      else if (!paused && runtime.streamingSize !== size) await requestStream(runtime, size);
    });
  }

  // ---- DataChannels ----

  function attachChannel(runtime: SessionRuntime, channel: RTCDataChannel): void {
    const label = channel.label;
    const kind = classifyChannelLabel(label, runtime.deviceId);
    channel.binaryType = 'arraybuffer';
    const view = views.value[runtime.sessionId];
    if (view && !view.channels.includes(label)) view.channels.push(label);
    channel.onmessage = (event: MessageEvent) => runtime.data.receive(label, kind, event.data);
    // Main sends StartStreaming/StopStreaming over the control channel while it is open.
    const peerState = (): PeerState => (runtime.pc?.connectionState as PeerState | undefined) ?? 'new';
    if (kind === 'control') {
      runtime.controlChannel = channel;
      if (channel.readyState === 'open') void reportPeerState(runtime, peerState(), 'open');
      else channel.onopen = () => void reportPeerState(runtime, peerState(), 'open');
    }
    channel.onclose = () => {
      const current = views.value[runtime.sessionId];
      if (current) current.channels = current.channels.filter((open) => open !== label);
      if (runtime.controlChannel === channel && !runtime.closed) {
        runtime.controlChannel = null;
        void reportPeerState(runtime, peerState(), 'closed');
      }
    };
  }

  /** Copies the data counters into the view (once a second, not once a message). */
  function publishCounters(runtime: SessionRuntime): void {
    const view = views.value[runtime.sessionId];
    const counters = runtime.data.takeCounters();
    if (view && counters) view.data = counters;
  }

  // ---- stats ----

  function ensureStatsTimer(): void {
    if (statsTimer === undefined) statsTimer = setInterval(sampleStats, statsIntervalMs);
  }

  function stopStatsTimer(): void {
    if (statsTimer !== undefined) clearInterval(statsTimer);
    statsTimer = undefined;
  }

  function sampleStats(): void {
    let open = 0;
    for (const runtime of runtimes.values()) {
      publishCounters(runtime);
      const pc = runtime.pc;
      if (!pc || runtime.closed) continue;
      open += 1;
      if (runtime.statsBusy) continue;
      runtime.statsBusy = true;
      pc.getStats()
        .then((report) => {
          const view = views.value[runtime.sessionId];
          if (runtime.closed || !view) return;
          const nowMs = Date.now();
          const read = readInboundVideo(report, runtime.previousSample, nowMs);
          if (!read) return;
          if (read.sample.framesDecoded > (runtime.previousSample?.framesDecoded ?? 0)) {
            view.framesAdvancedAtMs = nowMs;
          }
          runtime.previousSample = read.sample;
          view.stats = read.stats;
        })
        .catch((error: unknown) => {
          console.warn(`camera session ${runtime.sessionId}: stats unavailable: ${messageOf(error)}`);
        })
        .finally(() => {
          runtime.statsBusy = false;
        });
    }
    if (open === 0) stopStatsTimer();
  }

  // ---- closing ----

  function closePeer(runtime: SessionRuntime): void {
    if (runtime.closed) return;
    runtime.closed = true;
    const pc = runtime.pc;
    if (pc) {
      pc.onicecandidate = null;
      pc.onconnectionstatechange = null;
      pc.ontrack = null;
      pc.ondatachannel = null;
      pc.close();
    }
    runtime.remoteCandidates = [];
    runtime.heldLocal = [];
    runtime.controlChannel = null;
    runtime.streamingSize = null;
    runtime.data.stop();
    publishCounters(runtime);
    const view = views.value[runtime.sessionId];
    if (view) {
      view.peerState = 'closed';
      view.stream = null;
      view.channels = [];
      // A closed session shows no figures: the last sample would read as if it still streamed.
      view.stats = null;
      view.streamSize = null;
    }
    if (![...runtimes.values()].some((other) => !other.closed && other.pc)) stopStatsTimer();
  }

  // ---- actions ----

  /** Subscribes to main's session events; later calls keep the first options. */
  function start(options: CameraSessionsOptions = {}): void {
    if (started) return;
    started = true;
    createPeerConnection = options.createPeerConnection ?? browserPeerConnectionFactory;
    rtcConfiguration = options.rtcConfiguration ?? { iceServers: [] };
    statsIntervalMs = options.statsIntervalMs ?? 1000;
    releases.push(
      bridge.on('sessions:signaled', (items) => {
        for (const item of items) handleSignal(item);
      }),
      bridge.on('sessions:changed', (items) => {
        for (const item of items) handleChanged(item);
      }),
      bridge.onStateChange((state) => {
        if (state === 'connected') void reconcile();
      }),
    );
  }

  /**
   * Asks main for a control session with the device's node; the device then offers. The stream
   * starts at `wish.size` once the offer is answered, unless `wish.paused`.
   */
  async function open(
    deviceId: string,
    nodeId = '0001',
    wish: StreamWish = { size: 'small', paused: false },
  ): Promise<SessionOutcome> {
    start();
    opening += 1;
    let result: Result<ControlSession>;
    try {
      result = await bridge.invoke('sessions:openSession', { deviceId, nodeId });
    } finally {
      opening -= 1;
    }
    if (!result.ok) {
      drainEarly('');
      return result;
    }
    const session = result.value;
    if (!started) {
      // stop() ran while main was opening it: nobody would answer the offer.
      void bridge.invoke('sessions:closeSession', {
        sessionId: session.sessionId,
        reason: 'the live page was closed',
      });
      return { ok: false, error: { code: 'CONFLICT', message: 'the live page was closed while opening' } };
    }
    if (!runtimes.has(session.sessionId)) {
      runtimes.set(session.sessionId, {
        sessionId: session.sessionId,
        deviceId: session.deviceId,
        pc: null,
        closed: false,
        inbound: Promise.resolve(),
        outbound: Promise.resolve(),
        control: Promise.resolve(),
        remoteCandidates: [],
        holdLocal: false,
        heldLocal: [],
        endOfCandidatesSent: false,
        ready: false,
        wish: { ...wish },
        streamingSize: null,
        statsBusy: false,
        previousSample: null,
        data: new CameraDataForwarder(session.sessionId, (label, text) =>
          bridge.invoke('sessions:deliverData', { sessionId: session.sessionId, label, text }),
        ),
        controlChannel: null,
      });
      views.value[session.sessionId] = {
        sessionId: session.sessionId,
        deviceId: session.deviceId,
        nodeId: session.nodeId,
        session,
        peerState: 'new',
        stream: null,
        stats: null,
        lastError: null,
        data: emptyDataCounters(),
        channels: [],
        signalingFailures: 0,
        streamSize: null,
        framesAdvancedAtMs: null,
      };
    }
    drainEarly(session.sessionId);
    return result;
  }

  /** Closes the peer connection and asks main to end the session (CloseControlSession). */
  async function close(sessionId: string, reason?: string): Promise<SessionOutcome> {
    const runtime = runtimes.get(sessionId);
    if (!runtime) {
      return { ok: false, error: { code: 'NOT_FOUND', message: `no session ${sessionId} on this page` } };
    }
    closePeer(runtime);
    const result = await bridge.invoke(
      'sessions:closeSession',
      reason === undefined ? { sessionId } : { sessionId, reason },
    );
    publishCounters(runtime);
    if (result.ok) {
      applySession(runtime, result.value);
    } else {
      const view = views.value[sessionId];
      if (view && !isTerminal(view.session.state)) {
        view.lastError = `Could not close the session: ${result.error.message}`;
      }
    }
    return result;
  }

  /** Asks the camera to start streaming again (after a failure or a stop). */
  async function startStreaming(sessionId: string): Promise<SessionOutcome> {
    const runtime = runtimes.get(sessionId);
    if (!runtime || runtime.closed) {
      return { ok: false, error: { code: 'NOT_FOUND', message: `no open session ${sessionId}` } };
    }
    runtime.ready = true;
    runtime.wish = { ...runtime.wish, paused: false };
    const view = views.value[sessionId];
    if (view) view.lastError = null;
    let outcome: SessionOutcome | undefined;
    await runControl(runtime, async () => {
      outcome = await requestStream(runtime, runtime.wish.size);
    });
    return outcome ?? { ok: false, error: { code: 'INTERNAL', message: 'streaming request failed' } };
  }

  /** Asks the camera to stop sending frames; the session stays open. */
  async function stopStreaming(sessionId: string): Promise<SessionOutcome> {
    const runtime = runtimes.get(sessionId);
    if (!runtime || runtime.closed) {
      return { ok: false, error: { code: 'NOT_FOUND', message: `no open session ${sessionId}` } };
    }
    runtime.wish = { ...runtime.wish, paused: true };
    return requestStream(runtime, null);
  }

  /**
   * Changes what a viewer wants of a session's stream (a tile enlarged, out of view, seen
   * again); the camera is asked once the offer is answered, in order with other commands.
   */
  function wishStream(sessionId: string, wish: StreamWish): void {
    const runtime = runtimes.get(sessionId);
    if (!runtime || runtime.closed) return;
    if (runtime.wish.size === wish.size && runtime.wish.paused === wish.paused) return;
    runtime.wish = { ...wish };
    syncStreaming(runtime);
  }

  /** Drops a finished session from the view. */
  function forget(sessionId: string): void {
    const runtime = runtimes.get(sessionId);
    if (runtime && !runtime.closed) return;
    runtimes.delete(sessionId);
    views.value = Object.fromEntries(Object.entries(views.value).filter(([id]) => id !== sessionId));
  }

  /**
   * After main comes back (it may have restarted), drops sessions main no longer knows and
   * takes the states it missed telling us about.
   */
  async function reconcile(): Promise<void> {
    if (runtimes.size === 0) return;
    const result = await bridge.invoke('sessions:listSessions', {});
    if (!result.ok) return;
    const known = new Map(result.value.sessions.map((session) => [session.sessionId, session]));
    for (const runtime of runtimes.values()) {
      const session = known.get(runtime.sessionId);
      const view = views.value[runtime.sessionId];
      if (session) {
        applySession(runtime, session);
      } else if (!runtime.closed && view) {
        closePeer(runtime);
        view.lastError = 'The console services no longer know this session (they restarted?).';
        view.session = {
          ...view.session,
          state: 'failed',
          reason: 'lost when the console services restarted',
        };
      }
    }
  }

  /** Closes every open session and releases all subscriptions and the stats timer. */
  function stop(): void {
    for (const runtime of runtimes.values()) {
      const view = views.value[runtime.sessionId];
      const endOnMain = !runtime.closed && !!view && !isTerminal(view.session.state);
      closePeer(runtime);
      if (endOnMain) {
        void bridge.invoke('sessions:closeSession', {
          sessionId: runtime.sessionId,
          reason: 'the live page was closed',
        });
      }
    }
    for (const release of releases.splice(0)) release();
    stopStatsTimer();
    runtimes.clear();
    views.value = {};
    early = [];
    started = false;
  }

  onScopeDispose(stop);

  return {
    views,
    list,
    ignoredEvents,
    viewOf,
    isActive,
    start,
    stop,
    open,
    close,
    startStreaming,
    stopStreaming,
    wishStream,
    forget,
    reconcile,
  };
});
