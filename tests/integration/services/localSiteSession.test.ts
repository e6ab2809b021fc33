import wrtc from '@roamhq/wrtc';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiredPermissionFor, verifyAccessToken } from '../../../src-main/core/nice/accessToken';
import { buildCmfRequest, parseCmfMessage, type CmfRequest } from '../../../src-main/core/nice/cmf';
import { parseCommandType } from '../../../src-main/core/nice/destinationId';
import { createConsoleServices, type ConsoleServices } from '../../../src-main/services/consoleServices';
import { readFrameCode } from '../../../src-main/simulator/scene/frameCode';
import type { DataChannel } from '../../../src-main/simulator/wrtc';
import type { EventChannel } from '../../../src-shared/contract/channels';
import type { LocalSiteStatus, SiteDevice } from '../../../src-shared/contract/localSiteContract';
import type { Result } from '../../../src-shared/contract/result';
import type { ControlSession, SessionSignal } from '../../../src-shared/contract/sessionsContract';
import { FakeSecretCipher } from '../../support/fakeSecretCipher';

// The whole console path in Node: contract channels → local site (embedded broker, account
// service, one simulated camera in its own process) → control session → a wrtc peer playing
// the renderer's part, receiving decoded frames whose drawn counter advances.
const root = resolve(import.meta.dirname, '../../..');
const context = { transport: 'web' as const, caller: 'test' };
let services: ConsoleServices;
let dataDir: string;
const signals: SessionSignal[] = [];
/** Every CMF request seen on the site's broker (a tap on all of `1/#`). */
const requests: CmfRequest[] = [];
const sessionEvents: ControlSession[] = [];
const controlRelays = new Map<string, (text: string) => void>();

async function call<T>(channel: string, payload: unknown): Promise<Result<T>> {
  return (await services.dispatcher.dispatch(channel, payload, context)) as Result<T>;
}

async function value<T>(channel: string, payload: unknown): Promise<T> {
  const result = await call<T>(channel, payload);
  if (!result.ok) throw new Error(`${channel} failed: ${result.error.code} ${result.error.message}`);
  return result.value;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'nice-local-site-'));
  services = createConsoleServices({
    shell: 'web',
    version: '0.0.0-test',
    dataDir,
    migrationsDir: join(root, 'resources', 'migrations'),
    cipher: new FakeSecretCipher(),
    connectWaitMs: 5000,
    // A device offering 320x240, 640x480 and 1280x720 only (issue 18 item 3): no 640x360.
    simulatorVideo: {
      width: 320,
      height: 180,
      fps: 15,
      resolutions: [
        { Width: 320, Height: 240 },
        { Width: 640, Height: 480 },
        { Width: 1280, Height: 720 },
      ],
    },
  });
  services.events.subscribe((channel: EventChannel, items) => {
    if (channel === 'sessions:signaled') {
      signals.push(...(items as SessionSignal[]));
      // The renderer's part: send main's control commands on the session's control channel.
      for (const signal of items as SessionSignal[]) {
        if (signal.type === 'control') controlRelays.get(signal.sessionId)?.(signal.text);
      }
    }
    if (channel === 'sessions:changed') sessionEvents.push(...(items as ControlSession[]));
  });
}, 30_000);

afterAll(async () => {
  await services?.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
}, 30_000);

