import type { ShellKind } from '../../../src-shared/contract/appContract';
import type { EventChannel, InvokeChannel } from '../../../src-shared/contract/channels';
import type {
  EventPayload,
  InvokeRequestInput,
  InvokeResponse,
} from '../../../src-shared/contract/contractMap';
import type { Result } from '../../../src-shared/contract/result';

/** Whether the page can reach main right now. */
export type BridgeState = 'connecting' | 'connected' | 'reconnecting';

/**
 * The only way the renderer talks to main. Stores call it; components never do. The Electron
 * preload and the web shell's WebSocket both implement it, and nothing above can tell which.
 */
export interface BridgeClient {
  readonly shell: ShellKind;
  readonly state: BridgeState;
  invoke<C extends InvokeChannel>(
    channel: C,
    request: InvokeRequestInput<C>,
  ): Promise<Result<InvokeResponse<C>>>;
  /** Receives each batch of `channel`; returns the unsubscribe function. */
  on<C extends EventChannel>(channel: C, listener: (items: EventPayload<C>[]) => void): () => void;
  /** Called on every state change (a reconnect means: fetch your state again). */
  onStateChange(listener: (state: BridgeState) => void): () => void;
}
