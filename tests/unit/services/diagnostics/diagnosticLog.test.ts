import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../../../src-shared/contract/diagnosticsContract';
import { DiagnosticLog } from '../../../../src-main/services/diagnostics/diagnosticLog';

const clock = () => new Date('2024-05-06T07:08:09.000Z');

describe('DiagnosticLog', () => {
  it('keeps nothing below its minimum level, and follows a change of level', () => {
    const log = new DiagnosticLog({ minLevel: 'warn', now: clock });
    log.log('debug', 'test', 'd1');
    log.log('info', 'test', 'i1');
    log.log('warn', 'test', 'w1');
    log.log('error', 'test', 'e1');
    expect(log.list(100).entries.map((entry) => entry.message)).toEqual(['w1', 'e1']);

    log.setMinLevel('debug');
    log.log('debug', 'test', 'd2');
    expect(log.list(100).entries.map((entry) => entry.message)).toEqual(['w1', 'e1', 'd2']);
  });

  it('defaults to info', () => {
    const log = new DiagnosticLog();
    log.log('debug', 'test', 'hidden');
    log.log('info', 'test', 'shown');
    expect(log.list(100).entries.map((entry) => entry.message)).toEqual(['shown']);
  });

  it('numbers and stamps entries', () => {
    const log = new DiagnosticLog({ now: clock });
    log.log('info', 'web-shell', 'one');
    log.log('info', 'web-shell', 'two');
    expect(log.list(10).entries).toEqual([
      { seq: 1, time: '2024-05-06T07:08:09.000Z', level: 'info', source: 'web-shell', message: 'one' },
      { seq: 2, time: '2024-05-06T07:08:09.000Z', level: 'info', source: 'web-shell', message: 'two' },
    ]);
  });

  it('lists the newest entries oldest first, filtered by level', () => {
    const log = new DiagnosticLog({ minLevel: 'debug' });
    for (let i = 1; i <= 10; i += 1) log.log(i % 2 === 0 ? 'warn' : 'debug', 'test', `m${i}`);
    expect(log.list(3).entries.map((entry) => entry.message)).toEqual(['m8', 'm9', 'm10']);
    expect(log.list(3, 'warn').entries.map((entry) => entry.message)).toEqual(['m6', 'm8', 'm10']);
    expect(log.list(100, 'error').entries).toEqual([]);
  });

  it('holds at most its capacity, drops the oldest and counts what it dropped', () => {
    const log = new DiagnosticLog({ capacity: 5 });
    for (let i = 1; i <= 12; i += 1) log.log('info', 'test', `m${i}`);
    const { entries, discarded } = log.list(100);
    expect(entries.map((entry) => entry.seq)).toEqual([8, 9, 10, 11, 12]);
    expect(discarded).toBe(7);
  });

  it('does not count filtered-out entries as discarded', () => {
    const log = new DiagnosticLog({ capacity: 2, minLevel: 'error' });
    for (let i = 0; i < 10; i += 1) log.log('info', 'test', 'noise');
    expect(log.list(10)).toEqual({ entries: [], discarded: 0 });
  });

  it('gives the detail to sinks only, never to list()', () => {
    const log = new DiagnosticLog({ now: clock });
    const received: [LogEntry, string | undefined][] = [];
    const remove = log.addSink((entry, detail) => received.push([entry, detail]));
    const stack = 'TypeError: boom\n    at secret (/home/operator/.nice-console/key.ts:1:1)';
    log.log('error', 'contract', 'settings:getSettings failed unexpectedly', stack);

    expect(received).toEqual([
      [
        {
          seq: 1,
          time: '2024-05-06T07:08:09.000Z',
          level: 'error',
          source: 'contract',
          message: 'settings:getSettings failed unexpectedly',
        },
        stack,
      ],
    ]);
    const listed = log.list(10);
    expect(JSON.stringify(listed)).not.toContain('boom');
    expect(JSON.stringify(listed)).not.toContain('/home/operator');
    expect(Object.keys(listed.entries[0] ?? {}).sort()).toEqual([
      'level',
      'message',
      'seq',
      'source',
      'time',
    ]);

    remove();
    log.log('error', 'contract', 'after removal');
    expect(received).toHaveLength(1);
  });

  it('does not hand filtered-out entries to sinks', () => {
    const log = new DiagnosticLog({ minLevel: 'warn' });
    const received: string[] = [];
    log.addSink((entry) => received.push(entry.message));
    log.log('info', 'test', 'quiet');
    log.log('warn', 'test', 'loud');
    expect(received).toEqual(['loud']);
  });
});
