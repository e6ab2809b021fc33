import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBridge } from '../../../src-renderer/src/bridge/bridge';

describe('createBridge', () => {
  afterEach(() => {
    delete window.niceConsole;
    vi.unstubAllGlobals();
  });

  it('uses the preload API inside Electron and forwards invokes to it', async () => {
    const invoke = vi.fn(async () => ({ ok: true, value: 'pong' }));
    window.niceConsole = { invoke, on: () => () => undefined };
    const bridge = createBridge();
    expect(bridge.shell).toBe('electron');
    await expect(bridge.invoke('app:getInfo', {})).resolves.toEqual({ ok: true, value: 'pong' });
    expect(invoke).toHaveBeenCalledWith('app:getInfo', {});
  });

  it('opens the web shell socket on the page origin otherwise', () => {
    const urls: string[] = [];
    vi.stubGlobal(
      'WebSocket',
      class {
        static readonly OPEN = 1;
        readyState = 0;
        constructor(url: string) {
          urls.push(url);
        }
      },
    );
    const bridge = createBridge();
    expect(bridge.shell).toBe('web');
    expect(urls).toEqual([`ws://${location.host}/bridge`]);
  });
});
