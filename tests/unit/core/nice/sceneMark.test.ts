import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NiceProtocolError } from '../../../../src-main/core/nice/niceProtocolError';
import { parseSceneMark, splitSceneMarkNodeId } from '../../../../src-main/core/nice/sceneMark';
import { setAt } from '../../../support/jsonPath';

const fixtures = join(import.meta.dirname, 'fixtures');
const canonicalBytes = readFileSync(join(fixtures, 'sceneMarkCanonical.json'));
const variantBytes = readFileSync(join(fixtures, 'sceneMarkVariant.json'));
const canonical = (): Record<string, unknown> =>
  JSON.parse(canonicalBytes.toString('utf8')) as Record<string, unknown>;

/** The field of the NiceProtocolError parseSceneMark throws for `input`. */
function failure(input: unknown): NiceProtocolError {
  try {
    parseSceneMark(typeof input === 'string' ? input : JSON.stringify(input));
  } catch (error) {
    if (error instanceof NiceProtocolError) return error;
    throw error;
  }
  throw new Error('parseSceneMark accepted the input');
}

describe('parseSceneMark: canonical SceneMark', () => {
  it('keeps the original bytes and returns the index columns', () => {
    const parsed = parseSceneMark(canonicalBytes);
    expect(parsed.original).toBe(canonicalBytes);
    expect(parsed.normalised).toEqual({
      sceneMarkId: 'SMK_00000013-60ed-9b3e-8002-000000001951_0001_182a2ae4',
      time: Date.UTC(2022, 6, 19, 16, 25, 21, 647),
      deviceId: '00000013-60ed-9b3e-8002-000000001951',
      nodeId: '0001',
      portId: '0001',
      eventType: 'ItemPresence',
      customEventType: null,
      status: 'Active',
      itemTypes: ['Human', 'Vehicle'],
      highestProbability: 0.91,
      version: '1.0',
      objects: [
        {
          itemType: 'Human',
          customItemType: null,
          itemId: null,
          probability: 0.73,
          box: { XCoordinate: 0.1, YCoordinate: 0.3, Width: 0.2, Height: 0.55 },
          analysisIndex: 0,
        },
        {
          itemType: 'Vehicle',
          customItemType: null,
          itemId: null,
          probability: 0.91,
          box: { XCoordinate: 0.5, YCoordinate: 0.5, Width: 0.25, Height: 0.25 },
          analysisIndex: 0,
        },
      ],
      sceneDataIds: [
        'SDT_00000013-60ed-9b3e-8002-000000001951_0001_1b0813e7',
        'SDT_00000013-60ed-9b3e-8002-000000001951_0001_eb907423',
      ],
    });
  });

  it('accepts text input and encodes it once as UTF-8', () => {
    const text = canonicalBytes.toString('utf8');
    expect(Buffer.from(parseSceneMark(text).original).equals(canonicalBytes)).toBe(true);
  });
});

