import type { ErrorCode } from '../../../src-shared/contract/result';

/**
 * An expected failure a handler reports to the renderer: the dispatcher turns it into
 * `{ok: false, error: {code, message}}`. Anything else thrown is logged and answered INTERNAL.
 */
export class ContractFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ContractFailure';
  }
}
