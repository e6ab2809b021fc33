import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSceneMarkObject } from '../../../../bench/support/sceneMarkGenerator';
import { NiceProtocolError } from '../../../../src-main/core/nice/niceProtocolError';
import {
  canonicalDateTime,
  parseCanonicalDateTime,
  parseLenientDateTime,
} from '../../../../src-main/core/nice/niceTime';
import {
  parseSceneMark,
  splitSceneMarkNodeId,
  validateSceneMark,
  validateSceneMarkExactly,
  type NormalisedSceneMark,
  type SceneMark,
} from '../../../../src-main/core/nice/sceneMark';
import { fastSceneMark } from '../../../../src-main/core/nice/sceneMarkFastPath';

/*
 * The fast path (sceneMarkFastPath.ts) must give exactly what the exact path (variant mapping +
 * zod) gives, member order included, and give up on everything else so errors stay the exact
 * path's.
 */

const fixtures = join(import.meta.dirname, 'fixtures');
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as unknown;

type Outcome = { value: unknown } | { error: [string, string | undefined, string] };

function outcome(run: () => unknown): Outcome {
  try {
    return { value: run() };
  } catch (error) {
    if (error instanceof NiceProtocolError) return { error: [error.code, error.field, error.message] };
    throw error;
  }
}

/** Both paths agree: equal results (member order and signed zeros too) or the same error. */
function expectSamePaths(value: unknown, frameSize?: { width: number; height: number }): Outcome {
  const exact = outcome(() => validateSceneMarkExactly(value, { frameSize }));
  const fast = outcome(() => validateSceneMark(value, { frameSize }));
  expect(fast).toStrictEqual(exact);
  expect(JSON.stringify(fast)).toBe(JSON.stringify(exact));
  expectSameStructure(fast, exact);
  return exact;
}

/** Same prototypes and the same member order everywhere (toStrictEqual checks neither). */
function expectSameStructure(actual: unknown, expected: unknown): void {
  if (expected === null || typeof expected !== 'object') return;
  expect(Object.getPrototypeOf(actual)).toBe(Object.getPrototypeOf(expected));
  const keys = Object.keys(expected);
  expect(Object.keys(actual as object)).toEqual(keys);
  for (const key of keys)
    expectSameStructure((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key]);
}

// ---------------------------------------------------------------------------------------------
// Generated valid SceneMarks: optional members present or not, any key order, vendor members,
// and (in the variant flavour) per-value spellings the fast path maps itself.

const canonicalTime = fc
  .date({ min: new Date('0100-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z') })
  .filter((date) => !Number.isNaN(date.getTime()))
  .map((date) => date.toISOString());

/**
 * Accepted non-canonical spellings of a date-time (digest §6.8), after 1970: earlier ones are
 * kept as written, so a padded one would be refused.
 */
const timeVariant = fc
  .tuple(
    fc
      .date({ min: new Date(0), max: new Date('9999-12-31T23:59:59.999Z') })
      .filter((date) => !Number.isNaN(date.getTime()))
      .map((date) => date.toISOString()),
    fc.integer({ min: 0, max: 6 }),
  )
  .map(([time, form]) => {
    const base = time.slice(0, 19);
    const millis = time.slice(20, 23);
    switch (form) {
      case 0:
        return `${base}Z`;
      case 1:
        return `${base}.${millis}`;
      case 2:
        return `${base}:${millis}123`;
      case 3:
        return `${base.replace('T', ' ')}.${millis}z`;
      case 4:
        return `${base}.${millis}456+02:00`;
      case 5:
        return ` ${time} `;
      default:
        return `${base}.${millis.slice(0, 1)}-0130`;
    }
  });

interface Flavour {
  time: fc.Arbitrary<string>;
  /** A number, or in the variant flavour sometimes the same number as text. */
  number: (value: fc.Arbitrary<number>) => fc.Arbitrary<number | string>;
  /** An enumeration value, or in the variant flavour sometimes another spelling. */
  spelling: (values: readonly string[]) => fc.Arbitrary<string>;
}

