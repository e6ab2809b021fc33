import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCmfMessage } from '../../../src-main/core/nice/cmf';
import { decodeBody } from '../../../src-main/core/nice/cmfBody';
import { controlPath } from '../../../src-main/core/nice/destinationId';
import { parseSceneMark, type SceneMark } from '../../../src-main/core/nice/sceneMark';
import { sceneAt } from '../../../src-main/simulator/scene/sceneModel';
import type { SimulatedCamera } from '../../../src-main/simulator/simulatedCamera';
import {
  eventually,
  openConsoleSession,
  startConsoleWebApi,
  startLocalSite,
  type ConsoleWebApi,
  type ConsoleWebRtcPeer,
  type LocalSite,
} from '../../support/localSiteFixture';

/*
 * (c) SceneMarks per the SceneMode in force, over each data path: MQTT (QoS 1, JWE to the
 * console's key), HTTPS to the console's WebAPI server (CMF on the v0.9 path with the JPEG
 * thumbnail as SceneData; raw JWE on SetSceneMark) and a WebRTC data DataChannel. Every
 * SceneMark's boxes are exactly the objects drawn in the frame it names.
 */

let site: LocalSite;
let camera: SimulatedCamera;
let rawCamera: SimulatedCamera;
let web: ConsoleWebApi;
let peer: ConsoleWebRtcPeer;
const mqttMessages: { topic: string; qos: number; payload: string }[] = [];

function output(
  portId: string,
  scheme: Record<string, unknown>,
  encrypted: boolean,
): Record<string, unknown> {
  return {
    SceneMarkOutputEndPoint: {
      APIVersion: '1.0',
      EndPointID: site.console.endPointId,
      NodeID: '0001',
      PortID: portId,
      Scheme: [scheme],
    },
    AppEndPoint: { APIVersion: '1.0', EndPointID: site.console.endPointId, JWK: site.console.keys.publicJwk },
    Encryption: encrypted
      ? { EncryptionOn: true, SceneMarkEncryption: { JWEAlg: 'ECDH-ES+A256KW', JWEEnc: 'A256GCM' } }
      : { EncryptionOn: false },
  };
}

async function setSceneMode(
  target: SimulatedCamera,
  outputs: Record<string, unknown>[],
  config: Record<string, unknown> = {},
) {
  const result = await site.console.call(
    controlPath(target.deviceId, '0001', 'SetSceneMode'),
    {
      Version: '1.0',
      SceneModeID: randomUUID(),
      NodeID: '0001',
      Mode: {
        SceneMode: 'Label',
        SceneModeConfig: [{ AnalysisStage: 'Detect', SceneMarkFrequency: 0.5, ...config }],
        SceneMarkOutputList: outputs,
      },
    },
    ['Control'],
  );
  expect(result.body).toMatchObject({ Status: 'Applied' });
}

/** Every DetectedObject is an object of the scene at the SceneMark's frame, with its exact box. */
function expectMatchesScene(
  sceneMark: SceneMark,
  deviceId: string,
  filter: (type: string) => boolean = () => true,
) {
  const time = Date.parse(sceneMark.TimeStamp as string);
  const scene = sceneAt(deviceId, time, 640, 360);
  const analysis = sceneMark.AnalysisList[0];
  const detected = analysis?.DetectedObjects ?? [];
  const expected = scene.objects.filter((object) => filter(object.itemType));
  expect(detected.length).toBeGreaterThan(0);
  expect(detected.map((object) => object.ItemID).sort()).toEqual(
    expected.map((object) => object.objectId).sort(),
  );
  for (const object of detected) {
    const truth = scene.objects.find((candidate) => candidate.objectId === object.ItemID);
    expect(object.NICEItemType).toBe(truth?.itemType);
    expect(object.Frame).toBeDefined();
    expect(site.clock.timeOf(30, object.Frame as number)).toBe(time);
    expect(object.BoundingBox?.XCoordinate).toBeCloseTo((truth?.box.x ?? NaN) / 640, 9);
    expect(object.BoundingBox?.YCoordinate).toBeCloseTo((truth?.box.y ?? NaN) / 360, 9);
    expect(object.BoundingBox?.Width).toBeCloseTo((truth?.box.width ?? NaN) / 640, 9);
    expect(object.BoundingBox?.Height).toBeCloseTo((truth?.box.height ?? NaN) / 360, 9);
  }
  expect(sceneMark.NodeID).toBe(`${deviceId}_0001`);
}

