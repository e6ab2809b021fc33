import { z } from 'zod';

/** Severity of a diagnostic entry, lowest first. */
export const LogLevel = z.enum(['debug', 'info', 'warn', 'error']);
export type LogLevel = z.infer<typeof LogLevel>;

/** One line of main's diagnostic log, as the renderer sees it (never a secret, never a stack). */
export const LogEntry = z.strictObject({
  seq: z.number().int().nonnegative(),
  time: z.string(),
  level: LogLevel,
  source: z.string(),
  message: z.string(),
});
export type LogEntry = z.infer<typeof LogEntry>;

/** Request of `diagnostics:listEntries`: the newest entries, oldest first. */
export const ListEntriesRequest = z.strictObject({
  limit: z.number().int().min(1).max(1000).default(200),
  minLevel: LogLevel.optional(),
});
export type ListEntriesRequest = z.infer<typeof ListEntriesRequest>;

/** Reply of `diagnostics:listEntries`. */
export const ListEntriesResponse = z.strictObject({
  entries: z.array(LogEntry),
  /** Entries that fell out of the bounded buffer since start. */
  discarded: z.number().int().nonnegative(),
});
export type ListEntriesResponse = z.infer<typeof ListEntriesResponse>;
