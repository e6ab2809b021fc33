import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  controlChannelPath,
  controlPath,
  dataPath,
  formatCommandType,
  formatDataChannelLabel,
  formatDestinationId,
  formatDestinationPath,
  formatMqttTopic,
  managementPath,
  parseCommandType,
  parseDataChannelLabel,
  parseDestinationId,
  parseDestinationPath,
  parseMqttTopic,
  responseTopicFor,
  type DestinationId,
  type DestinationPath,
} from '../../../../src-main/core/nice/destinationId';
import { NiceProtocolError } from '../../../../src-main/core/nice/niceProtocolError';

const device = '00000009-60fe-5e15-8002-000000001954';
const app = '00000002-5eab-2e10-8003-000000000007';

describe('Destination ID parsing', () => {
  it.each<[string, DestinationId]>([
    [
      `mqtt://broker1.nicealliance.com/1/${device}/management/WebRTCSignaling`,
      {
        scheme: 'mqtt',
        authority: 'broker1.nicealliance.com',
        path: { kind: 'management', endPointId: device, api: 'WebRTCSignaling' },
      },
    ],
    [
      `mqtts://127.0.0.1:8883/1/${device}/control/0001/GetStatus`,
      {
        scheme: 'mqtts',
        authority: '127.0.0.1:8883',
        path: { kind: 'control', endPointId: device, nodeId: '0001', api: 'GetStatus' },
      },
    ],
    [
      `ws://localhost:9001/1/${device}/data/0001/0000`,
      {
        scheme: 'ws',
        authority: 'localhost:9001',
        path: { kind: 'data', endPointId: device, nodeId: '0001', portId: '0000' },
      },
    ],
    [
      `wss://[::1]:8884/1/${device}/management/GetDeviceStatus`,
      {
        scheme: 'wss',
        authority: '[::1]:8884',
        path: { kind: 'management', endPointId: device, api: 'GetDeviceStatus' },
      },
    ],
    [
      `https://ds.nicealliance.com/1/${app}/data/0002/0001`,
      {
        scheme: 'https',
        authority: 'ds.nicealliance.com',
        path: { kind: 'data', endPointId: app, nodeId: '0002', portId: '0001' },
      },
    ],
    [
      `webrtc:///1/${device}/control`,
      { scheme: 'webrtc', authority: '', path: { kind: 'controlChannel', endPointId: device } },
    ],
    [
      `webrtc:///1/${app}/data/0001/0002`,
      {
        scheme: 'webrtc',
        authority: '',
        path: { kind: 'data', endPointId: app, nodeId: '0001', portId: '0002' },
      },
    ],
    [
      `local:///1/${device}/control/0002/SetSceneMode`,
      {
        scheme: 'local',
        authority: '',
        path: { kind: 'control', endPointId: device, nodeId: '0002', api: 'SetSceneMode' },
      },
    ],
  ])('parses and formats %s', (text, expected) => {
    expect(parseDestinationId(text)).toEqual(expected);
    expect(formatDestinationId(expected)).toBe(text);
  });

  it('parses leniently and emits strictly (case, VERSION 1.0)', () => {
    const id = parseDestinationId(
      `MQTTS://Broker.Example:8883/1.0/${device.toUpperCase()}/control/00AB/GetStatus`,
    );
    expect(formatDestinationId(id)).toBe(`mqtts://broker.example:8883/1/${device}/control/00ab/GetStatus`);
  });

  it.each([
    ['unknown scheme', `ftp://host/1/${device}/management/X`],
    ['no scheme', `/1/${device}/management/X`],
    ['webrtc with authority', `webrtc://host/1/${device}/control`],
    ['mqtt without authority', `mqtt:///1/${device}/management/X`],
    ['user info', `mqtt://user:pw@host/1/${device}/management/X`],
    ['port out of range', `mqtt://host:70000/1/${device}/management/X`],
    ['query', `https://host/1/${device}/management/X?token=abc`],
    ['fragment', `https://host/1/${device}/management/X#f`],
    ['missing path', 'mqtt://host'],
    ['wrong version', `mqtt://host/2/${device}/management/X`],
    ['bad EndPointID', 'mqtt://host/1/not-an-id/management/X'],
    ['unknown interface', `mqtt://host/1/${device}/admin/X`],
    ['management with NodeID', `mqtt://host/1/${device}/management/0001/X`],
    ['control without API', `mqtt://host/1/${device}/control/0001`],
    ['control channel over mqtt', `mqtt://host/1/${device}/control`],
    ['data without PortID', `mqtt://host/1/${device}/data/0001`],
    ['bad NodeID', `mqtt://host/1/${device}/control/01/GetStatus`],
    ['wildcard API', `mqtt://host/1/${device}/management/#`],
    ['trailing slash', `mqtt://host/1/${device}/management/X/`],
    ['double slash', `mqtt://host/1//${device}/management/X`],
    ['not a string', 42],
  ])('refuses %s, naming the field', (_name, text) => {
    expect(() => parseDestinationId(text, 'Scheme.Authority')).toThrow(
      expect.objectContaining({ code: 'MALFORMED', field: 'Scheme.Authority' }),
    );
  });

  it('refuses to format an invalid authority', () => {
    expect(() =>
      formatDestinationId({ scheme: 'mqtt', authority: 'a/b', path: controlChannelPath(device) }),
    ).toThrow(NiceProtocolError);
  });
});