beforeAll(async () => {
  site = await startLocalSite();
  [camera, rawCamera] = await Promise.all([
    site.startCamera(2),
    site.startCamera(3, { webApiStyle: 'setSceneMark' }),
  ]);
  web = await startConsoleWebApi(site);
  peer = await openConsoleSession(site, camera.deviceId);
  site.console.link.client.on('message', (topic, payload, packet) => {
    if (topic.includes('/data/')) mqttMessages.push({ topic, qos: packet.qos, payload: payload.toString() });
  });
  await site.console.link.client.subscribeAsync(`1/${site.console.endPointId}/data/#`, { qos: 1 });
}, 40_000);

afterAll(() => site?.close());

describe('SceneMarks from a simulated camera', () => {
  it('arrive over MQTT at QoS 1, HTTPS (CMF with a thumbnail) and WebRTC, matching the drawn frame', async () => {
    const bearer = await site.accountService.issueToken({
      sub: camera.deviceId,
      aud: site.console.endPointId,
      permissions: ['Data'],
    });
    await setSceneMode(camera, [
      output('0001', { Protocol: 'MQTT', Authority: site.broker.tcpUrl, QoS: 1 }, true),
      output('0002', { Protocol: 'WebAPI', Authority: web.server.origin, AccessToken: bearer }, false),
      output('0003', { Protocol: 'WebRTC' }, false),
    ]);
    const label = `1/${site.console.endPointId}/data/0001/0003`;
    await eventually(
      () =>
        mqttMessages.filter((message) => message.topic.endsWith('/0001/0001')).length >= 2 &&
        web.sink.sceneMarks.length >= 2 &&
        web.sink.sceneData.length >= 1 &&
        peer.dataMessages.filter((message) => message.label === label).length >= 2,
      10_000,
      'SceneMarks on all three paths',
    );

    // MQTT: QoS 1, JWE to the console's key, CommandType = the data path.
    const topic = `1/${site.console.endPointId}/data/0001/0001`;
    const fromMqtt = mqttMessages.find((message) => message.topic === topic);
    expect(fromMqtt?.qos).toBe(1);
    const request = parseCmfMessage(fromMqtt?.payload ?? '');
    expect(request).toMatchObject({
      MessageType: 'request',
      EncryptionOn: true,
      SourceEndPointID: camera.deviceId,
    });
    expect(request.MessageType === 'request' && request.CommandType).toBe(topic);
    const inner = await decodeBody(request.Payload.Body, true, site.console.keys.privateJwk);
    const mqttMark = parseSceneMark(JSON.stringify(inner)).sceneMark;
    expectMatchesScene(mqttMark, camera.deviceId);
    expect(mqttMark.SceneDataList).toBeUndefined();

    // HTTPS: CMF on the v0.9 path, the thumbnail reassembled by the server.
    const fromHttps = web.sink.sceneMarks[0];
    expect(fromHttps?.source).toMatchObject({
      api: 'data',
      nodeId: '0001',
      portId: '0002',
      sourceEndPointId: camera.deviceId,
    });
    expectMatchesScene(parseSceneMark(fromHttps?.original ?? '').sceneMark, camera.deviceId);
    // Profile "Data": SceneData sections on `…/SetSceneData`, also after a CMF SceneMark.
    expect(web.sink.sceneData[0]?.source).toMatchObject({
      api: 'SetSceneData',
      path: `/1/${site.console.endPointId}/data/0001/0002/SetSceneData`,
    });
    const thumbnail = web.sink.sceneData[0]?.file;
    expect(thumbnail?.mediaFormat).toBe('JPEG');
    expect([...(thumbnail?.bytes.subarray(0, 2) ?? [])]).toEqual([0xff, 0xd8]);
    const named = web.sink.sceneMarks.find((delivery) =>
      delivery.sceneMark.SceneDataList?.some((item) => item.SceneDataID === thumbnail?.dataId),
    );
    expect(named?.sceneMark.ThumbnailList?.[0]?.SceneDataID).toBe(thumbnail?.dataId);
    expect(web.sink.rejects).toEqual([]);

    // WebRTC: the data DataChannel labelled with the console's data path.
    expect(peer.channels.get(label)?.ordered).toBe(true);
    const fromWebRtc = peer.dataMessages.find((message) => message.label === label);
    const webRtcMark = parseSceneMark(JSON.stringify(await peer.openData(fromWebRtc?.text ?? ''))).sceneMark;
    expectMatchesScene(webRtcMark, camera.deviceId);
  });

  it('apply the SceneMode filters and frequency', async () => {
    const bearer = await site.accountService.issueToken({
      sub: camera.deviceId,
      aud: site.console.endPointId,
      permissions: ['Data'],
    });
    const before = web.sink.sceneMarks.length;
    const started = Date.now();
    await setSceneMode(
      camera,
      [output('0004', { Protocol: 'WebAPI', Authority: web.server.origin, AccessToken: bearer }, false)],
      { SceneMarkFrequency: 0.25, Filters: { TriggerOnTheseDetectedItems: ['Human'] } },
    );
    const filtered = () => web.sink.sceneMarks.slice(before).filter((mark) => mark.source.portId === '0004');
    await eventually(() => filtered().length >= 4, 10_000, 'filtered SceneMarks');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    for (const mark of filtered()) {
      expect(mark.normalised.itemTypes).toEqual(['Human']);
      expectMatchesScene(mark.sceneMark, camera.deviceId, (type) => type === 'Human');
    }
  });

  it('arrive as JWE or JSON on SetSceneMark and JSON on SetSceneData from a camera using the 1.x paths', async () => {
    const bearer = await site.accountService.issueToken({
      sub: rawCamera.deviceId,
      aud: site.console.endPointId,
      permissions: ['Data'],
    });
    const authority = web.server.origin.replace(/^https:\/\//, ''); // the scheme may be left out (digest §3.5)
    await setSceneMode(rawCamera, [
      output('0005', { Protocol: 'WebAPI', Authority: authority, AccessToken: bearer }, true),
      output('0006', { Protocol: 'WebAPI', Authority: authority, AccessToken: bearer }, false),
    ]);
    const marks = (portId: string) =>
      web.sink.sceneMarks.filter(
        (delivery) => delivery.source.api === 'SetSceneMark' && delivery.source.portId === portId,
      );
    await eventually(() => marks('0005').length > 0 && marks('0006').length > 0, 10_000, 'SetSceneMark');
    expect(marks('0005')[0]?.source.encrypted).toBe(true);
    expect(marks('0006')[0]?.source.encrypted).toBe(false);
    for (const mark of [marks('0005')[0], marks('0006')[0]]) {
      expectMatchesScene(parseSceneMark(mark?.original ?? '').sceneMark, rawCamera.deviceId);
    }
    const viaSetSceneData = (portId: string) =>
      web.sink.sceneData.find((data) => data.source.api === 'SetSceneData' && data.source.portId === portId);
    await eventually(() => viaSetSceneData('0005') && viaSetSceneData('0006'), 10_000, 'SetSceneData');
    expect(viaSetSceneData('0005')?.source.encrypted).toBe(true);
    expect(viaSetSceneData('0006')?.source.encrypted).toBe(false);
    expect(viaSetSceneData('0006')?.file.relatedSceneMarks[0]).toContain(rawCamera.deviceId);
    expect(web.sink.rejects).toEqual([]);
  });
});
