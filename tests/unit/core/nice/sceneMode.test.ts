import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NiceProtocolError } from '../../../../src-main/core/nice/niceProtocolError';
import {
  parseSceneMode,
  parseSceneModeResult,
  sceneMarkDestinations,
} from '../../../../src-main/core/nice/sceneMode';
import { setAt } from '../../../support/jsonPath';

const consoleId = '00000002-5eab-2e3d-8003-000100000001';

/** A SetSceneMode body with one destination per transport (NICE profile, digest §3.5). */
function sceneMode(): Record<string, unknown> {
  return {
    Version: '1.0',
    SceneModeID: '0000000F-0001-0001-0001-000000000001',
    NodeID: '0001',
    Inputs: [{ Type: 'Video', VideoEndPoint: { VideoURI: 'rtsp://cam/stream1' } }],
    Outputs: [
      {
        Type: 'Image',
        PortID: '0002',
        Resolution: { Width: 1920, Height: 1080 },
        DestinationEndPointList: [
          {
            NetEndPoint: {
              APIVersion: '1.0',
              EndPointID: consoleId,
              Scheme: [{ Protocol: 'WebAPI', Authority: 'https://127.0.0.1:8443' }],
            },
          },
        ],
        Encryption: { EncryptionOn: false },
      },
    ],
    Mode: {
      SceneMode: 'Human',
      SceneModeConfig: [
        {
          AnalysisStage: 'Detect',
          AnalysisThreshold: 0.7,
          Filters: { TriggerOnTheseDetectedItems: ['Human'] },
          SceneMarkWindow: 10,
          Scheduling: [{ SchedulingType: 'ScheduledWeekDay', StartTime: '20:00', EndTime: '08:00' }],
        },
      ],
      SceneMarkOutputList: [
        {
          SceneMarkOutputEndPoint: {
            APIVersion: '1.0',
            EndPointID: consoleId,
            NodeID: '0001',
            PortID: '0002',
            Scheme: [{ Protocol: 'MQTT', Authority: 'mqtts://127.0.0.1:8883', QoS: 1 }],
          },
          Encryption: {
            EncryptionOn: true,
            SceneMarkEncryption: { JWEAlg: 'ECDH-ES+A256KW', JWEEnc: 'A256GCM' },
          },
        },
        {
          SceneMarkOutputEndPoint: {
            EndPointID: consoleId,
            Scheme: [{ Protocol: 'WebAPI', Authority: 'https://127.0.0.1:8443', AccessToken: 'jwt' }],
          },
          Encryption: { EncryptionOn: false },
        },
        {
          SceneMarkOutputEndPoint: {
            EndPointID: consoleId,
            PortID: '0003',
            Scheme: [{ Protocol: 'WebRTC' }],
          },
          Encryption: { EncryptionOn: false },
        },
      ],
    },
  };
}

function failure(input: unknown): NiceProtocolError {
  try {
    parseSceneMode(input);
  } catch (error) {
    if (error instanceof NiceProtocolError) return error;
    throw error;
  }
  throw new Error('parseSceneMode accepted the input');
}

