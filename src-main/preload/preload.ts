import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { eventChannels, invokeChannels } from '../../src-shared/contract/channels';

// Sandboxed preload: the page gets exactly invoke and on for listed channels, never ipcRenderer
// nor the raw IPC event.
const invokable = new Set<string>(invokeChannels);
const subscribable = new Set<string>(eventChannels);

contextBridge.exposeInMainWorld('niceConsole', {
  invoke(channel: string, payload: unknown): Promise<unknown> {
    if (!invokable.has(channel)) {
      return Promise.resolve({
        ok: false,
        error: { code: 'UNKNOWN_CHANNEL', message: `unknown channel: ${channel}` },
      });
    }
    return ipcRenderer.invoke(channel, payload);
  },
  on(channel: string, listener: (items: unknown[]) => void): () => void {
    if (!subscribable.has(channel)) throw new Error(`unknown event channel: ${channel}`);
    const forward = (_event: IpcRendererEvent, items: unknown[]): void => listener(items);
    ipcRenderer.on(channel, forward);
    return () => {
      ipcRenderer.removeListener(channel, forward);
    };
  },
});
