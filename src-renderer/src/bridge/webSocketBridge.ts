import { bridgeSocketPath, type ServerFrame } from '../../../src-shared/contract/bridgeProtocol';
import type { EventChannel } from '../../../src-shared/contract/channels';
import type { Result } from '../../../src-shared/contract/result';
import type { BridgeClient, BridgeState } from './bridgeClient';

type Pending = (result: Result<unknown>) => void;

/** Options of the WebSocket bridge; tests shorten the delays. */
export interface WebSocketBridgeOptions {
  url?: string;
  /** How long an invoke waits for the socket to (re)open before failing. */
  openTimeoutMs?: number;
  maxBackoffMs?: number;
  createSocket?: (url: string) => WebSocket;
}

const unavailable = (message: string): Result<never> => ({
  ok: false,
  error: { code: 'UNAVAILABLE', message },
});

/**
 * The bridge in a browser: the contract over the web shell's WebSocket (same origin, the
 * session cookie authenticates it). Reconnects with capped backoff, resubscribes its channels,
 * and fails pending invokes with UNAVAILABLE instead of leaving them hanging.
 */
export function createWebSocketBridge(options: WebSocketBridgeOptions = {}): BridgeClient {
  const url =
    options.url ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${bridgeSocketPath}`;
  const openTimeoutMs = options.openTimeoutMs ?? 10_000;
  const maxBackoffMs = options.maxBackoffMs ?? 5_000;
  const createSocket = options.createSocket ?? ((target: string) => new WebSocket(target));

  const pending = new Map<number, Pending>();
  const listeners = new Map<EventChannel, Set<(items: unknown[]) => void>>();
  const stateListeners = new Set<(state: BridgeState) => void>();
  const waitingForOpen = new Set<() => void>();
  let state: BridgeState = 'connecting';
  let socket: WebSocket | undefined;
  let nextId = 1;
  let attempt = 0;

  const setState = (next: BridgeState): void => {
    if (state === next) return;
    state = next;
    for (const listener of stateListeners) listener(next);
  };

  const sendFrame = (frame: unknown): void => socket?.send(JSON.stringify(frame));

  const handleFrame = (frame: ServerFrame): void => {
    if (frame.type === 'result') {
      pending.get(frame.id)?.(frame.result);
      pending.delete(frame.id);
    } else if (frame.type === 'events') {
      for (const listener of listeners.get(frame.channel as EventChannel) ?? []) listener(frame.items);
    } else {
      console.error(`console bridge: ${frame.error.message}`);
    }
  };

  const connect = (): void => {
    const current = createSocket(url);
    socket = current;
    current.onopen = () => {
      attempt = 0;
      const channels = [...listeners.keys()];
      if (channels.length > 0) sendFrame({ type: 'subscribe', channels });
      setState('connected');
      for (const resume of [...waitingForOpen]) resume();
    };
    current.onmessage = (message) => {
      if (typeof message.data === 'string') handleFrame(JSON.parse(message.data) as ServerFrame);
    };
    current.onclose = () => {
      if (socket !== current) return;
      for (const settle of pending.values()) settle(unavailable('lost the connection to the console; retry'));
      pending.clear();
      setState('reconnecting');
      attempt += 1;
      const delay = Math.min(maxBackoffMs, 250 * 2 ** Math.min(attempt, 8)) * (0.5 + Math.random() / 2);
      setTimeout(connect, delay);
    };
  };

  const whenOpen = (): Promise<boolean> =>
    new Promise((resolve) => {
      if (socket?.readyState === WebSocket.OPEN) return resolve(true);
      const resume = (): void => {
        clearTimeout(timer);
        waitingForOpen.delete(resume);
        resolve(true);
      };
      const timer = setTimeout(() => {
        waitingForOpen.delete(resume);
        resolve(false);
      }, openTimeoutMs);
      waitingForOpen.add(resume);
    });

  connect();

  return {
    shell: 'web',
    get state() {
      return state;
    },
    async invoke(channel, request) {
      if (!(await whenOpen())) return unavailable('the console is not reachable; is the web shell running?');
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve as Pending);
        sendFrame({ type: 'invoke', id, channel, payload: request });
      });
    },
    on(channel, listener) {
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
        if (socket?.readyState === WebSocket.OPEN) sendFrame({ type: 'subscribe', channels: [channel] });
      }
      const wrapped = listener as (items: unknown[]) => void;
      set.add(wrapped);
      return () => {
        set.delete(wrapped);
        if (set.size === 0) {
          listeners.delete(channel);
          if (socket?.readyState === WebSocket.OPEN) sendFrame({ type: 'unsubscribe', channels: [channel] });
        }
      };
    },
    onStateChange(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
  };
}