describe('parseSceneMark: variants (digest §6.9) map onto one shape', () => {
  const parsed = parseSceneMark(variantBytes);
  const mark = parsed.sceneMark;
  const [analysis] = mark.AnalysisList;
  const [human, vehicle] = analysis?.DetectedObjects ?? [];

  it('keeps the variant bytes unchanged', () => {
    expect(parsed.original).toBe(variantBytes);
  });
  it('member spellings: Timestamp, NodeId, ProbabilityofAttribute', () => {
    expect(mark.TimeStamp).toBe('2022-07-19T16:25:21.647Z');
    expect(mark.NodeID).toBe('00000013-60ED-9B3E-8002-000000001951_0001');
    expect(human?.Attributes?.[0]?.ProbabilityOfAttribute).toBe(0.8);
    expect(human?.TimeStamp).toBe('2022-07-19T16:25:21.647Z');
  });
  it('enum spellings: H264 → H.264, lowercase, present-tense ProcessingStatus', () => {
    expect(mark.SceneDataList?.[0]?.MediaFormat).toBe('H.264');
    expect(mark.SceneDataList?.[0]?.DataType).toBe('RGBVideo');
    expect(mark.SceneDataList?.[0]?.Status).toBe('Upload in Progress');
    expect(mark.SceneMarkStatus).toBe('Active');
    expect(analysis?.EventType).toBe('ItemPresence');
    expect(analysis?.ProcessingStatus).toBe('Detected');
    expect(human?.NICEItemType).toBe('Human');
  });
  it('numbers as text, Version 1, PortID 1', () => {
    expect(mark.Version).toBe('1.0');
    expect(mark.PortID).toBe('0001');
    expect(human?.Probability).toBe(0.73);
    expect(human?.Frame).toBe(12);
    expect(analysis?.TotalItemCount).toBe(2);
    expect(mark.SceneDataList?.[0]?.Duration).toBe(30);
  });
  it('nesting: single objects as lists, VersionList without VersionControl, DestinationID string', () => {
    expect(mark.AnalysisList).toHaveLength(1);
    expect(mark.SceneDataList).toHaveLength(1);
    expect(mark.VersionControl.VersionList[0]?.DateTimeStamp).toBe('2022-07-19T16:25:21.000Z');
    expect(mark.DestinationID).toEqual(['00000002-5eab-2e3d-8003-000100000001']);
  });
  it('RelatedSceneData string and RelatedSceneDataList both become lists of ids', () => {
    const id = 'SDT_00000013-60ed-9b3e-8002-000000001951_0001_e4041246';
    expect(human?.RelatedSceneData).toEqual([id]);
    expect(vehicle?.RelatedSceneData).toEqual([id]);
    expect(vehicle && 'RelatedSceneDataList' in vehicle).toBe(false);
  });
  it('pixel boxes become normalised with the related SceneData Resolution', () => {
    expect(human?.BoundingBox).toEqual({ XCoordinate: 0.1, YCoordinate: 0.3, Width: 0.2, Height: 0.55 });
  });
  it('vendor members are kept, and the index columns are the same shape', () => {
    expect(mark.DeviceName).toBe('Lobby camera');
    expect(parsed.normalised).toMatchObject({
      deviceId: '00000013-60ed-9b3e-8002-000000001951',
      nodeId: '0001',
      portId: '0001',
      itemTypes: ['Human', 'Vehicle'],
      highestProbability: 0.91,
      time: Date.UTC(2022, 6, 19, 16, 25, 21, 647),
    });
  });
  it('missing optional containers: an Analysis without DetectedObjects has none', () => {
    const value = canonical();
    const list = value.AnalysisList as Record<string, unknown>[];
    delete list[0]?.DetectedObjects;
    delete value.SceneDataList;
    delete value.ThumbnailList;
    const result = parseSceneMark(JSON.stringify(value));
    expect(result.sceneMark.AnalysisList[0]?.DetectedObjects).toEqual([]);
    expect(result.normalised).toMatchObject({ itemTypes: [], highestProbability: null, sceneDataIds: [] });
  });
  it('a caller-given frame size converts pixel boxes when the SceneMark has no Resolution', () => {
    const value = canonical();
    delete value.SceneDataList;
    const objects = (value.AnalysisList as { DetectedObjects: { BoundingBox: unknown }[] }[])[0]
      ?.DetectedObjects;
    if (objects?.[0]) objects[0].BoundingBox = { XCoordinate: 64, YCoordinate: 0, Width: 320, Height: 360 };
    const result = parseSceneMark(JSON.stringify(value), { frameSize: { width: 640, height: 360 } });
    expect(result.normalised.objects[0]?.box).toEqual({
      XCoordinate: 0.1,
      YCoordinate: 0,
      Width: 0.5,
      Height: 1,
    });
  });
  it('splits composite NodeIDs', () => {
    expect(splitSceneMarkNodeId('0002')).toEqual({ deviceId: null, nodeId: '0002' });
    expect(splitSceneMarkNodeId('00000013-60ed-9b3e-8002-000000001951')).toEqual({
      deviceId: '00000013-60ed-9b3e-8002-000000001951',
      nodeId: '0000',
    });
    expect(splitSceneMarkNodeId('bridge-7_000A')).toEqual({ deviceId: 'bridge-7', nodeId: '000a' });
  });
});