/** Opens a session with `deviceId` and plays the renderer's part until the peer is connected. */
async function connectPeer(deviceId: string) {
  const session = await value<ControlSession>('sessions:openSession', { deviceId });
  expect(session.state).toBe('establishing');
  const { sessionId } = session;
  const peer = new wrtc.RTCPeerConnection();
  const counters: number[] = [];
  const sizes = new Set<string>();
  const opened: string[] = [];
  const channels = new Map<string, DataChannel>();
  peer.ondatachannel = (event: { channel: DataChannel }) => {
    opened.push(event.channel.label);
    channels.set(event.channel.label, event.channel);
  };
  peer.ontrack = (event: { track: unknown }) => {
    const sink = new wrtc.nonstandard.RTCVideoSink(event.track);
    sink.onframe = ({ frame }: { frame: { width: number; height: number; data: Uint8Array } }) => {
      const code = readFrameCode((x, y) => frame.data[y * frame.width + x] ?? 0, frame.width, frame.height);
      if (code) counters.push(code.frame);
      sizes.add(`${frame.width}x${frame.height}`);
      if (counters.length > 40) sink.stop();
    };
  };
  peer.onicecandidate = ({
    candidate,
  }: {
    candidate: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null } | null;
  }) => {
    void value('sessions:sendSignal', {
      sessionId,
      type: 'candidate',
      candidate: candidate
        ? { candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex }
        : { candidate: '', sdpMid: '0', sdpMLineIndex: 0 },
    });
  };
  peer.onconnectionstatechange = () => {
    void value('sessions:reportPeerState', { sessionId, peerState: peer.connectionState });
  };
  await expect
    .poll(() => signals.some((s) => s.sessionId === sessionId && s.type === 'offer'), { timeout: 15_000 })
    .toBe(true);
  const offer = signals.find((s) => s.sessionId === sessionId && s.type === 'offer');
  if (offer?.type !== 'offer') throw new Error('no offer');
  await peer.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
  const answer = await peer.createAnswer();
  await peer.setLocalDescription(answer);
  await value('sessions:sendSignal', { sessionId, type: 'answer', sdp: answer.sdp });
  let applied = 0;
  const applyCandidates = async (): Promise<void> => {
    const candidates = signals.filter((s) => s.sessionId === sessionId && s.type === 'candidate');
    for (const signal of candidates.slice(applied)) {
      applied++;
      if (signal.type === 'candidate' && signal.candidate.candidate !== '') {
        await peer.addIceCandidate(signal.candidate);
      }
    }
  };
  await expect
    .poll(
      async () => {
        await applyCandidates();
        return peer.connectionState;
      },
      { timeout: 15_000 },
    )
    .toBe('connected');
  return { sessionId, peer, counters, sizes, opened, channels };
}

async function firstDevice(): Promise<string> {
  const { devices } = await value<{ devices: SiteDevice[] }>('localSite:listDevices', {});
  return devices[0]?.deviceId ?? '';
}

