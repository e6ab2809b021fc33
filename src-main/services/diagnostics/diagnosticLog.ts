import type { LogEntry, LogLevel } from '../../../src-shared/contract/diagnosticsContract';
import type { Logger, LogSeverity } from '../../core/util/logger';

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Where entries go besides the ring buffer (the web shell's stderr, Electron's console). */
export type LogSink = (entry: LogEntry, detail: string | undefined) => void;

/** Tuning of the diagnostic log. */
export interface DiagnosticLogOptions {
  capacity?: number;
  minLevel?: LogLevel;
  now?: () => Date;
}

/**
 * Main's diagnostic log: a bounded ring of recent entries that the renderer can list and
 * follow live. Entries below the configured level are not kept. Details such as stacks go to
 * the sinks only, never into entries a page can read.
 */
export class DiagnosticLog implements Logger {
  private readonly entries: LogEntry[] = [];
  private readonly sinks = new Set<LogSink>();
  private readonly capacity: number;
  private readonly now: () => Date;
  private minLevel: LogLevel;
  private nextSeq = 1;
  private discardedCount = 0;

  constructor(options: DiagnosticLogOptions = {}) {
    this.capacity = options.capacity ?? 2000;
    this.minLevel = options.minLevel ?? 'info';
    this.now = options.now ?? (() => new Date());
  }

  /** Changes which entries are kept from now on. */
  setMinLevel(level: LogLevel): void {
    this.minLevel = level;
  }

  /** Adds a receiver of every kept entry. */
  addSink(sink: LogSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  log(level: LogSeverity, source: string, message: string, detail?: string): void {
    if (rank[level] < rank[this.minLevel]) return;
    const entry: LogEntry = { seq: this.nextSeq++, time: this.now().toISOString(), level, source, message };
    this.entries.push(entry);
    if (this.entries.length > this.capacity) {
      this.entries.shift();
      this.discardedCount += 1;
    }
    for (const sink of this.sinks) sink(entry, detail);
  }

  /** The newest `limit` entries at or above `minLevel`, oldest first. */
  list(limit: number, minLevel: LogLevel = 'debug'): { entries: LogEntry[]; discarded: number } {
    const matching = this.entries.filter((entry) => rank[entry.level] >= rank[minLevel]);
    return { entries: matching.slice(-limit), discarded: this.discardedCount };
  }
}
