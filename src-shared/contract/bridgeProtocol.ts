import { z } from 'zod';
import type { ContractError } from './result';

/**
 * Frames of the web shell's WebSocket transport. The Electron transport needs none of this:
 * ipcRenderer.invoke already correlates replies.
 */
export const ClientFrame = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('invoke'),
    id: z.number().int().nonnegative(),
    channel: z.string().max(100),
    payload: z.unknown(),
  }),
  z.strictObject({
    type: z.literal('subscribe'),
    channels: z.array(z.string().max(100)).max(100),
  }),
  z.strictObject({
    type: z.literal('unsubscribe'),
    channels: z.array(z.string().max(100)).max(100),
  }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/** Frames main sends to a web-shell page. */
export type ServerFrame =
  | { type: 'result'; id: number; result: { ok: true; value: unknown } | { ok: false; error: ContractError } }
  | { type: 'events'; channel: string; items: unknown[] }
  | { type: 'error'; error: ContractError };

/** Path of the WebSocket endpoint under the web shell's origin. */
export const bridgeSocketPath = '/bridge';
