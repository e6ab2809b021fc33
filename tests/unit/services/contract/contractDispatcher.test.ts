import { describe, expect, it } from 'vitest';
import {
  ContractDispatcher,
  type ContractHandlers,
} from '../../../../src-main/services/contract/contractDispatcher';
import { ContractFailure } from '../../../../src-main/services/contract/contractFailure';
import { DiagnosticLog } from '../../../../src-main/services/diagnostics/diagnosticLog';
import { invokeChannels } from '../../../../src-shared/contract/channels';
import { defaultSettings } from '../../../../src-shared/contract/settingsContract';

const context = { transport: 'web' as const, caller: 'test' };

/** A handler for every channel, failing loudly: the tests override the few they call. */
function unusedHere(): ContractHandlers {
  return Object.fromEntries(
    invokeChannels.map((channel) => [
      channel,
      () => {
        throw new Error(`${channel} is not used in this test`);
      },
    ]),
  ) as unknown as ContractHandlers;
}

function makeDispatcher(overrides: Partial<ContractHandlers> = {}) {
  const log = new DiagnosticLog({ minLevel: 'debug' });
  const handlers: ContractHandlers = {
    ...unusedHere(),
    'app:getInfo': () => ({
      name: 'NICE Console',
      version: '0.0.0',
      shell: 'web',
      dataDir: '/tmp/x',
      databaseFile: ':memory:',
      schemaVersion: 1,
      runtime: 'Node',
      platform: 'linux x64',
      startedAt: new Date(0).toISOString(),
    }),
    'settings:getSettings': () => defaultSettings,
    'settings:updateSettings': (patch) => ({ ...defaultSettings, ...patch }),
    'diagnostics:listEntries': (request) => log.list(request.limit, request.minLevel),
    ...overrides,
  };
  return { dispatcher: new ContractDispatcher(handlers, log), log };
}

describe('ContractDispatcher', () => {
  it('refuses an unknown channel by name', async () => {
    const { dispatcher } = makeDispatcher();
    const result = await dispatcher.dispatch('db:execute', { sql: 'DROP TABLE settings' }, context);
    expect(result).toEqual({
      ok: false,
      error: { code: 'UNKNOWN_CHANNEL', message: 'unknown channel: db:execute' },
    });
  });

  it('refuses a non-string channel', async () => {
    const { dispatcher } = makeDispatcher();
    const result = await dispatcher.dispatch(42, {}, context);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.error).toEqual({ code: 'UNKNOWN_CHANNEL', message: 'unknown channel: number' });
  });

  it('names the field that failed validation', async () => {
    const { dispatcher } = makeDispatcher();
    const result = await dispatcher.dispatch('settings:updateSettings', { theme: 'purple' }, context);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('INVALID_REQUEST');
      expect(result.error.message).toMatch(/^settings:updateSettings: theme: /);
    }
  });

  it('refuses unknown members', async () => {
    const { dispatcher } = makeDispatcher();
    const result = await dispatcher.dispatch(
      'settings:updateSettings',
      { theme: 'light', sql: 'x' },
      context,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toContain('sql');
  });

  it('refuses a payload of the wrong type', async () => {
    const { dispatcher } = makeDispatcher();
    const result = await dispatcher.dispatch('diagnostics:listEntries', 'all of them', context);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('INVALID_REQUEST');
  });

  it('applies schema defaults before the handler runs', async () => {
    const { dispatcher, log } = makeDispatcher();
    for (let i = 0; i < 250; i += 1) log.log('info', 'test', `entry ${i}`);
    const result = await dispatcher.dispatch('diagnostics:listEntries', {}, context);
    expect(result.ok && (result.value as { entries: unknown[] }).entries).toHaveLength(200);
  });

  it('turns a ContractFailure into its code and message', async () => {
    const { dispatcher } = makeDispatcher({
      'settings:getSettings': () => {
        throw new ContractFailure('UNAVAILABLE', 'database is locked');
      },
    });
    expect(await dispatcher.dispatch('settings:getSettings', {}, context)).toEqual({
      ok: false,
      error: { code: 'UNAVAILABLE', message: 'database is locked' },
    });
  });

  it('hides unexpected exceptions behind INTERNAL and keeps the stack out of the reply', async () => {
    const { dispatcher, log } = makeDispatcher({
      'settings:getSettings': () => {
        throw new TypeError('secret internals at /home/op/.nice-console');
      },
    });
    const result = await dispatcher.dispatch('settings:getSettings', {}, context);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('INTERNAL');
      expect(result.error.message).not.toContain('secret internals');
    }
    const logged = log
      .list(10)
      .entries.map((entry) => entry.message)
      .join('\n');
    expect(logged).toContain('settings:getSettings failed unexpectedly');
    expect(logged).not.toContain('TypeError');
  });

  it('refuses a reply that breaks its own schema', async () => {
    const { dispatcher } = makeDispatcher({
      'settings:getSettings': () => ({ ...defaultSettings, password: 'hunter2' }) as never,
    });
    const result = await dispatcher.dispatch('settings:getSettings', {}, context);
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });
});
