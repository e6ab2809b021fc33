import type { Result } from '../../../../src-shared/contract/result';
import type { classifyChannelLabel } from './cameraPeerConnection';

/** What happened to the messages the device sent on a session's DataChannels. */
export interface CameraSessionDataCounters {
  /** Messages main took (`sessions:deliverData` answered ok). */
  delivered: number;
  /** Messages main refused or that could not be sent (too large, empty, not text). */
  failed: number;
  /** Messages not sent because too many deliveries were still waiting for main. */
  dropped: number;
  /** Messages on the control channel: the device's answers to main's commands, passed to main. */
  controlMessages: number;
  /** Messages on channels whose label is neither the control nor a data path. */
  otherMessages: number;
  lastFailure: string | null;
}

/** Counters of a session that has received nothing yet. */
export function emptyDataCounters(): CameraSessionDataCounters {
  return { delivered: 0, failed: 0, dropped: 0, controlMessages: 0, otherMessages: 0, lastFailure: null };
}

/** Deliveries that may wait for main at once per session before new messages are dropped. */
export const maxInFlightDeliveries = 256;
/** The contract's limit on one `sessions:deliverData` text. */
const maxDeliveryChars = 4 * 1024 * 1024;

type ChannelKind = ReturnType<typeof classifyChannelLabel>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function textOf(data: unknown): string | undefined {
  try {
    if (typeof data === 'string') return data;
    if (data instanceof ArrayBuffer) return utf8.decode(data);
    if (ArrayBuffer.isView(data)) return utf8.decode(data);
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * Passes every message the device sends on a data DataChannel to main, verbatim, without
 * waiting for the previous one (profile: data over a DataChannel is a CMF request, never
 * answered), and the device's answers on the control DataChannel, which main is waiting for. Nothing is dropped silently: refusals, undecodable messages and messages shed
 * while main lags are counted, the last one is kept in words, and each label warns once.
 * Counters change per message, so the view reads them through `takeCounters()` on a timer.
 */
export class CameraDataForwarder {
  private readonly counters = emptyDataCounters();
  private dirty = false;
  private inFlight = 0;
  private stopped = false;
  private readonly warned = new Set<string>();

  constructor(
    private readonly sessionId: string,
    private readonly deliver: (label: string, text: string) => Promise<Result<unknown>>,
  ) {}

  receive(label: string, kind: ChannelKind, data: unknown): void {
    if (this.stopped) return;
    this.dirty = true;
    if (kind === 'other') {
      this.counters.otherMessages += 1;
      this.warnOnce(label, `not forwarding messages on ${label}`);
      return;
    }
    const control = kind === 'control';
    if (control) this.counters.controlMessages += 1;
    const text = textOf(data);
    if (text === undefined) return this.fail(label, 'a message that is not UTF-8 text');
    if (text.length === 0) return this.fail(label, 'an empty message');
    if (text.length > maxDeliveryChars) return this.fail(label, 'a message over 4 MiB');
    if (this.inFlight >= maxInFlightDeliveries) {
      return this.fail(label, 'main is not keeping up; message dropped', true);
    }
    this.inFlight += 1;
    this.deliver(label, text)
      .then(
        (result) => {
          if (!result.ok) return this.fail(label, result.error.message);
          if (control) return;
          this.counters.delivered += 1;
          this.dirty = true;
        },
        (error: unknown) => this.fail(label, error instanceof Error ? error.message : String(error)),
      )
      .finally(() => {
        this.inFlight -= 1;
      });
  }

  /** A copy of the counters when they changed since the last call, else undefined. */
  takeCounters(): CameraSessionDataCounters | undefined {
    if (!this.dirty) return undefined;
    this.dirty = false;
    return { ...this.counters };
  }

  /** Stops taking messages (the session closed); deliveries under way still count. */
  stop(): void {
    this.stopped = true;
  }

  private fail(label: string, message: string, dropped = false): void {
    if (dropped) this.counters.dropped += 1;
    else this.counters.failed += 1;
    this.counters.lastFailure = `${label}: ${message}`;
    this.dirty = true;
    this.warnOnce(`failed ${label}`, `${label}: ${message}`);
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    console.warn(`camera session ${this.sessionId}: ${message}`);
  }
}