const canonicalFlavour: Flavour = {
  time: canonicalTime,
  number: (value) => value,
  spelling: (values) => fc.constantFrom(...values),
};
const variantFlavour: Flavour = {
  time: fc.oneof(canonicalTime, timeVariant),
  number: (value) =>
    fc.oneof(
      value,
      value.map((n) => String(n)),
    ),
  spelling: (values) =>
    fc
      .tuple(fc.constantFrom(...values), fc.boolean())
      .map(([value, lower]) => (lower ? value.toLowerCase() : value)),
};

const identifier = fc.string({ minLength: 1, maxLength: 12 });
const text = fc.string({ maxLength: 12 });
const unit = fc.double({ min: 0, max: 1, noNaN: true });
const vendor = fc.dictionary(fc.constantFrom('Vendor', 'DeviceName', 'x-extra', '7'), fc.jsonValue(), {
  maxKeys: 2,
});

/** A record of the given members, the optional ones present or not, plus vendor members. */
function record(
  members: Record<string, fc.Arbitrary<unknown>>,
  required: readonly string[],
): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(fc.record(members, { requiredKeys: required as string[] }), vendor, fc.boolean())
    .map(([value, extra, withVendor]) => (withVendor ? { ...extra, ...value } : value));
}

function sceneMarkArbitrary(f: Flavour): fc.Arbitrary<Record<string, unknown>> {
  const box = fc
    .tuple(unit, unit, unit, unit)
    .map(([x, y, w, h]) => ({ XCoordinate: x, YCoordinate: y, Width: w * (1 - x), Height: h * (1 - y) }));
  const attribute = record(
    {
      VersionNumber: f.number(fc.constantFrom(1, 1.5, 0)),
      Attribute: text,
      Value: fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null)),
      ProbabilityOfAttribute: f.number(unit),
      AlgorithmID: text,
    },
    [],
  );
  const detectedObject = record(
    {
      NICEItemType: f.spelling(['Human', 'Vehicle', 'Face', 'TextLogoQRCode', 'Bag']),
      CustomItemType: text,
      ItemID: fc.oneof(text, fc.nat()),
      ItemTypeCount: f.number(fc.nat(5)),
      Probability: f.number(unit),
      Frame: f.number(fc.nat(1000)),
      TimeStamp: f.time,
      DirectionalMovement: record({ ID: identifier, URI: text }, ['ID']),
      Attributes: fc.array(attribute, { maxLength: 2 }),
      BoundingBox: box,
      RelatedSceneData: fc.oneof(fc.array(identifier, { maxLength: 2 }), identifier),
      ThumbnailSceneDataID: identifier,
      VersionNumber: f.number(fc.constantFrom(1, 2)),
    },
    ['NICEItemType'],
  );
  const analysis = record(
    {
      VersionNumber: f.number(fc.constantFrom(1, 1.1)),
      AnalysisID: fc.oneof(text, fc.constant(null)),
      EventType: f.spelling(['ItemPresence', 'Loitering', 'RevIntrustion', 'Custom']),
      CustomEventType: text,
      SceneMode: text,
      CustomAnalysisID: text,
      AnalysisDescription: text,
      ProcessingStatus: f.spelling(['Detected', 'Undetected', 'Failed']),
      ErrorMessage: text,
      TotalItemCount: f.number(fc.nat(9)),
      DetectedObjects: fc.oneof(fc.array(detectedObject, { maxLength: 3 }), fc.constant(null)),
    },
    [],
  );
  const sceneData = record(
    {
      VersionNumber: f.number(fc.constantFrom(1, 2)),
      SceneDataID: identifier,
      TimeStamp: f.time,
      SourceNodeID: text,
      SourceNodeDescription: text,
      Duration: f.number(fc.double({ min: 0, max: 100, noNaN: true })),
      DataType: f.spelling(['Thumbnail', 'RGBVideo', 'RGBStill']),
      Status: f.spelling(['Available at Provided URI', 'Upload in Progress']),
      MediaFormat: f.spelling(['JPEG', 'H.264', 'H.265']),
      Encryption: record({ EncryptionOn: fc.boolean(), SceneEncryptionKeyID: text }, ['EncryptionOn']),
      Resolution: record(
        {
          Width: f.number(fc.integer({ min: 1, max: 4096 })),
          Height: f.number(fc.integer({ min: 1, max: 4096 })),
        },
        ['Width', 'Height'],
      ),
      SceneDataURI: text,
      EmbeddedSceneData: fc.string(),
    },
    ['SceneDataID'],
  );
  const link = (id: string) =>
    record({ VersionNumber: f.number(fc.constantFrom(1, 2)), [id]: identifier }, [id]);
  const versionEntry = record(
    {
      VersionNumber: f.number(fc.constantFrom(1, 2.5)),
      DateTimeStamp: f.time,
      NodeID: identifier,
      Server: text,
    },
    ['VersionNumber', 'NodeID'],
  );
  return record(
    {
      Version: fc.constantFrom('1.0', '1.1', '1.25'),
      TimeStamp: f.time,
      SceneMarkID: identifier,
      DestinationID: fc.oneof(fc.array(identifier, { maxLength: 2 }), identifier),
      SceneMarkStatus: f.spelling(['Active', 'Processed', 'Removed']),
      NodeID: identifier,
      PortID: fc.constantFrom('0001', '00af', 'ffff'),
      NotificationMessage: text,
      VersionControl: record(
        { DataPipelineInstanceID: text, VersionList: fc.array(versionEntry, { minLength: 1, maxLength: 2 }) },
        ['VersionList'],
      ),
      ThumbnailList: fc.oneof(fc.array(link('SceneDataID'), { maxLength: 2 }), fc.constant(null)),
      AnalysisList: fc.array(analysis, { maxLength: 2 }),
      ParentSceneMarks: fc.array(link('SceneMarkID'), { maxLength: 2 }),
      ChildSceneMarks: fc.oneof(fc.array(link('SceneMarkID'), { maxLength: 2 }), fc.constant(null)),
      SceneDataList: fc.oneof(fc.array(sceneData, { maxLength: 2 }), fc.constant(null)),
      SceneModeConfig: fc.array(fc.jsonValue(), { maxLength: 2 }),
    },
    ['Version', 'TimeStamp', 'SceneMarkID', 'SceneMarkStatus', 'NodeID', 'VersionControl', 'AnalysisList'],
  );
}

