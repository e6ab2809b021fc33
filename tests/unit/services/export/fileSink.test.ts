import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSink, SinkRejectedError } from '../../../../src-main/services/export/fileSink';
import { releaseBuffer } from '../../../../src-main/services/export/releaseBuffer';
import { tempDir } from './exportFixture';

let dir: string;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

beforeEach(() => {
  dir = tempDir('nice-sink-');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('FileSink', () => {
  it('writes copied and handed-over chunks in order, with the SHA-256 of the file', () => {
    const path = join(dir, 'out.bin');
    const sink = new FileSink(path);
    const expected: Buffer[] = [];
    const reused = Buffer.alloc(300);
    for (let i = 0; i < 200; i += 1) {
      reused.fill(i % 251);
      sink.write(reused.subarray(0, 1 + (i % 300)));
      expected.push(Buffer.from(reused.subarray(0, 1 + (i % 300))));
      if (i % 20 === 0) {
        const large = randomBytes(300_000 + i * 1000);
        expected.push(Buffer.from(large));
        sink.writeOwned(large);
      }
    }
    const big = randomBytes(3 << 20);
    expected.push(big);
    sink.write(big);
    const whole = Buffer.concat(expected);
    expect(sink.bytes).toBe(whole.length);
    const outcome = sink.finish();
    sink.close();
    const written = readFileSync(path);
    expect(written.equals(whole)).toBe(true);
    expect(outcome).toEqual({
      bytes: whole.length,
      sha256: createHash('sha256').update(whole).digest('hex'),
    });
  });

  it('checks plain CSV batches on its thread and starts over when one needs quotes', () => {
    const path = join(dir, 'out.csv');
    const sink = new FileSink(path);
    const plain = Buffer.from('a,b,c\r\n'.repeat(50_000));
    sink.write(Buffer.from('x,y,z\r\n'));
    sink.writeOwned(Buffer.from(plain), { rows: 50_000, fields: 3 });
    sink.writeOwned(Buffer.from('a,"b",c\r\n'), { rows: 1, fields: 3 });
    sink.writeOwned(Buffer.from('a,b,c\r\n'), { rows: 1, fields: 3 });
    expect(() => sink.drain()).toThrow(SinkRejectedError);
    sink.restart();
    expect(sink.bytes).toBe(0);
    sink.write(Buffer.from('x,y,z\r\n'));
    sink.writeOwned(Buffer.from('a,"b,1",c\r\n'));
    sink.writeOwned(Buffer.from('1,2,3\r\n'), { rows: 1, fields: 3 });
    sink.drain();
    const outcome = sink.finish();
    const expected = 'x,y,z\r\na,"b,1",c\r\n1,2,3\r\n';
    expect(readFileSync(path, 'utf8')).toBe(expected);
    expect(outcome).toEqual({ bytes: expected.length, sha256: sha256(expected) });
    for (const bad of ['a,b\r\n', 'a,b,c,d\r\n', 'a,b,c\n', 'a,b\r,c\r\n']) {
      const other = new FileSink(join(dir, 'bad.csv'));
      other.writeOwned(Buffer.from(bad), { rows: 1, fields: 3 });
      expect(() => other.drain()).toThrow(SinkRejectedError);
      other.close();
    }
  });

  it('writes an empty file', () => {
    const path = join(dir, 'empty');
    const sink = new FileSink(path);
    expect(sink.finish()).toEqual({ bytes: 0, sha256: createHash('sha256').digest('hex') });
    expect(readFileSync(path)).toHaveLength(0);
  });

  it('reports a full disk with its code', () => {
    if (!existsSync('/dev/full')) return;
    const sink = new FileSink('/dev/full');
    const attempt = () => {
      for (let i = 0; i < 64; i += 1) sink.write(Buffer.alloc(1 << 20, 1));
      sink.finish();
    };
    try {
      expect(attempt).toThrow(expect.objectContaining({ code: 'ENOSPC' }) as Error);
    } finally {
      sink.close();
    }
  });

  it('stops and closes without finishing, so the partial file can be removed', () => {
    const path = join(dir, 'partial');
    const sink = new FileSink(path);
    sink.write(Buffer.alloc(5 << 20, 7));
    sink.close();
    sink.close();
    rmSync(path);
    expect(existsSync(path)).toBe(false);
  });

  it('fails at once when the file cannot be created', () => {
    expect(() => new FileSink(join(dir, 'missing', 'out'))).toThrow(
      expect.objectContaining({ code: 'ENOENT' }) as Error,
    );
  });
});

describe('releaseBuffer', () => {
  it('empties a Buffer that owns its memory and leaves shared ones alone', () => {
    const owned = Buffer.alloc(1 << 16, 1);
    releaseBuffer(owned);
    expect(owned.length).toBe(0);
    const pooled = Buffer.from('small');
    releaseBuffer(pooled);
    expect(pooled.toString()).toBe('small');
    const view = Buffer.alloc(1 << 16).subarray(10);
    releaseBuffer(view);
    expect(view.length).toBe((1 << 16) - 10);
  });
});
