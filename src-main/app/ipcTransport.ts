import { BrowserWindow, ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { invokeChannels } from '../../src-shared/contract/channels';
import { fail } from '../../src-shared/contract/result';
import { toDisposable, type Disposable } from '../core/util/disposable';
import type { Logger } from '../core/util/logger';
import type { ContractDispatcher } from '../services/contract/contractDispatcher';
import type { EventBatcher } from '../services/contract/eventBatcher';
import type { RendererLocation } from './rendererLocation';

/**
 * Carries the contract over Electron IPC: a thin adapter over the dispatcher that first checks
 * that the sender is the main frame of our own page, then forwards event batches to windows.
 */
export function registerIpcTransport(
  dispatcher: ContractDispatcher,
  events: EventBatcher,
  location: RendererLocation,
  logger: Logger,
): Disposable {
  const isTrusted = (event: IpcMainInvokeEvent): boolean => {
    const frame = event.senderFrame;
    return frame !== null && frame.parent === null && location.isOwnUrl(frame.url);
  };

  // A reloaded or closed page leaves what it opened on main's side (camera sessions) behind.
  const watched = new Set<number>();
  const watchSender = (sender: WebContents, caller: string): void => {
    if (watched.has(sender.id)) return;
    watched.add(sender.id);
    sender.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument) dispatcher.callerGone(caller);
    });
    sender.once('destroyed', () => {
      watched.delete(sender.id);
      dispatcher.callerGone(caller);
    });
  };
  for (const channel of invokeChannels) {
    ipcMain.handle(channel, (event, payload: unknown) => {
      if (!isTrusted(event)) {
        logger.log(
          'warn',
          'security',
          `refused ${channel} from ${event.senderFrame?.url ?? 'a destroyed frame'}`,
        );
        return fail('INVALID_REQUEST', 'sender is not the console page');
      }
      const caller = `window:${event.sender.id}`;
      watchSender(event.sender, caller);
      return dispatcher.dispatch(channel, payload, { transport: 'electron', caller });
    });
  }

  const subscription = events.subscribe((channel, items) => {
    for (const window of BrowserWindow.getAllWindows()) {
      if (!window.isDestroyed()) window.webContents.send(channel, items);
    }
  });

  return toDisposable(() => {
    subscription.dispose();
    for (const channel of invokeChannels) ipcMain.removeHandler(channel);
  });
}
