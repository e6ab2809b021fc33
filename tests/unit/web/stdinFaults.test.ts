import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { applyFaultsFromStdin } from '../../../src-main/web/stdinFaults';

describe('applyFaultsFromStdin', () => {
  it('applies each fault line and names what is wrong with a bad one', async () => {
    const input = new PassThrough();
    const applied: Array<[number, unknown]> = [];
    const reports: string[] = [];
    const close = applyFaultsFromStdin(
      input,
      (camera, fault) => applied.push([camera, fault]),
      (message) => reports.push(message),
    );
    input.write('{"camera": 2, "fault": {"kind": "vanish"}}\n');
    input.write('\n{"camera": -1, "fault": {"kind": "clear"}}\n');
    input.write('{"camera": 0}\nnot json\n');
    input.end();
    await new Promise((resolve) => input.on('end', resolve));
    await new Promise((resolve) => setImmediate(resolve));
    close();
    expect(applied).toEqual([[2, { kind: 'vanish' }]]);
    expect(reports).toEqual([
      expect.stringMatching(/^fault line: camera: /),
      expect.stringMatching(/^fault line: fault: /),
      'fault line: not valid JSON: not json',
    ]);
  });
});
