import fc from 'fast-check';
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NiceProtocolError } from '../../../../src-main/core/nice/niceProtocolError';
import {
  parseDataSection,
  SceneDataLimitError,
  SceneDataReassembler,
} from '../../../../src-main/core/nice/sceneData';

function sectionsOf(
  file: Buffer,
  count: number,
  overrides: Record<string, unknown> = {},
): Record<string, unknown>[] {
  const size = Math.ceil(file.length / count) || 1;
  const hash = createHash('sha256').update(file).digest('hex');
  return Array.from({ length: count }, (_, i) => ({
    Version: '1.0',
    DataID: 'SDT_dev_0001_0000002a',
    FileType: 'Video',
    FileName: 'clip.mp4',
    Section: i + 1,
    LastSection: count,
    HashMethod: 'SHA256',
    OriginalFileHash: hash,
    SectionBase64: file.subarray(i * size, (i + 1) * size).toString('base64'),
    MediaFormat: 'H264',
    ...overrides,
  }));
}

function caught(run: () => unknown): NiceProtocolError {
  try {
    run();
  } catch (error) {
    if (error instanceof NiceProtocolError) return error;
    throw error;
  }
  throw new Error('no error');
}

describe('parseDataSection', () => {
  it('accepts numbers as text, H264 and SHA-256 spellings', () => {
    const section = parseDataSection(
      JSON.stringify({ ...sectionsOf(Buffer.from('abc'), 1)[0], Section: '1', HashMethod: 'SHA-256' }),
    );
    expect(section).toMatchObject({ Section: 1, MediaFormat: 'H.264', HashMethod: 'SHA256' });
  });
  it.each([
    ['SectionBase64', { SectionBase64: 'not base64!' }],
    ['Section', { Section: 0 }],
    ['Section', { Section: 3, LastSection: 2 }],
    ['HashMethod', { HashMethod: 'MD5' }],
    ['DataID', { DataID: '' }],
  ])('refuses a bad %s', (field, override) => {
    const error = caught(() => parseDataSection({ ...sectionsOf(Buffer.from('abc'), 1)[0], ...override }));
    expect(error.field).toBe(field);
  });
});

