import { isInvokeChannel, type InvokeChannel } from '../../../src-shared/contract/channels';
import {
  invokeSchemas,
  type InvokeRequest,
  type InvokeResponse,
} from '../../../src-shared/contract/contractMap';
import { describeSchemaError, fail, ok, type Result } from '../../../src-shared/contract/result';
import { toDisposable, type Disposable } from '../../core/util/disposable';
import type { Logger } from '../../core/util/logger';
import { ContractFailure } from './contractFailure';

/** Who sent a request; transports fill it in so handlers and logs can tell callers apart. */
export interface InvokeContext {
  transport: 'electron' | 'web';
  /** A stable id of the calling window or socket. */
  caller: string;
}

/** Handles one invoke channel with an already validated request. */
export type InvokeHandler<C extends InvokeChannel> = (
  request: InvokeRequest<C>,
  context: InvokeContext,
) => InvokeResponse<C> | Promise<InvokeResponse<C>>;

/** One handler per invoke channel; the mapped type makes a missing channel a compile error. */
export type ContractHandlers = { [C in InvokeChannel]: InvokeHandler<C> };

/**
 * The single entry point of every renderer request, whatever the transport: it refuses
 * unknown channels, validates the payload against the channel's schema (the security
 * boundary), runs the handler and checks its answer, and never lets an exception or a stack
 * trace cross to the page.
 */
export class ContractDispatcher {
  private readonly goneListeners = new Set<(caller: string) => void>();

  constructor(
    private readonly handlers: ContractHandlers,
    private readonly logger: Logger,
  ) {}

  /**
   * Tells services that a caller went away (a closed socket, a reloaded window), so what it
   * held open on main's side, such as a camera session, can be released.
   */
  callerGone(caller: string): void {
    for (const listener of this.goneListeners) listener(caller);
  }

  onCallerGone(listener: (caller: string) => void): Disposable {
    this.goneListeners.add(listener);
    return toDisposable(() => this.goneListeners.delete(listener));
  }

  async dispatch(channel: unknown, payload: unknown, context: InvokeContext): Promise<Result<unknown>> {
    if (!isInvokeChannel(channel)) {
      const shown = typeof channel === 'string' ? channel.slice(0, 100) : typeof channel;
      return fail('UNKNOWN_CHANNEL', `unknown channel: ${shown}`);
    }
    const schemas = invokeSchemas[channel];
    const parsed = schemas.request.safeParse(payload ?? {});
    if (!parsed.success) {
      return fail('INVALID_REQUEST', `${channel}: ${describeSchemaError(parsed.error)}`);
    }
    try {
      const handler = this.handlers[channel] as (request: unknown, context: InvokeContext) => unknown;
      const value = await handler(parsed.data, context);
      const checked = schemas.response.safeParse(value);
      if (!checked.success) {
        this.logger.log(
          'error',
          'contract',
          `${channel} produced an invalid reply: ${describeSchemaError(checked.error, 'reply')}`,
        );
        return fail('INTERNAL', `${channel} failed inside the console; see the diagnostic log`);
      }
      return ok(checked.data);
    } catch (error) {
      if (error instanceof ContractFailure) return fail(error.code, error.message);
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      this.logger.log('error', 'contract', `${channel} failed unexpectedly`, detail);
      return fail('INTERNAL', `${channel} failed inside the console; see the diagnostic log`);
    }
  }
}
