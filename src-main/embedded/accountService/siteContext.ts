import type { NiceEndpoint } from '../../core/nice/niceEndpoint';
import type { Logger } from '../../core/util/logger';
import type { AccountServiceStore, SiteIdentity } from './accountServiceStore';
import type { DeviceBrokerAccount } from './endpointObjects';
import type { SiteTokens } from './siteTokens';

/** How long the account service waits on devices. */
export interface SiteTiming {
  /** Time limit of one attempt of a call to a device, ms (default 1000). */
  callTimeoutMs: number;
  /** How long Bind and SetControlObject keep resending before giving up, ms (default 10 s). */
  retryWindowMs: number;
}

/** What the parts of the account service share (built once by startAccountService). */
export interface SiteContext {
  identity: SiteIdentity;
  store: AccountServiceStore;
  tokens: SiteTokens;
  /** The AS endpoint on MQTT: calls devices, answers apps. */
  endpoint: NiceEndpoint;
  deviceBroker: DeviceBrokerAccount;
  timing: SiteTiming;
  logger: Logger;
  /** Aborted by close(): background calls stop waiting. */
  signal: AbortSignal;
  /** Tells onDidChange listeners that devices or sessions changed. */
  changed(): void;
  /** Runs work after the current reply, tracked so close() can wait for it. */
  background(name: string, task: () => Promise<void>): void;
}

/** Log source of every line the account service writes. */
export const LOG_SOURCE = 'account-service';

/** Resends that fit `timing.retryWindowMs` at `timing.callTimeoutMs` per attempt. */
export function resendsFor(timing: SiteTiming): number {
  return Math.max(0, Math.ceil(timing.retryWindowMs / timing.callTimeoutMs) - 1);
}

/** A short text for a failure, for logs and session reasons (never a token). */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
