import type { EventChannel, InvokeChannel } from '../../src-shared/contract/channels';
import type { Result } from '../../src-shared/contract/result';
import type { BridgeClient, BridgeState } from '../../src-renderer/src/bridge/bridgeClient';

type Responder = (request: unknown) => Result<unknown>;

/**
 * A bridge for component tests: answers invokes from a table the test sets up, records every
 * call, and lets the test push event batches and state changes as main would.
 */
export class FakeBridge implements BridgeClient {
  readonly shell = 'web' as const;
  state: BridgeState = 'connected';
  readonly calls: Array<{ channel: InvokeChannel; request: unknown }> = [];
  private readonly responders = new Map<InvokeChannel, Responder>();
  private readonly listeners = new Map<EventChannel, Set<(items: unknown[]) => void>>();
  private readonly stateListeners = new Set<(state: BridgeState) => void>();

  respond(channel: InvokeChannel, responder: Responder): this {
    this.responders.set(channel, responder);
    return this;
  }

  invoke = (async (channel: InvokeChannel, request: unknown) => {
    this.calls.push({ channel, request });
    const responder = this.responders.get(channel);
    return responder
      ? responder(request)
      : { ok: false, error: { code: 'UNAVAILABLE', message: `no answer for ${channel}` } };
  }) as BridgeClient['invoke'];

  on = ((channel: EventChannel, listener: (items: unknown[]) => void) => {
    const set = this.listeners.get(channel) ?? new Set();
    this.listeners.set(channel, set);
    set.add(listener);
    return () => set.delete(listener);
  }) as BridgeClient['on'];

  onStateChange(listener: (state: BridgeState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  emit(channel: EventChannel, items: unknown[]): void {
    for (const listener of this.listeners.get(channel) ?? []) listener(items);
  }

  setState(state: BridgeState): void {
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }

  listenerCount(channel: EventChannel): number {
    return this.listeners.get(channel)?.size ?? 0;
  }
}