/** The same value with the keys of every object in another order (seeded). */
function reorderKeys(value: unknown, seed: number): unknown {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const entries = Object.entries(node).map(([key, member]) => [key, walk(member)] as const);
    for (let i = entries.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [entries[i], entries[j]] = [
        entries[j] as (typeof entries)[number],
        entries[i] as (typeof entries)[number],
      ];
    }
    return Object.fromEntries(entries);
  };
  return walk(value);
}

const canonicalMarks = fc
  .tuple(sceneMarkArbitrary(canonicalFlavour), fc.integer())
  .map(([value, seed]) => reorderKeys(value, seed));
const variantMarks = fc
  .tuple(sceneMarkArbitrary(variantFlavour), fc.integer())
  .map(([value, seed]) => reorderKeys(value, seed));

describe('fast path: equivalence with the exact path on valid SceneMarks', () => {
  it('takes every benchmark-generator SceneMark and gives the exact result', () => {
    for (let index = 0; index < 300; index++) {
      const value = JSON.parse(JSON.stringify(generateSceneMarkObject(index * 7919))) as unknown;
      expect(fastSceneMark(value)).toBeDefined();
      expect('value' in expectSamePaths(value)).toBe(true);
    }
  });

  it('takes the canonical fixture; the variant fixture gives the exact result', () => {
    const canonical = fixture('sceneMarkCanonical.json');
    expect(fastSceneMark(canonical)).toBeDefined();
    expectSamePaths(canonical);
    expectSamePaths(fixture('sceneMarkVariant.json'));
  });

  it('canonical spellings, any members, any key order: taken, deep-equal', () => {
    fc.assert(
      fc.property(canonicalMarks, (value) => {
        expect(fastSceneMark(value)).toBeDefined();
        expect('value' in expectSamePaths(value)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('numbers as text, other enum spellings, other date-time forms: deep-equal', () => {
    fc.assert(
      fc.property(variantMarks, (value) => {
        expect('value' in expectSamePaths(value)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('parseSceneMark gives the exact result and the same index columns', () => {
    fc.assert(
      fc.property(variantMarks, (value) => {
        const text = JSON.stringify(value);
        const parsed = parseSceneMark(text);
        const exact = validateSceneMarkExactly(JSON.parse(text));
        expect(parsed.sceneMark).toStrictEqual(exact);
        expect(parsed.normalised).toStrictEqual(referenceNormalise(exact));
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Corrupted SceneMarks: the fast path gives up, the errors are the exact path's.

/** Changes the member at a random path: replaced, deleted, renamed to a variant, or __proto__ added. */
function corrupt(value: unknown, choices: number[], action: number, replacement: unknown): unknown {
  if (value === null || typeof value !== 'object') return replacement;
  const [choice = 0, ...rest] = choices;
  if (Array.isArray(value)) {
    if (value.length === 0) return replacement;
    const index = choice % value.length;
    return value.map((item, i) => (i === index ? corrupt(item, rest, action, replacement) : item));
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return replacement;
  const index = choice % entries.length;
  const [key, member] = entries[index] as [string, unknown];
  if (rest.length > 0 && member !== null && typeof member === 'object') {
    entries[index] = [key, corrupt(member, rest, action, replacement)];
    return Object.fromEntries(entries);
  }
  switch (action % 5) {
    case 0:
      entries.splice(index, 1);
      break;
    case 1:
      entries[index] = [key.toLowerCase(), member];
      break;
    case 2:
      entries.push(['__proto__', { polluted: true }]);
      break;
    default:
      entries[index] = [key, replacement];
  }
  return Object.fromEntries(entries);
}

const badValue = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(-1, 1.5, 2, Infinity, -0, 0.5, '', 'x'.repeat(300), '1e400', ' 7 ', null, [], {}, true),
  fc.constantFrom('2026-02-30T00:00:00.000Z', '2026-13-01T00:00:00.000Z', '0050-01-01T00:00:00.000Z'),
  fc.constantFrom('1969-12-31T23:59:59.999Z', '2026-01-01T24:00:00.000Z', '2026-01-01t00:00:00.000Z'),
);

describe('fast path: corrupted SceneMarks give the exact path’s result or error', () => {
  it('any member replaced, deleted, renamed or polluted', () => {
    fc.assert(
      fc.property(
        fc.oneof(canonicalMarks, variantMarks),
        fc.array(fc.nat(), { minLength: 1, maxLength: 7 }),
        fc.nat(),
        badValue,
        (value, path, action, replacement) => {
          expectSamePaths(corrupt(value, path, action, replacement));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('generator SceneMarks corrupted, with and without a frame size', () => {
    fc.assert(
      fc.property(
        fc.nat(100_000),
        fc.array(fc.nat(), { minLength: 1, maxLength: 7 }),
        fc.nat(),
        badValue,
        fc.boolean(),
        (index, path, action, replacement, withSize) => {
          const value = JSON.parse(JSON.stringify(generateSceneMarkObject(index))) as unknown;
          const size = withSize ? { width: 640, height: 360 } : undefined;
          expectSamePaths(corrupt(value, path, action, replacement), size);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('pixel boxes and non-objects', () => {
    const value = JSON.parse(JSON.stringify(generateSceneMarkObject(3))) as {
      AnalysisList: { DetectedObjects: { BoundingBox: unknown }[] }[];
    };
    const object = value.AnalysisList[0]?.DetectedObjects[0];
    if (object) object.BoundingBox = { XCoordinate: 32, YCoordinate: 18, Width: 64, Height: 90 };
    expect(fastSceneMark(value)).toBeUndefined();
    expectSamePaths(value);
    expectSamePaths(value, { width: 640, height: 360 });
    for (const other of [null, [], 'SceneMark', 7]) expectSamePaths(other);
  });

  it('boxes beyond the frame', () => {
    const value = JSON.parse(JSON.stringify(generateSceneMarkObject(3))) as {
      AnalysisList: { DetectedObjects: { BoundingBox: Record<string, number> }[] }[];
    };
    const box = value.AnalysisList[0]?.DetectedObjects[0]?.BoundingBox;
    if (!box) throw new Error('generator SceneMark 3 has no box');
    for (const [x, width, y, height] of [
      [0.6, 0.5, 0, 0.1],
      [0, 0.1, 0.7, 0.4],
      [0.5, 0.5 + 1e-7, 0, 1],
      [0.5, 0.5 + 1e-5, 0, 1],
    ] as const) {
      Object.assign(box, { XCoordinate: x, Width: width, YCoordinate: y, Height: height });
      expectSamePaths(value);
    }
  });

  it('numbers out of range, not integers, or as odd text', () => {
    const paths = [
      ['AnalysisList', 0, 'TotalItemCount'],
      ['AnalysisList', 0, 'VersionNumber'],
      ['AnalysisList', 0, 'DetectedObjects', 0, 'ItemTypeCount'],
      ['AnalysisList', 0, 'DetectedObjects', 0, 'Probability'],
      ['SceneDataList', 0, 'Resolution', 'Width'],
      ['SceneDataList', 0, 'VersionNumber'],
      ['VersionControl', 'VersionList', 0, 'VersionNumber'],
      ['ThumbnailList', 0, 'VersionNumber'],
    ];
    for (const path of paths) {
      for (const replacement of [1.5, '2.5', -1, '-0', 0, 2 ** 53, '1e400', ' 3 ', '0x10', true]) {
        const value = JSON.parse(JSON.stringify(generateSceneMarkObject(1))) as Record<string, unknown>;
        let node: Record<string | number, unknown> = value;
        for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
        node[path.at(-1) as string | number] = replacement;
        expectSamePaths(value);
      }
    }
  });

  it('members whose value is undefined (an already parsed value, not JSON)', () => {
    const paths = [
      ['PortID'],
      ['Version'],
      ['AnalysisList', 0, 'DetectedObjects'],
      ['AnalysisList', 0, 'DetectedObjects', 0, 'Probability'],
      ['SceneDataList', 0, 'Resolution', 'Width'],
      ['VersionControl', 'VersionList', 0, 'DateTimeStamp'],
    ];
    for (const path of paths) {
      const value = JSON.parse(JSON.stringify(generateSceneMarkObject(1))) as Record<string, unknown>;
      let node: Record<string | number, unknown> = value;
      for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
      node[path.at(-1) as string | number] = undefined;
      expectSamePaths(value);
    }
  });

  it('a __proto__ member stays plain data', () => {
    const text = JSON.stringify(generateSceneMarkObject(5)).replace('{', '{"__proto__":{"polluted":true},');
    const value = JSON.parse(text) as unknown;
    expect(Object.getPrototypeOf(validateSceneMark(value))).toBe(Object.prototype);
    expectSamePaths(value);
  });
});

// ---------------------------------------------------------------------------------------------
// Date-times: the regex-free reading of the canonical form agrees with the lenient reading.

/** The lenient reading as it was before the canonical shortcut (the oracle). */
function referenceLenient(value: string): number | null {
  const match =
    /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.:](\d{1,9}))?(Z|z|[+-]\d{2}:?\d{2})?$/.exec(
      value,
    );
  if (!match) return null;
  const [y, mo, d, h, mi, s] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const fraction = match[7];
  const check = new Date(0);
  check.setUTCFullYear(y, mo - 1, d);
  check.setUTCHours(h, mi, s, fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return null;
  const zone = match[8];
  let time = check.getTime();
  if (zone && zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
    if (offset > 14 * 60) return null;
    time -= (zone.startsWith('-') ? -1 : 1) * offset * 60_000;
  }
  return time;
}

function referenceCanonical(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const time = referenceLenient(value.trim());
  if (time === null || time < 0 || time > 253402300799999) return value;
  return new Date(time).toISOString();
}

const digits = (count: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...'0123456789'), { minLength: count, maxLength: count }).map((d) => d.join(''));
/** Text in the canonical shape, the fields anything (impossible dates included). */
const canonicalShaped = fc
  .tuple(digits(4), digits(2), digits(2), digits(2), digits(2), digits(2), digits(3))
  .map(([y, mo, d, h, mi, s, ms]) => `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
const plausible = fc
  .tuple(
    fc.integer({ min: 0, max: 9999 }),
    fc.integer({ min: 0, max: 13 }),
    fc.integer({ min: 0, max: 32 }),
    fc.integer({ min: 0, max: 24 }),
    fc.integer({ min: 0, max: 60 }),
    fc.integer({ min: 0, max: 60 }),
    fc.integer({ min: 0, max: 999 }),
  )
  .map(([y, mo, d, h, mi, s, ms]) => {
    const two = (n: number): string => String(n).padStart(2, '0');
    return `${String(y).padStart(4, '0')}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(s)}.${String(ms).padStart(3, '0')}Z`;
  });

describe('date-times: canonical shortcut', () => {
  it('reads canonical-shaped text as the lenient reading did, and keeps it as its canonical form', () => {
    fc.assert(
      fc.property(fc.oneof(canonicalShaped, plausible, canonicalTime, timeVariant, fc.string()), (value) => {
        expect(parseLenientDateTime(value)).toBe(referenceLenient(value));
        expect(canonicalDateTime(value)).toBe(referenceCanonical(value));
        const fast = parseCanonicalDateTime(value);
        if (fast !== undefined) expect(fast).toBe(referenceLenient(value));
      }),
      { numRuns: 3000 },
    );
  });

  it('leap years and month ends', () => {
    expect(parseCanonicalDateTime('2024-02-29T00:00:00.000Z')).toBe(Date.UTC(2024, 1, 29));
    expect(parseCanonicalDateTime('2100-02-29T00:00:00.000Z')).toBeNull();
    expect(parseCanonicalDateTime('2000-02-29T23:59:59.999Z')).toBe(Date.UTC(2000, 1, 29, 23, 59, 59, 999));
    expect(parseCanonicalDateTime('2026-04-31T00:00:00.000Z')).toBeNull();
    expect(parseCanonicalDateTime('0099-01-01T00:00:00.000Z')).toBeUndefined();
    expect(parseCanonicalDateTime('2026-01-01T00:00:00Z')).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Index columns: the loop version gives what the former flatMap version gave.

function referenceNormalise(sceneMark: SceneMark): NormalisedSceneMark {
  const objects = sceneMark.AnalysisList.flatMap((analysis, analysisIndex) =>
    analysis.DetectedObjects.map((object) => ({
      itemType: object.NICEItemType,
      customItemType: object.CustomItemType || null,
      itemId: object.ItemID || null,
      probability: object.Probability ?? null,
      box: object.BoundingBox
        ? {
            XCoordinate: object.BoundingBox.XCoordinate,
            YCoordinate: object.BoundingBox.YCoordinate,
            Width: object.BoundingBox.Width,
            Height: object.BoundingBox.Height,
          }
        : null,
      analysisIndex,
    })),
  );
  const probabilities = objects.flatMap((object) =>
    object.probability === null ? [] : [object.probability],
  );
  const withEvent = sceneMark.AnalysisList.find((analysis) => analysis.EventType !== undefined);
  const { deviceId, nodeId } = splitSceneMarkNodeId(sceneMark.NodeID);
  return {
    sceneMarkId: sceneMark.SceneMarkID,
    time: referenceLenient(sceneMark.TimeStamp) ?? 0,
    deviceId,
    nodeId,
    portId: sceneMark.PortID ?? null,
    eventType: withEvent?.EventType ?? null,
    customEventType: withEvent?.CustomEventType || null,
    status: sceneMark.SceneMarkStatus,
    itemTypes: [...new Set(objects.map((object) => object.itemType))],
    highestProbability: probabilities.length > 0 ? Math.max(...probabilities) : null,
    version: sceneMark.Version,
    objects,
    sceneDataIds: (sceneMark.SceneDataList ?? []).map((item) => item.SceneDataID),
  };
}
