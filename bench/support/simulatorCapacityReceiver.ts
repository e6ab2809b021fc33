import { randomUUID } from 'node:crypto';
import type { Permission } from '../../src-main/core/nice/accessToken';
import { CommandIdSequence, parseCmfMessage, type CmfResponse } from '../../src-main/core/nice/cmf';
import { controlPath, managementPath, type DestinationPath } from '../../src-main/core/nice/destinationId';
import { generateEndpointKeyPair } from '../../src-main/core/nice/endpointKeys';
import { NiceEndpoint } from '../../src-main/core/nice/niceEndpoint';
import { issuedTokenCheck } from '../../src-main/core/nice/tokenCheck';
import type { Logger } from '../../src-main/core/util/logger';
import type { AccountService } from '../../src-main/embedded/accountService/accountService';
import { MqttEndpointLink } from '../../src-main/services/nice/mqttEndpointLink';
import {
  wrtc,
  type DataChannel,
  type IceCandidateInit,
  type PeerConnection,
  type VideoSink,
} from '../../src-main/simulator/wrtc';

/*
 * The console side of bench/simulatorCapacity.bench.ts: one console-role NICE endpoint on the
 * embedded broker (registered with the account service, tokens from its issueToken) and, per
 * camera, a WebRTC control session whose video track only counts the frames the RTCVideoSink
 * hands over (libwebrtc decodes them; nothing here looks at the pixels).
 */

type SignalListener = (source: string, body: Record<string, unknown>) => void;

/** The console's NICE endpoint: EstablishControlSession, WebRTCSignaling, tokens. */
export class ConsoleReceiver {
  private readonly listeners = new Set<SignalListener>();

  private constructor(
    readonly endPointId: string,
    readonly endpoint: NiceEndpoint,
    readonly link: MqttEndpointLink,
    private readonly accountService: AccountService,
  ) {
    endpoint.handle('WebRTCSignaling', ({ request, body }) => {
      for (const listener of [...this.listeners]) {
        listener(request.SourceEndPointID, body as Record<string, unknown>);
      }
      return { noResponse: true };
    });
  }

  static async start(options: {
    accountService: AccountService;
    brokerUrl: string;
    username: string;
    password: string;
    logger: Logger;
  }): Promise<ConsoleReceiver> {
    const { accountService } = options;
    const endPointId = randomUUID();
    const keys = await generateEndpointKeyPair(endPointId);
    accountService.registerApp({ endPointId, publicJwk: keys.publicJwk, name: 'capacity bench' });
    const link = await MqttEndpointLink.connect({
      url: options.brokerUrl,
      username: options.username,
      password: options.password,
      clientId: `console-${endPointId}`,
      logger: options.logger,
      source: 'bench-console',
    });
    const ids = new CommandIdSequence();
    const endpoint = new NiceEndpoint({
      endPointId,
      privateJwk: keys.privateJwk,
      peerKey: (id) =>
        id === accountService.endPointId ? accountService.publicJwk : accountService.devicePublicJwk(id),
      checkToken: issuedTokenCheck({ issuerKey: () => accountService.publicJwk }),
      nextCommandId: () => ids.next(),
      transport: link,
    });
    const receiver = new ConsoleReceiver(endPointId, endpoint, link, accountService);
    await link.attach(endpoint);
    return receiver;
  }

  token(aud: string, permissions: Permission[], nodeIds?: string[]): Promise<string> {
    return this.accountService.issueToken({
      sub: this.endPointId,
      aud,
      permissions,
      ...(nodeIds ? { nodeIds } : {}),
    });
  }

  onSignal(listener: SignalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get accountServiceId(): string {
    return this.accountService.endPointId;
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.link.close(true);
  }
}

/** One camera's control session; `frames` counts every frame the video sink delivered. */
export class CountingSession {
  readonly sessionId = randomUUID();
  frames = 0;
  private pc: PeerConnection | undefined;
  private sink: VideoSink | undefined;
  private control: DataChannel | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly pendingCandidates: IceCandidateInit[] = [];
  private readonly waiting = new Map<number, (response: CmfResponse) => void>();

  constructor(
    private readonly console: ConsoleReceiver,
    readonly deviceId: string,
    readonly nodeId = '0001',
  ) {}

