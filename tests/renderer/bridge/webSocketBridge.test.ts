import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWebSocketBridge } from '../../../src-renderer/src/bridge/webSocketBridge';

/** Stands in for the browser WebSocket so reconnects can be driven step by step. */
class ScriptedSocket {
  static readonly OPEN = 1;
  readyState = 0;
  readonly sent: unknown[] = [];
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onmessage: ((message: { data: unknown }) => void) | null = null;
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.();
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.();
  }
  receive(frame: unknown): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

describe('createWebSocketBridge', () => {
  let sockets: ScriptedSocket[];
  const latest = (): ScriptedSocket => sockets.at(-1) as ScriptedSocket;

  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', ScriptedSocket);
    sockets = [];
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  const create = () =>
    createWebSocketBridge({
      url: 'ws://127.0.0.1:1/bridge',
      openTimeoutMs: 1000,
      createSocket: () => {
        const socket = new ScriptedSocket();
        sockets.push(socket);
        return socket as unknown as WebSocket;
      },
    });

  it('sends an invoke once open and resolves with the matching result', async () => {
    const bridge = create();
    const reply = bridge.invoke('settings:getSettings', {});
    latest().open();
    await vi.waitFor(() => expect(latest().sent).toHaveLength(1));
    const frame = latest().sent[0] as { id: number; channel: string };
    expect(frame).toMatchObject({ type: 'invoke', channel: 'settings:getSettings', payload: {} });
    latest().receive({ type: 'result', id: frame.id, result: { ok: true, value: { theme: 'dark' } } });
    await expect(reply).resolves.toEqual({ ok: true, value: { theme: 'dark' } });
  });

  it('fails pending invokes with UNAVAILABLE when the socket drops, then reconnects and resubscribes', async () => {
    const bridge = create();
    const states: string[] = [];
    bridge.onStateChange((state) => states.push(state));
    const batches: unknown[][] = [];
    bridge.on('diagnostics:logged', (items) => batches.push(items));
    latest().open();
    expect(latest().sent).toContainEqual({ type: 'subscribe', channels: ['diagnostics:logged'] });

    const reply = bridge.invoke('app:getInfo', {});
    await vi.waitFor(() => expect(latest().sent).toHaveLength(2));
    latest().drop();
    await expect(reply).resolves.toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    expect(bridge.state).toBe('reconnecting');

    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets).toHaveLength(2);
    latest().open();
    expect(latest().sent).toContainEqual({ type: 'subscribe', channels: ['diagnostics:logged'] });
    latest().receive({ type: 'events', channel: 'diagnostics:logged', items: [{ seq: 1 }] });
    expect(batches).toEqual([[{ seq: 1 }]]);
    expect(states).toEqual(['connected', 'reconnecting', 'connected']);
  });

  it('gives up an invoke with UNAVAILABLE when the socket never opens', async () => {
    const bridge = create();
    const reply = bridge.invoke('app:getInfo', {});
    await vi.advanceTimersByTimeAsync(1001);
    await expect(reply).resolves.toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
  });

  it('unsubscribes from main when the last listener goes', () => {
    const bridge = create();
    latest().open();
    const release = bridge.on('settings:changed', () => undefined);
    release();
    expect(latest().sent).toEqual([
      { type: 'subscribe', channels: ['settings:changed'] },
      { type: 'unsubscribe', channels: ['settings:changed'] },
    ]);
  });
});
