/** Severity of a log line, lowest first. */
export type LogSeverity = 'debug' | 'info' | 'warn' | 'error';

/**
 * The logging port every layer writes to. `source` names the component (`web-shell`,
 * `settings`); messages never contain credentials.
 */
export interface Logger {
  /** `detail` (a stack, a raw reason) stays in main's own output and never reaches a page. */
  log(level: LogSeverity, source: string, message: string, detail?: string): void;
}

/** A logger that drops everything, for code paths where logging is optional. */
export const silentLogger: Logger = { log: () => undefined };
