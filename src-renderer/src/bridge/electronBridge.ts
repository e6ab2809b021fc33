import type { EventChannel, InvokeChannel } from '../../../src-shared/contract/channels';
import type { BridgeClient } from './bridgeClient';

/** What src-main/preload/preload.ts exposes as `window.niceConsole`. */
export interface PreloadApi {
  invoke(channel: InvokeChannel, payload: unknown): Promise<unknown>;
  on(channel: EventChannel, listener: (items: unknown[]) => void): () => void;
}

declare global {
  interface Window {
    niceConsole?: PreloadApi;
  }
}

/** The bridge inside Electron: IPC through the sandboxed preload, always connected. */
export function createElectronBridge(api: PreloadApi): BridgeClient {
  return {
    shell: 'electron',
    state: 'connected',
    invoke: (channel, request) => api.invoke(channel, request) as never,
    on: (channel, listener) => api.on(channel, listener as (items: unknown[]) => void),
    onStateChange: () => () => undefined,
  };
}
