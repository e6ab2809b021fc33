import type { BridgeClient } from './bridgeClient';
import { createElectronBridge } from './electronBridge';
import { createWebSocketBridge } from './webSocketBridge';

let installed: BridgeClient | undefined;

/** Picks the transport by itself: the preload's API inside Electron, the WebSocket otherwise. */
export function createBridge(): BridgeClient {
  return window.niceConsole ? createElectronBridge(window.niceConsole) : createWebSocketBridge();
}

/** Makes `bridge` the one stores use (main.ts at start, tests with their own). */
export function installBridge(bridge: BridgeClient): void {
  installed = bridge;
}

/** The bridge stores talk to main through. */
export function useBridge(): BridgeClient {
  if (!installed) throw new Error('console bridge used before installBridge()');
  return installed;
}
