import type { WebSocket } from 'ws';
import { ClientFrame, type ServerFrame } from '../../src-shared/contract/bridgeProtocol';
import { isEventChannel, type EventChannel } from '../../src-shared/contract/channels';
import { describeSchemaError } from '../../src-shared/contract/result';
import type { Logger } from '../core/util/logger';
import type { ContractDispatcher } from '../services/contract/contractDispatcher';
import type { EventBatcher } from '../services/contract/eventBatcher';

/** Bytes queued on one socket beyond which event batches are skipped rather than buffered. */
const maxBufferedBytes = 16 * 1024 * 1024;

/**
 * Carries the contract over one authenticated WebSocket: invokes go to the dispatcher, event
 * batches of subscribed channels come back. A malformed frame gets an error frame naming what
 * was wrong and the socket stays open; nothing a page sends can throw out of here.
 */
export function serveBridgeSocket(
  socket: WebSocket,
  caller: string,
  dispatcher: ContractDispatcher,
  events: EventBatcher,
  logger: Logger,
): void {
  const subscribed = new Set<EventChannel>();
  let skippedBatches = 0;
  const send = (frame: ServerFrame): void => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
  };
  const sendError = (message: string): void =>
    send({ type: 'error', error: { code: 'INVALID_REQUEST', message } });

  const subscription = events.subscribe((channel, items) => {
    if (!subscribed.has(channel)) return;
    if (socket.bufferedAmount > maxBufferedBytes) {
      skippedBatches += 1;
      if (skippedBatches === 1 || skippedBatches % 100 === 0) {
        logger.log('warn', 'web-shell', `${caller} is not reading; skipped ${skippedBatches} event batches`);
      }
      return;
    }
    send({ type: 'events', channel, items: [...items] });
  });

  socket.on('message', (data, isBinary) => {
    if (isBinary) return sendError('frame: binary frames are not accepted; send JSON text');
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString());
    } catch {
      return sendError('frame: not valid JSON');
    }
    const parsed = ClientFrame.safeParse(raw);
    if (!parsed.success) return sendError(describeSchemaError(parsed.error, 'frame'));
    const frame = parsed.data;
    if (frame.type === 'invoke') {
      void dispatcher
        .dispatch(frame.channel, frame.payload, { transport: 'web', caller })
        .then((result) => send({ type: 'result', id: frame.id, result }));
      return;
    }
    const unknown = frame.channels.filter((channel) => !isEventChannel(channel));
    if (unknown.length > 0) return sendError(`channels: unknown event channel ${unknown.join(', ')}`);
    for (const channel of frame.channels as EventChannel[]) {
      if (frame.type === 'subscribe') subscribed.add(channel);
      else subscribed.delete(channel);
    }
  });

  socket.on('close', (code) => {
    subscription.dispose();
    logger.log('info', 'web-shell', `${caller} disconnected (${code})`);
    dispatcher.callerGone(caller);
  });
  socket.on('error', (error) => logger.log('warn', 'web-shell', `${caller} socket error: ${error.message}`));
}
