import { describe, expect, it } from 'vitest';
import {
  isCanonicalEndPointId,
  isEndPointId,
  parseEndPointId,
  parseNodeId,
  parsePortId,
  parseVersion,
} from '../../../../src-main/core/nice/endPointId';
import { NiceProtocolError } from '../../../../src-main/core/nice/niceProtocolError';

const device = '00000009-60fe-5e15-8002-000000001954';

describe('EndPointID', () => {
  it('accepts the 8-4-4-4-12 hex shape and emits lowercase', () => {
    expect(parseEndPointId(device)).toBe(device);
    expect(parseEndPointId(device.toUpperCase())).toBe(device);
    expect(isEndPointId('ABCDEF01-2345-6789-ABCD-EF0123456789')).toBe(true);
    expect(isCanonicalEndPointId('ABCDEF01-2345-6789-ABCD-EF0123456789')).toBe(false);
    expect(isCanonicalEndPointId(device)).toBe(true);
  });

  it.each([
    ['too short', '0000009-60fe-5e15-8002-000000001954'],
    ['non-hex', '00000009-60fe-5e15-8002-00010000sd04'],
    ['no dashes', '0000000960fe5e158002000000001954abcd'],
    ['braces', '{00000009-60fe-5e15-8002-000000001954}'],
    ['trailing newline', `${device}\n`],
    ['empty', ''],
  ])('refuses %s, naming the field', (_name, value) => {
    expect(() => parseEndPointId(value, 'SourceEndPointID')).toThrow(
      expect.objectContaining({ code: 'MALFORMED', field: 'SourceEndPointID' }),
    );
  });

  it('refuses non-strings', () => {
    expect(() => parseEndPointId(42)).toThrow(NiceProtocolError);
    expect(isEndPointId(null)).toBe(false);
  });
});

describe('NodeID, PortID and VERSION', () => {
  it('parses four hex digits to lowercase', () => {
    expect(parseNodeId('0001')).toBe('0001');
    expect(parseNodeId('FFFF')).toBe('ffff');
    expect(parsePortId('0000')).toBe('0000');
  });

  it.each(['1', '00001', 'xyz0', '', ' 001'])('refuses NodeID %j', (value) => {
    expect(() => parseNodeId(value)).toThrow(expect.objectContaining({ code: 'MALFORMED', field: 'NodeID' }));
  });

  it('names PortID on a bad port', () => {
    expect(() => parsePortId('g000')).toThrow(expect.objectContaining({ field: 'PortID' }));
  });

  it("accepts '1' and '1.0' and emits '1'", () => {
    expect(parseVersion('1')).toBe('1');
    expect(parseVersion('1.0')).toBe('1');
    expect(() => parseVersion('2')).toThrow(expect.objectContaining({ field: 'VERSION' }));
    expect(() => parseVersion('1.1')).toThrow(NiceProtocolError);
  });
});