describe('parseSceneMode', () => {
  it('validates a SetSceneMode body, with defaults and canonical ids', () => {
    const mode = parseSceneMode(JSON.stringify(sceneMode()));
    expect(mode.SceneModeID).toBe('0000000f-0001-0001-0001-000000000001');
    expect(mode.Mode?.SceneModeConfig[0]?.SceneMarkFrequency).toBe(1);
    expect(mode.Mode?.SceneMarkOutputList).toHaveLength(3);
  });

  it('lists the SceneMark destinations per transport, 0000 when NodeID/PortID are absent', () => {
    expect(sceneMarkDestinations(parseSceneMode(sceneMode()))).toEqual([
      {
        protocol: 'MQTT',
        endPointId: consoleId,
        nodeId: '0001',
        portId: '0002',
        dataPath: `1/${consoleId}/data/0001/0002`,
        authority: 'mqtts://127.0.0.1:8883',
        qos: 1,
        encryptionOn: true,
        frequencySeconds: 1,
      },
      {
        protocol: 'WebAPI',
        endPointId: consoleId,
        nodeId: '0000',
        portId: '0000',
        dataPath: `1/${consoleId}/data/0000/0000`,
        authority: 'https://127.0.0.1:8443',
        accessToken: 'jwt',
        encryptionOn: false,
        frequencySeconds: 1,
      },
      {
        protocol: 'WebRTC',
        endPointId: consoleId,
        nodeId: '0000',
        portId: '0003',
        dataPath: `1/${consoleId}/data/0000/0003`,
        encryptionOn: false,
        frequencySeconds: 1,
      },
    ]);
  });

  it("accepts Scenera's {AppEndPoint, NetEndPoint} outputs, numbers as text and enum spellings", () => {
    const value = sceneMode();
    const mode = value.Mode as Record<string, unknown>;
    mode.SceneMode = 'human';
    mode.SceneModeConfig = [{ AnalysisStage: 'Detected', SceneMarkFrequency: '5', AnalysisThreshold: '0.5' }];
    mode.SceneMarkOutputList = [
      {
        AppEndPoint: { APIVersion: '1.0', EndPointID: consoleId },
        NetEndPoint: {
          EndPointID: consoleId,
          NodeID: 1,
          Scheme: { Protocol: 'mqtt', Authority: 'mqtt://h:1883', QoS: '2' },
        },
        Encryption: { EncryptionOn: false },
      },
    ];
    const parsed = parseSceneMode(value);
    expect(parsed.Mode?.SceneMode).toBe('Human');
    expect(parsed.Mode?.SceneModeConfig[0]).toMatchObject({ AnalysisStage: 'Detect', SceneMarkFrequency: 5 });
    expect(sceneMarkDestinations(parsed)).toEqual([
      expect.objectContaining({ protocol: 'MQTT', qos: 2, nodeId: '0001', frequencySeconds: 5 }),
    ]);
  });

  it('answers: Applied / Rejected', () => {
    expect(
      parseSceneModeResult({
        Version: '1.0',
        NodeID: '1',
        SceneModeID: consoleId,
        Status: 'Rejected',
        Reason: 'busy',
      }),
    ).toMatchObject({ NodeID: '0001', Status: 'Rejected' });
    expect(() =>
      parseSceneModeResult({ Version: '1.0', NodeID: '0001', SceneModeID: consoleId, Status: 'Maybe' }),
    ).toThrow(/Status/);
  });

  const cases: [string, string, unknown, string][] = [
    ['missing SceneModeID', 'SceneModeID', undefined, 'SceneModeID'],
    ['NodeID not hex', 'NodeID', 'node', 'NodeID'],
    [
      'QoS 3',
      'Mode.SceneMarkOutputList.0.SceneMarkOutputEndPoint.Scheme.0.QoS',
      3,
      'Mode.SceneMarkOutputList.0.SceneMarkOutputEndPoint.Scheme.0.QoS',
    ],
    [
      'unknown Protocol',
      'Mode.SceneMarkOutputList.0.SceneMarkOutputEndPoint.Scheme.0.Protocol',
      'CoAP',
      'Mode.SceneMarkOutputList.0.SceneMarkOutputEndPoint.Scheme.0.Protocol',
    ],
    [
      'RSA1_5 refused',
      'Mode.SceneMarkOutputList.0.Encryption',
      { EncryptionOn: true, SceneMarkEncryption: { JWEAlg: 'RSA1_5', JWEEnc: 'A256GCM' } },
      'Mode.SceneMarkOutputList.0.Encryption.SceneMarkEncryption.JWEAlg',
    ],
    [
      'MQTT authority without scheme',
      'Mode.SceneMarkOutputList.0.SceneMarkOutputEndPoint.Scheme.0.Authority',
      'broker:1883',
      'Mode.SceneMarkOutputList.0.SceneMarkOutputEndPoint.Scheme.0.Authority',
    ],
    [
      'SceneMarkFrequency 0',
      'Mode.SceneModeConfig.0.SceneMarkFrequency',
      0,
      'Mode.SceneModeConfig.0.SceneMarkFrequency',
    ],
    [
      'Local-only destination',
      'Mode.SceneMarkOutputList.0.SceneMarkOutputEndPoint.Scheme',
      [{ Protocol: 'Local' }],
      'Mode.SceneMarkOutputList.0.SceneMarkOutputEndPoint.Scheme',
    ],
    [
      'bad schedule time',
      'Mode.SceneModeConfig.0.Scheduling.0.StartTime',
      '25:00',
      'Mode.SceneModeConfig.0.Scheduling.0.StartTime',
    ],
    ['empty SceneModeConfig', 'Mode.SceneModeConfig', [], 'Mode.SceneModeConfig'],
  ];
  it.each(cases)('refuses %s naming the field', (_name, path, replacement, field) => {
    const value = sceneMode();
    setAt(value, path, replacement);
    const error = failure(value);
    expect(error.code).toBe('MALFORMED');
    expect(error.field).toBe(field);
  });

  it('never crashes: arbitrary JSON and mutated SceneModes give a result or a field', () => {
    const contract = (input: unknown): boolean => {
      try {
        parseSceneMode(input);
        return true;
      } catch (error) {
        return (
          error instanceof NiceProtocolError && typeof error.field === 'string' && error.field.length > 0
        );
      }
    };
    fc.assert(
      fc.property(fc.jsonValue(), (value) => contract(value)),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string(), (text) => contract(text)),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 7 }), fc.jsonValue(), (path, replacement) => {
        const value = sceneMode();
        let node: unknown = value;
        for (const [i, choice] of path.entries()) {
          if (node === null || typeof node !== 'object') break;
          const keys = Object.keys(node);
          if (keys.length === 0) break;
          const key = keys[choice % keys.length] as string;
          if (i === path.length - 1) (node as Record<string, unknown>)[key] = replacement;
          else node = (node as Record<string, unknown>)[key];
        }
        return contract(value);
      }),
      { numRuns: 800 },
    );
  });
});