describe('SceneDataReassembler', () => {
  it('reassembles sections in any order and checks the SHA-256 (OriginalFileHash)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.nat(),
        (count, size, seed) => {
          const file = randomBytes(Math.max(size, count));
          const sections = sectionsOf(file, count).filter((s) => s.SectionBase64 !== '');
          const order = sections
            .map((s, i) => ({ s, key: (i * 7919 + seed) % 104729 }))
            .sort((a, b) => a.key - b.key);
          const reassembler = new SceneDataReassembler();
          const results = order.map(({ s }) => reassembler.add({ ...s, LastSection: sections.length }));
          const last = results.at(-1);
          return (
            last?.complete === true &&
            Buffer.from(last.file.bytes).equals(
              file.subarray(
                0,
                Buffer.concat(sections.map((s) => Buffer.from(s.SectionBase64 as string, 'base64'))).length,
              ),
            ) &&
            reassembler.bytesHeld === 0
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('returns the file and its metadata', () => {
    const file = randomBytes(3000);
    const reassembler = new SceneDataReassembler();
    const [a, b, c] = sectionsOf(file, 3);
    expect(reassembler.add(c)).toEqual({
      complete: false,
      dataId: 'SDT_dev_0001_0000002a',
      received: 1,
      total: 3,
    });
    expect(reassembler.add(c)).toMatchObject({ complete: false, received: 1 }); // an identical repeat is ignored
    reassembler.add(a);
    const done = reassembler.add(b);
    expect(done.complete && done.file).toMatchObject({
      dataId: 'SDT_dev_0001_0000002a',
      sections: 3,
      fileName: 'clip.mp4',
      mediaFormat: 'H.264',
      sha256: createHash('sha256').update(file).digest('hex'),
    });
  });

  it('accepts the hash as base64 as well as hex', () => {
    const file = randomBytes(100);
    const [only] = sectionsOf(file, 1, {
      OriginalFileHash: createHash('sha256').update(file).digest('base64'),
    });
    expect(new SceneDataReassembler().add(only).complete).toBe(true);
  });

  it('refuses a wrong hash, a missing hash and a malformed hash, naming OriginalFileHash', () => {
    const file = randomBytes(100);
    const wrong = sectionsOf(file, 2, { OriginalFileHash: 'ab'.repeat(32) });
    const reassembler = new SceneDataReassembler();
    reassembler.add(wrong[0]);
    const error = caught(() => reassembler.add(wrong[1]));
    expect(error.field).toBe('OriginalFileHash');
    expect(error.message).toMatch(/does not match/);
    expect(reassembler.pendingIds).toEqual([]);
    const [unhashed] = sectionsOf(file, 1);
    delete unhashed?.OriginalFileHash;
    expect(caught(() => new SceneDataReassembler().add(unhashed)).field).toBe('OriginalFileHash');
    expect(new SceneDataReassembler({ requireHash: false }).add(unhashed).complete).toBe(true);
    expect(caught(() => new SceneDataReassembler().add({ ...unhashed, OriginalFileHash: 'xyz' })).field).toBe(
      'OriginalFileHash',
    );
  });

  it('refuses a repeated section with other data, and metadata that changes between sections', () => {
    const file = randomBytes(300);
    const [a, b] = sectionsOf(file, 3);
    const reassembler = new SceneDataReassembler();
    reassembler.add(a);
    expect(
      caught(() => reassembler.add({ ...a, SectionBase64: (b as { SectionBase64: string }).SectionBase64 }))
        .field,
    ).toBe('Section');
    reassembler.add(a);
    expect(caught(() => reassembler.add({ ...b, LastSection: 4 })).field).toBe('LastSection');
  });

  it('bounds memory: per object, in total and in number of objects', () => {
    const file = randomBytes(4000);
    expect(() => new SceneDataReassembler({ maxObjectBytes: 1000 }).add(sectionsOf(file, 2)[0])).toThrow(
      SceneDataLimitError,
    );
    const total = new SceneDataReassembler({ maxTotalBytes: 3000 });
    total.add(sectionsOf(file, 2)[0]);
    expect(() => total.add(sectionsOf(file, 2, { DataID: 'other' })[0])).toThrow(SceneDataLimitError);
    const count = new SceneDataReassembler({ maxPendingObjects: 1 });
    count.add(sectionsOf(file, 2)[0]);
    expect(() => count.add(sectionsOf(file, 2, { DataID: 'other' })[0])).toThrow(/in progress/);
  });

  it('drops objects idle past the timeout and reports what was received', () => {
    let now = 1_000;
    const reassembler = new SceneDataReassembler({ timeoutMs: 500, now: () => now });
    const file = randomBytes(900);
    const [a, , c] = sectionsOf(file, 3);
    reassembler.add(a);
    now += 400;
    reassembler.add(c);
    expect(reassembler.sweep()).toEqual([]);
    now += 600;
    const [expired] = reassembler.sweep();
    expect(expired).toMatchObject({ dataId: 'SDT_dev_0001_0000002a', received: [1, 3], total: 3 });
    expect(expired?.reason).toMatch(/1 of 3 sections missing/);
    expect(
      Buffer.from(expired?.partial ?? []).equals(Buffer.concat([file.subarray(0, 300), file.subarray(600)])),
    ).toBe(true);
    expect(reassembler.bytesHeld).toBe(0);
  });

  it('never crashes on arbitrary input: a progress or a NiceProtocolError with a field', () => {
    const reassembler = new SceneDataReassembler({ requireHash: false });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.string()), (value) => {
        try {
          reassembler.add(value);
          return true;
        } catch (error) {
          return error instanceof NiceProtocolError && typeof error.field === 'string';
        }
      }),
      { numRuns: 300 },
    );
  });
});
