import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateEndpointKeyPair } from '../../../src-main/core/nice/endpointKeys';
import { parseSceneMode } from '../../../src-main/core/nice/sceneMode';
import { CAMERA_NODES } from '../../../src-main/simulator/deviceNodes';
import { analysisPlan, defaultSceneMode } from '../../../src-main/simulator/sceneModePlan';
import type { SceneObject } from '../../../src-main/simulator/scene/sceneModel';

const camera = CAMERA_NODES[0] as (typeof CAMERA_NODES)[number];
const frame = { width: 640, height: 360 };

function object(x: number, y: number, width: number, height: number): SceneObject {
  return {
    objectId: 'H0-0',
    itemType: 'Human',
    box: { x, y, width, height },
    colour: { y: 0, u: 0, v: 0 },
    probability: 0.9,
    parts: [],
  };
}

function mode(config: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return parseSceneMode({
    Version: '1.0',
    SceneModeID: randomUUID(),
    NodeID: '0001',
    Mode: { SceneMode: 'Label', SceneModeConfig: [config], ...extra },
  });
}

describe('a SceneMode as the simulated detector applies it', () => {
  it('defaults to one SceneMark a second about every item type of the node, ItemPresence', () => {
    const plan = analysisPlan(parseSceneMode(defaultSceneMode(randomUUID(), camera)), camera);
    expect(plan).toMatchObject({ periodMs: 1000, eventType: 'ItemPresence', destinations: [] });
    expect(plan.filter.itemTypes).toEqual(['Human', 'Vehicle']);
  });

  it('takes the item filters, threshold, frequency and window', () => {
    const plan = analysisPlan(
      mode({
        Filters: { TriggerOnTheseDetectedItems: ['Vehicle', 'Face'], IgnoreTheseDetectedItems: ['Human'] },
        AnalysisThreshold: 0.8,
        SceneMarkFrequency: 0.5,
        SceneMarkWindow: 2,
      }),
      camera,
    );
    expect(plan.filter).toEqual({ itemTypes: ['Vehicle'], ignoreItemTypes: ['Human'], minProbability: 0.8 });
    expect(plan.periodMs).toBe(2000);
  });

  it('restricts to the SceneMode detection type', () => {
    const plan = analysisPlan(
      parseSceneMode({
        Version: '1.0',
        SceneModeID: randomUUID(),
        NodeID: '0001',
        Mode: { SceneMode: 'Human', SceneModeConfig: [{}] },
      }),
      camera,
    );
    expect(plan.filter.itemTypes).toEqual(['Human']);
  });

  it('keeps objects whose centre is in the analysis region and within the size limits', () => {
    const plan = analysisPlan(
      mode({
        AnalysisRegion: {
          ROIType: 'SinglePolygon',
          ROICoords: [
            {
              Coords: [
                { XCoord: 0, YCoord: 0 },
                { XCoord: 0.5, YCoord: 0 },
                { XCoord: 0.5, YCoord: 1 },
                { XCoord: 0, YCoord: 1 },
              ],
            },
          ],
        },
        IgnoreObjectDetection: { ObjectLargerThan: 0.25 },
      }),
      camera,
    );
    expect(plan.eventType).toBe('RegionOfInterest');
    expect(plan.keep(object(10, 10, 40, 80), frame)).toBe(true);
    expect(plan.keep(object(400, 10, 40, 80), frame)).toBe(false);
    expect(plan.keep(object(0, 0, 320, 360), frame)).toBe(false);
  });

  it('names the event from AnalysisParams and the destinations with their keys', async () => {
    const consoleId = randomUUID();
    const keys = await generateEndpointKeyPair(consoleId);
    const plan = analysisPlan(
      mode(
        { AnalysisParams: [{ ParamName: 'EventType', ParamValue: 'Loitering' }] },
        {
          SceneMarkOutputList: [
            {
              SceneMarkOutputEndPoint: {
                EndPointID: consoleId,
                NodeID: '0001',
                Scheme: [{ Protocol: 'MQTT', Authority: 'mqtt://127.0.0.1:1883', QoS: 2 }],
              },
              AppEndPoint: { EndPointID: consoleId, JWK: keys.publicJwk },
              Encryption: { EncryptionOn: true },
            },
            {
              SceneMarkOutputEndPoint: { EndPointID: consoleId, Scheme: [{ Protocol: 'WebRTC' }] },
              Encryption: { EncryptionOn: false },
            },
          ],
        },
      ),
      camera,
    );
    expect(plan.eventType).toBe('Loitering');
    expect(plan.destinations).toEqual([
      expect.objectContaining({
        protocol: 'MQTT',
        qos: 2,
        encryptionOn: true,
        dataPath: `1/${consoleId}/data/0001/0000`,
        publicJwk: keys.publicJwk,
      }),
      expect.objectContaining({
        protocol: 'WebRTC',
        dataPath: `1/${consoleId}/data/0000/0000`,
        encryptionOn: false,
      }),
    ]);
  });
});