describe('local site and a control session through the contract', () => {
  it('offers the local site on first run and starts it with one simulated camera', async () => {
    const before = await value<LocalSiteStatus>('localSite:getStatus', {});
    expect(before).toMatchObject({ state: 'stopped', firstRun: true, broker: null });
    const started = await value<LocalSiteStatus>('localSite:start', { cameras: 1 });
    expect(started.state).toBe('running');
    expect(started.firstRun).toBe(false);
    expect(started.broker?.tcpUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(started.broker?.webSocketUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/);
    expect(started.broker?.tlsUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    expect(started.accountService?.bootstrapUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/1\/[0-9a-f-]{36}$/);
    expect(started.simulator).toMatchObject({ running: true, cameras: 1 });
    const again = await call('localSite:start', { cameras: 1 });
    expect(again).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const tap = services.hub.subscribeData(started.profileId ?? '', '1/#', 0, (payload) => {
      try {
        const message = parseCmfMessage(payload);
        if (message.MessageType === 'request') requests.push(message);
      } catch {
        // Not CMF: nothing to check here.
      }
    });
    await tap.ready;
  }, 60_000);

  it('lists the camera as bound once it has bootstrapped', async () => {
    await expect
      .poll(async () => (await value<{ devices: SiteDevice[] }>('localSite:listDevices', {})).devices, {
        timeout: 30_000,
      })
      .toEqual([expect.objectContaining({ binding: 'bound', nodes: expect.arrayContaining(['0001']) })]);
  }, 40_000);

  it('applies the console SceneMode on bind: node 0001 reports over MQTT, node 0002 over HTTPS', async () => {
    const deviceId = await firstDevice();
    type Row = { deviceId: string | null; nodeId: string; source: string };
    const sources = async (): Promise<string[]> => {
      const page = await value<{ rows: Row[] }>('scenemarks:querySceneMarks', { pageSize: 200 });
      return [
        ...new Set(page.rows.map((row) => `${row.nodeId.slice(-4)} ${row.source.split(':')[0]}`)),
      ].sort();
    };
    await expect.poll(sources, { timeout: 25_000 }).toEqual(['0001 mqtt', '0002 https']);
    const page = await value<{ rows: Row[] }>('scenemarks:querySceneMarks', { pageSize: 10 });
    expect(page.rows.every((row) => row.deviceId === deviceId)).toBe(true);
    const counters = await value<{ rejected: number; dropped: number }>('scenemarks:getIngestCounters', {});
    expect(counters).toMatchObject({ rejected: 0, dropped: 0 });
  }, 30_000);

  it('keeps data without a valid token from the account service as a reject, not a SceneMark', async () => {
    const status = await value<LocalSiteStatus>('localSite:getStatus', {});
    const me = await services.identity.identity();
    const before = await value<{ rejected: number }>('scenemarks:getIngestCounters', {});
    const forged = buildCmfRequest({
      source: await firstDevice(),
      destination: me.endPointId,
      commandType: `1/${me.endPointId}/data/0001/0009`,
      commandId: 1,
      accessToken: '',
      encryptionOn: false,
      body: JSON.stringify({ SceneMarkID: 'forged' }),
    });
    await services.hub.publish(
      status.profileId ?? '',
      `1/${me.endPointId}/data/0001/0009`,
      JSON.stringify(forged),
      1,
    );
    await expect
      .poll(async () => (await value<{ rejected: number }>('scenemarks:getIngestCounters', {})).rejected)
      .toBe(before.rejected + 1);
    const db = new Database(services.info.databaseFile, { readonly: true });
    const reject = db.prepare('SELECT reason, field FROM rejects ORDER BY id DESC LIMIT 1').get();
    db.close();
    expect(reject).toMatchObject({
      reason: expect.stringMatching(/missing access token/),
      field: 'AccessToken',
    });
  });

  it("answers the command console's queries, each sent with a token from the account service", async () => {
    const deviceId = await firstDevice();
    const { profileId } = await value<LocalSiteStatus>('localSite:getStatus', {});
    const send = (api: string, iface: 'management' | 'control', body: Record<string, unknown>) =>
      value<{ replyStatusCode: number; encrypted: boolean; body: Record<string, unknown> }>(
        'commands:sendCommand',
        { profileId, targetEndPointId: deviceId, interface: iface, nodeId: '0001', api, body },
      );
    const status = await send('GetDeviceStatus', 'management', { Version: '1.0', DeviceID: deviceId });
    expect(status).toMatchObject({ replyStatusCode: 200, encrypted: true, body: { DeviceID: deviceId } });
    expect((status.body.NodeList as { NodeID: string }[]).map((node) => node.NodeID)).toEqual([
      '0001',
      '0002',
    ]);
    const node = { Version: '1.0', NodeID: '0001' };
    expect(await send('GetCapabilities', 'control', node)).toMatchObject({
      replyStatusCode: 200,
      body: { NodeID: '0001', Transports: ['MQTT', 'WebAPI', 'WebRTC'] },
    });
    expect(await send('GetSceneMode', 'control', node)).toMatchObject({
      replyStatusCode: 200,
      body: { NodeID: '0001', SceneModeID: expect.any(String) },
    });
    expect(await send('GetStatus', 'control', node)).toMatchObject({
      replyStatusCode: 200,
      body: { NodeID: '0001', Streaming: false },
    });
  }, 30_000);

  it('refuses a session with a device the account service does not know', async () => {
    const result = await call('sessions:openSession', { deviceId: '00000000-0000-4000-8000-000000000000' });
    expect(result).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('streams video to a WebRTC peer in the renderer role, with the drawn counter advancing', async () => {
    const deviceId = await firstDevice();
    const { sessionId, peer, counters, sizes, opened } = await connectPeer(deviceId);
    try {
      await expect.poll(() => opened).toContain(`1/${deviceId}/control`);
      await expect
        .poll(async () => {
          const { sessions } = await value<{ sessions: ControlSession[] }>('sessions:listSessions', {});
          return sessions.find((entry) => entry.sessionId === sessionId)?.state;
        })
        .toBe('connected');

      // As the Live page asks: no size. Main picks from GetCapabilities the offered size nearest
      // a 640x360 tile (640x480); the device refuses any size it does not offer.
      const streaming = await value<ControlSession>('sessions:startStreaming', { sessionId });
      expect(streaming.state).toBe('streaming');
      expect(streaming.trackIds.length).toBe(1);
      await expect.poll(() => counters.length, { timeout: 15_000 }).toBeGreaterThan(10);
      expect([...sizes]).toEqual(['640x480']);
      const increasing = counters.slice(1).every((n, i) => n > (counters[i] ?? 0));
      expect(increasing).toBe(true);

      const closed = await value<ControlSession>('sessions:closeSession', { sessionId, reason: 'test done' });
      expect(closed).toMatchObject({ state: 'closed', reason: 'test done' });
      const db = new Database(services.info.databaseFile, { readonly: true });
      const row = db
        .prepare('SELECT kind, peer, ended_ms, outcome FROM sessions WHERE session_id = ?')
        .get(sessionId);
      db.close();
      expect(row).toMatchObject({ kind: 'control', peer: deviceId, outcome: 'closed' });
      // The console's tokens are reused per grant, not issued per signaling message.
      const site = new Database(join(dataDir, 'local-site', 'account-service.sqlite'), { readonly: true });
      const grants = site
        .prepare(
          'SELECT audience, permissions, count(*) AS issued FROM site_issued_tokens WHERE subject = ? GROUP BY 1, 2',
        )
        .all((await services.identity.identity()).endPointId) as { issued: number }[];
      site.close();
      expect(grants.length).toBeGreaterThan(0);
      // At most one per node (SetSceneMode for nodes 0001 and 0002 carry different NodeIDs).
      expect(grants.every((grant) => grant.issued <= 2)).toBe(true);
      expect((row as { ended_ms: number | null }).ended_ms).toBeGreaterThan(0);
    } finally {
      peer.close();
    }
  }, 90_000);

  it('sends StartStreaming and StopStreaming over the control DataChannel once it is open', async () => {
    const deviceId = await firstDevice();
    const { sessionId, peer, counters, channels } = await connectPeer(deviceId);
    const label = `1/${deviceId}/control`;
    try {
      await expect.poll(() => channels.get(label)?.readyState, { timeout: 15_000 }).toBe('open');
      const control = channels.get(label);
      if (!control) throw new Error('no control channel');
      const sent: CmfRequest[] = [];
      controlRelays.set(sessionId, (text) => {
        sent.push(parseCmfMessage(text) as CmfRequest);
        control.send(text);
      });
      control.onmessage = (event) =>
        void value('sessions:deliverData', { sessionId, label, text: String(event.data) });
      await value('sessions:reportPeerState', { sessionId, peerState: 'connected', controlChannel: 'open' });
      const overMqtt = (): string[] =>
        requests
          .map((request) => request.CommandType)
          .filter((type) => type.startsWith(`1/${deviceId}/control/`) && /Streaming$/.test(type));
      const mqttBefore = overMqtt().length;

      const streaming = await value<ControlSession>('sessions:startStreaming', { sessionId });
      expect(streaming.state).toBe('streaming');
      await expect.poll(() => counters.length, { timeout: 15_000 }).toBeGreaterThan(5);
      const stopped = await value<ControlSession>('sessions:stopStreaming', { sessionId });
      expect(stopped.streamId).toBeNull();
      expect(sent.map((request) => request.CommandType.split('/').at(-1))).toEqual([
        'StartStreaming',
        'StopStreaming',
      ]);
      // GetCapabilities is a Control command, not streaming: it stays on MQTT.
      expect(overMqtt().length).toBe(mqttBefore);
    } finally {
      controlRelays.delete(sessionId);
      peer.close();
      await call('sessions:closeSession', { sessionId });
    }
  }, 60_000);

  it('shows a camera that stops answering as TIMEOUT, and recovers when it answers again', async () => {
    const { sessionId, peer } = await connectPeer(await firstDevice());
    try {
      services.localSite.fault(0, { kind: 'stopAnswering' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const timedOut = await call('sessions:startStreaming', { sessionId });
      expect(timedOut).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
      services.localSite.fault(0, { kind: 'clear' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const recovered = await value<ControlSession>('sessions:startStreaming', { sessionId });
      expect(recovered.state).toBe('streaming');
    } finally {
      peer.close();
      await call('sessions:closeSession', { sessionId });
    }
  }, 40_000);

  it('stores malformed SceneMarks of a faulty camera as rejects and goes on storing good ones after', async () => {
    const counters = () =>
      value<{ stored: number; rejected: number; dropped: number }>('scenemarks:getIngestCounters', {});
    services.localSite.fault(0, { kind: 'malformed' });
    await expect.poll(async () => (await counters()).rejected, { timeout: 15_000 }).toBeGreaterThan(0);
    services.localSite.fault(0, { kind: 'clear' });
    const before = (await counters()).stored;
    await expect.poll(async () => (await counters()).stored, { timeout: 15_000 }).toBeGreaterThan(before);
    expect((await counters()).dropped).toBe(0);
    const db = new Database(services.info.databaseFile, { readonly: true });
    const reject = db.prepare('SELECT source, reason FROM rejects ORDER BY id DESC LIMIT 1').get() as
      { source: string; reason: string } | undefined;
    db.close();
    expect(reject?.source).toMatch(/^(mqtt:|https)/);
    expect(reject?.reason.length).toBeGreaterThan(0);
  }, 40_000);

  it('shows a camera whose connection drops as offline, and online and answering again once it is back', async () => {
    const deviceId = await firstDevice();
    const online = async (): Promise<boolean | undefined> =>
      (await value<{ devices: SiteDevice[] }>('localSite:listDevices', {})).devices.find(
        (device) => device.deviceId === deviceId,
      )?.online;
    expect(await online()).toBe(true);
    services.localSite.fault(0, { kind: 'dropConnection', reconnectAfterMs: 1500 });
    await expect.poll(online, { timeout: 5_000, interval: 50 }).toBe(false);
    await expect.poll(online, { timeout: 15_000 }).toBe(true);
    const { sessionId, peer } = await connectPeer(deviceId);
    try {
      const streaming = await value<ControlSession>('sessions:startStreaming', { sessionId });
      expect(streaming.state).toBe('streaming');
    } finally {
      peer.close();
      await call('sessions:closeSession', { sessionId });
    }
  }, 40_000);

  it('closes the sessions of a page that went away (a reload, a closed tab)', async () => {
    const deviceId = await firstDevice();
    const opened = (await services.dispatcher.dispatch(
      'sessions:openSession',
      { deviceId },
      { transport: 'web', caller: 'page-that-reloads' },
    )) as Result<ControlSession>;
    if (!opened.ok) throw new Error(opened.error.message);
    const other = await value<ControlSession>('sessions:openSession', { deviceId });
    services.dispatcher.callerGone('page-that-reloads');
    const stateOf = async (sessionId: string): Promise<ControlSession | undefined> =>
      (await value<{ sessions: ControlSession[] }>('sessions:listSessions', {})).sessions.find(
        (session) => session.sessionId === sessionId,
      );
    await expect
      .poll(() => stateOf(opened.value.sessionId))
      .toMatchObject({ state: 'closed', reason: 'the page that opened it went away' });
    expect((await stateOf(other.sessionId))?.state).not.toBe('closed');
    await call('sessions:closeSession', { sessionId: other.sessionId });
  }, 30_000);

  it("sent every command with the account service's token for the callee and its interface's permission", async () => {
    const me = (await services.identity.identity()).endPointId;
    const issuer = services.localSite.accountService();
    if (!issuer) throw new Error('the local site is not running');
    const sent = requests.filter((request) => request.SourceEndPointID === me);
    const apis = new Set(sent.map((request) => request.CommandType.split('/').at(-1)));
    for (const api of ['GetDeviceStatus', 'GetCapabilities', 'GetSceneMode', 'GetStatus']) {
      expect(apis).toContain(api);
    }
    for (const api of [
      'EstablishControlSession',
      'WebRTCSignaling',
      'StartStreaming',
      'CloseControlSession',
    ]) {
      expect(apis).toContain(api);
    }
    for (const request of sent) {
      const path = parseCommandType(request.CommandType);
      const claims = await verifyAccessToken(request.AccessToken, {
        issuerPublicJwk: issuer.publicJwk,
        issuer: issuer.endPointId,
        audience: request.DestinationEndPointID,
        requiredPermission: requiredPermissionFor(path),
        ...(path.kind === 'control' ? { nodeId: path.nodeId } : {}),
      }).catch((error: unknown) => {
        throw new Error(`${request.CommandType} #${request.CommandID}: ${(error as Error).message}`);
      });
      expect(claims.sub).toBe(me);
      // Exactly the permission of the interface, no more (profile "Tokens").
      expect(claims.Permissions).toEqual([requiredPermissionFor(path)]);
    }
  });

  it('stops the local site and frees its broker', async () => {
    const status = await value<LocalSiteStatus>('localSite:stop', {});
    expect(status).toMatchObject({ state: 'stopped', broker: null, profileId: null });
  }, 30_000);
});