describe('parseSceneMark: errors name the field', () => {
  it.each([
    'Version',
    'TimeStamp',
    'SceneMarkID',
    'SceneMarkStatus',
    'NodeID',
    'VersionControl',
    'AnalysisList',
  ])('missing required %s', (member) => {
    const value = canonical();
    setAt(value, member, undefined);
    const error = failure(value);
    expect(error.code).toBe('MALFORMED');
    expect(error.field).toBe(member);
  });

  const cases: [string, [string, unknown][], string][] = [
    ['unknown SceneMarkStatus', [['SceneMarkStatus', 'Pending']], 'SceneMarkStatus'],
    ['Version 2.0', [['Version', '2.0']], 'Version'],
    ['impossible TimeStamp', [['TimeStamp', '2022-02-30T00:00:00.000Z']], 'TimeStamp'],
    ['empty VersionList', [['VersionControl', { VersionList: [] }]], 'VersionControl.VersionList'],
    ['PortID not hex', [['PortID', 'port-2']], 'PortID'],
    [
      'unknown NICEItemType',
      [['AnalysisList.0.DetectedObjects.0.NICEItemType', 'Robot']],
      'AnalysisList.0.DetectedObjects.0.NICEItemType',
    ],
    ['unknown EventType', [['AnalysisList.0.EventType', 'Party']], 'AnalysisList.0.EventType'],
    [
      'probability above 1',
      [['AnalysisList.0.DetectedObjects.1.Probability', 91]],
      'AnalysisList.0.DetectedObjects.1.Probability',
    ],
    [
      'box wider than the frame',
      [
        [
          'AnalysisList.0.DetectedObjects.1.BoundingBox',
          { XCoordinate: 0.9, YCoordinate: 0, Width: 0.5, Height: 0.5 },
        ],
      ],
      'AnalysisList.0.DetectedObjects.1.BoundingBox.Width',
    ],
    [
      'pixel box with no Resolution known',
      [
        ['SceneDataList', undefined],
        [
          'AnalysisList.0.DetectedObjects.0.BoundingBox',
          { XCoordinate: 10, YCoordinate: 30, Width: 20, Height: 55 },
        ],
      ],
      'AnalysisList.0.DetectedObjects.0.BoundingBox.XCoordinate',
    ],
    ['AnalysisList not a list', [['AnalysisList', 'none']], 'AnalysisList'],
    [
      'SceneData MediaFormat unknown',
      [['SceneDataList.0.MediaFormat', 'GIF89']],
      'SceneDataList.0.MediaFormat',
    ],
  ];
  it.each(cases)('%s', (_name, changes, field) => {
    const value = canonical();
    for (const [path, replacement] of changes) setAt(value, path, replacement);
    const error = failure(value);
    expect(error.code).toBe('MALFORMED');
    expect(error.field).toBe(field);
    expect(error.message).toContain(field);
  });

  it('not JSON, not an object, not UTF-8, too large: the root field', () => {
    expect(failure('{"Version":').field).toBe('$');
    expect(failure('[1,2]').field).toBe('$');
    expect(failure('null').field).toBe('$');
    expect(() => parseSceneMark(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow(/UTF-8/);
    expect(() => parseSceneMark(canonicalBytes, { maxBytes: 100 })).toThrow(/above the limit/);
  });

  it('a __proto__ member stays plain data', () => {
    const text = canonicalBytes.toString('utf8').replace('{', '{"__proto__": {"polluted": true},');
    const parsed = parseSceneMark(text);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(parsed.sceneMark)).toBe(Object.prototype);
  });
});

/** Runs parseSceneMark and checks the contract: a result, or a NiceProtocolError with a field. */
function holdsContract(input: string | Uint8Array): boolean {
  try {
    const parsed = parseSceneMark(input);
    return typeof parsed.normalised.time === 'number' && parsed.original.byteLength >= 0;
  } catch (error) {
    return (
      error instanceof NiceProtocolError &&
      error.code === 'MALFORMED' &&
      typeof error.field === 'string' &&
      error.field.length > 0
    );
  }
}

/** Replaces the value at a random path of `value` (objects and arrays) with `replacement`. */
function mutateAt(value: unknown, choices: number[], replacement: unknown): unknown {
  if (choices.length === 0 || value === null || typeof value !== 'object') return replacement;
  const [choice = 0, ...rest] = choices;
  if (Array.isArray(value)) {
    if (value.length === 0) return replacement;
    const index = choice % value.length;
    return value.map((item, i) => (i === index ? mutateAt(item, rest, replacement) : item));
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return replacement;
  const key = keys[choice % keys.length] as string;
  return {
    ...(value as Record<string, unknown>),
    [key]: mutateAt((value as Record<string, unknown>)[key], rest, replacement),
  };
}

describe('parseSceneMark: properties', () => {
  it('never crashes on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => holdsContract(JSON.stringify(value))),
      { numRuns: 500 },
    );
  });

  it('never crashes on arbitrary bytes and strings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => holdsContract(bytes)),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string(), (text) => holdsContract(text)),
      { numRuns: 300 },
    );
  });

  it('mutated fixtures (any member replaced by any JSON, or deleted) give a result or a field', () => {
    const fixturesList = [canonical(), JSON.parse(variantBytes.toString('utf8')) as unknown];
    fc.assert(
      fc.property(
        fc.constantFrom(...fixturesList),
        fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        fc.oneof(fc.jsonValue(), fc.constant(undefined)),
        (fixture, path, replacement) => holdsContract(JSON.stringify(mutateAt(fixture, path, replacement))),
      ),
      { numRuns: 1500 },
    );
  });

  it('truncated fixture bytes give a result or a field', () => {
    fc.assert(
      fc.property(fc.nat({ max: variantBytes.length }), (cut) =>
        holdsContract(variantBytes.subarray(0, cut)),
      ),
      { numRuns: 200 },
    );
  });
});