  /** EstablishControlSession, answer the device's offer; resolves when the control channel is open. */
  async open(timeoutMs = 20_000): Promise<void> {
    const app = this.console;
    this.unsubscribe = app.onSignal((source, body) => {
      if (body.SessionID !== this.sessionId || source.toLowerCase() !== this.deviceId.toLowerCase()) return;
      void this.onSignal(body).catch(() => undefined);
    });
    const result = await app.endpoint.call({
      path: managementPath(app.accountServiceId, 'EstablishControlSession'),
      body: {
        Version: '1.0',
        SessionID: this.sessionId,
        DeviceID: this.deviceId,
        NodeID: this.nodeId,
        ControlProtocol: 'WebRTC',
        Purpose: ['Control', 'Streaming'],
        SignalingTopic: `1/${app.endPointId}/management/WebRTCSignaling`,
        IceServers: [],
      },
      accessToken: await app.token(app.accountServiceId, ['Management']),
      timeoutMs: 5000,
      resends: 1,
    });
    if (result.response.ReplyStatusCode !== 200) {
      throw new Error(
        `EstablishControlSession: ${result.response.ReplyStatusCode} ${result.response.ReplyStatusMessage}`,
      );
    }
    const started = Date.now();
    while (this.control?.readyState !== 'open') {
      if (Date.now() - started > timeoutMs) throw new Error('the control DataChannel did not open in time');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** StartStreaming on the control DataChannel at `video`; rejects unless the camera answers 200. */
  async startStreaming(video: { width: number; height: number; fps: number }): Promise<void> {
    const app = this.console;
    const request = await app.endpoint.buildRequest({
      path: controlPath(this.deviceId, this.nodeId, 'StartStreaming') as DestinationPath,
      body: {
        Version: '1.0',
        NodeID: this.nodeId,
        PortID: '0001',
        StreamID: randomUUID(),
        Video: { Width: video.width, Height: video.height, FrameRate: video.fps },
      },
      accessToken: await app.token(this.deviceId, ['Streaming'], [this.nodeId]),
    });
    const answered = new Promise<CmfResponse>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer to StartStreaming')), 5000);
      this.waiting.set(request.CommandID, (response) => {
        clearTimeout(timer);
        resolve(response);
      });
    });
    this.control?.send(JSON.stringify(request));
    const response = await answered;
    if (response.ReplyStatusCode !== 200) {
      throw new Error(`StartStreaming: ${response.ReplyStatusCode} ${response.ReplyStatusMessage}`);
    }
  }

  close(): void {
    this.unsubscribe?.();
    this.sink?.stop();
    this.sink = undefined;
    this.pc?.close();
    this.pc = undefined;
  }

  private async onSignal(body: Record<string, unknown>): Promise<void> {
    if (body.Type === 'offer') return this.answer(String(body.SDP));
    if (body.Type === 'candidate') {
      const candidate = body.Candidate as IceCandidateInit;
      if (!candidate.candidate) return;
      if (this.pc?.remoteDescription) await this.pc.addIceCandidate(candidate);
      else this.pendingCandidates.push(candidate);
    }
  }

  private async answer(sdp: string): Promise<void> {
    const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
    this.pc = pc;
    pc.ondatachannel = ({ channel }) => {
      if (!channel.label.endsWith('/control')) return;
      this.control = channel;
      channel.onmessage = ({ data }) => {
        const message = parseCmfMessage(typeof data === 'string' ? data : new TextDecoder().decode(data));
        if (message.MessageType === 'response') this.waiting.get(message.ReplyID)?.(message);
      };
    };
    pc.ontrack = ({ track }) => {
      const sink = new wrtc.nonstandard.RTCVideoSink(track);
      this.sink = sink;
      sink.onframe = () => {
        this.frames += 1;
      };
    };
    const signal = async (fields: Record<string, unknown>): Promise<void> => {
      await this.console.endpoint.notify({
        path: managementPath(this.deviceId, 'WebRTCSignaling'),
        body: { Version: '1.0', SessionID: this.sessionId, ...fields },
        accessToken: await this.console.token(this.deviceId, ['Management']),
      });
    };
    pc.onicecandidate = ({ candidate }) => {
      const init = candidate
        ? {
            candidate: candidate.candidate,
            sdpMid: candidate.sdpMid ?? '0',
            sdpMLineIndex: candidate.sdpMLineIndex ?? 0,
          }
        : { candidate: '', sdpMid: '0', sdpMLineIndex: 0 };
      void signal({ Type: 'candidate', Candidate: init }).catch(() => undefined);
    };
    await pc.setRemoteDescription({ type: 'offer', sdp });
    for (const candidate of this.pendingCandidates.splice(0)) await pc.addIceCandidate(candidate);
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    await signal({ Type: 'answer', SDP: answer.sdp });
  }
}