describe('paths, topics, labels and CommandTypes', () => {
  it('formats the management, control and data paths of v0.9 §3', () => {
    expect(formatDestinationPath(managementPath(device, 'GetDeviceStatus'))).toBe(
      `/1/${device}/management/GetDeviceStatus`,
    );
    expect(formatMqttTopic(controlPath(device.toUpperCase(), '0001', 'StartStreaming'))).toBe(
      `1/${device}/control/0001/StartStreaming`,
    );
    expect(formatMqttTopic(dataPath(app, '0001', '0002'))).toBe(`1/${app}/data/0001/0002`);
    expect(parseDestinationPath(`/1/${device}/management/GetDeviceStatus`)).toEqual(
      managementPath(device, 'GetDeviceStatus'),
    );
    expect(() => parseDestinationPath(`1/${device}/management/GetDeviceStatus`)).toThrow(NiceProtocolError);
    expect(() => managementPath(device, 'Bad/Name')).toThrow(expect.objectContaining({ field: 'API' }));
  });

  it('derives DataChannel labels (v0.9 §9.3) and refuses non-channel labels', () => {
    expect(formatDataChannelLabel({ kind: 'controlChannel', endPointId: device })).toBe(
      `1/${device}/control`,
    );
    expect(parseDataChannelLabel(`1/${app}/data/0001/0002`)).toEqual(dataPath(app, '0001', '0002'));
    expect(() => parseDataChannelLabel(`1/${device}/management/X`)).toThrow(
      expect.objectContaining({ field: 'label' }),
    );
  });

  it('parses MQTT topics', () => {
    expect(parseMqttTopic(`1/${device}/management/WebRTCSignaling`)).toEqual(
      managementPath(device, 'WebRTCSignaling'),
    );
    expect(() => parseMqttTopic(`1/${device}/management/+`)).toThrow(
      expect.objectContaining({ field: 'topic' }),
    );
  });

  it('formats and parses CommandTypes (≤128, no scheme, leading slash tolerated)', () => {
    const path = controlPath(device, '0001', 'StartStreaming');
    expect(formatCommandType(path)).toBe(`1/${device}/control/0001/StartStreaming`);
    expect(parseCommandType(`/1.0/${device.toUpperCase()}/control/0001/StartStreaming`)).toEqual(path);
    expect(() => parseCommandType(`1/${device}/control`)).toThrow(
      expect.objectContaining({ field: 'CommandType' }),
    );
    expect(() => formatCommandType(controlChannelPath(device))).toThrow(NiceProtocolError);
    const long = `1/${device}/management/${'A'.repeat(64)}`;
    expect(long.length).toBeLessThanOrEqual(128);
    expect(() => parseCommandType(`1/${device}/management/${'A'.repeat(100)}`)).toThrow(
      expect.objectContaining({ field: 'CommandType' }),
    );
  });

  it('derives response topics from the request (profile: caller id, callee NodeID)', () => {
    expect(
      responseTopicFor({ SourceEndPointID: app, CommandType: `1/${device}/management/GetDeviceStatus` }),
    ).toBe(`1/${app}/management/GetDeviceStatus`);
    expect(
      responseTopicFor({
        SourceEndPointID: app.toUpperCase(),
        CommandType: `1/${device}/control/0002/GetStatus`,
      }),
    ).toBe(`1/${app}/control/0002/GetStatus`);
    expect(() =>
      responseTopicFor({ SourceEndPointID: device, CommandType: `1/${app}/data/0001/0002` }),
    ).toThrow(expect.objectContaining({ field: 'CommandType' }));
  });
});

const hex = (length: number) =>
  fc.integer({ min: 0, max: 16 ** length - 1 }).map((value) => value.toString(16).padStart(length, '0'));
const endPointIdArb = fc.tuple(hex(8), hex(4), hex(4), hex(4), hex(12)).map((parts) => parts.join('-'));
const apiArb = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,20}$/);
const pathArb: fc.Arbitrary<DestinationPath> = fc.oneof(
  fc.record({ kind: fc.constant('management' as const), endPointId: endPointIdArb, api: apiArb }),
  fc.record({
    kind: fc.constant('control' as const),
    endPointId: endPointIdArb,
    nodeId: hex(4),
    api: apiArb,
  }),
  fc.record({
    kind: fc.constant('data' as const),
    endPointId: endPointIdArb,
    nodeId: hex(4),
    portId: hex(4),
  }),
);

function neverCrashes(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    // Plain checks: expect() per run would dominate the suite's time.
    if (!(error instanceof NiceProtocolError) || !error.field) throw error;
  }
}

describe('Destination ID properties', () => {
  it('round-trips generated Destination IDs', () => {
    const idArb = fc.record({
      scheme: fc.constantFrom(
        'mqtt' as const,
        'mqtts' as const,
        'ws' as const,
        'wss' as const,
        'https' as const,
      ),
      authority: fc
        .tuple(fc.domain(), fc.option(fc.integer({ min: 1, max: 65535 })))
        .map(([host, port]) => (port === null ? host : `${host}:${port}`)),
      path: pathArb,
    });
    fc.assert(
      fc.property(idArb, (id) => {
        const text = formatDestinationId(id);
        expect(parseDestinationId(text)).toEqual(id);
      }),
      { numRuns: 200 },
    );
  });

  it('never crashes on random or mutated input', () => {
    const valid = pathArb.map((path) => `mqtt://broker:1883${formatDestinationPath(path)}`);
    const mutated = fc.tuple(valid, fc.nat(), fc.string({ maxLength: 4 })).map(([text, at, insert]) => {
      const index = at % (text.length + 1);
      return text.slice(0, index) + insert + text.slice(index + 1);
    });
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), mutated, fc.jsonValue({ maxDepth: 2 })),
        (input) => {
          neverCrashes(() => parseDestinationId(input));
          neverCrashes(() => parseCommandType(input));
          neverCrashes(() => parseMqttTopic(input));
        },
      ),
      { numRuns: 200 },
    );
  });
});
