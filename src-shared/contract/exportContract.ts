import { z } from 'zod';

/**
 * What an export writes: `ndjson` (one original SceneMark per line, verbatim), `csv` (one row
 * per SceneMark, normalised columns), `objectsCsv` (one row per detected object), `json` (an
 * array of the original SceneMarks) or `evidence` (a ZIP with the SceneMarks, their SceneData
 * files, the sessions and commands of the range, and a `SHA256SUMS` manifest).
 */
export const ExportFormat = z.enum(['ndjson', 'csv', 'objectsCsv', 'json', 'evidence']);
export type ExportFormat = z.infer<typeof ExportFormat>;

/**
 * Which SceneMarks an export takes: SceneMark time in `[fromMs, toMs)` (milliseconds since
 * the epoch, UTC; either bound may be left out) and, for each list given and not empty, only
 * SceneMarks of those devices, with any of those item types, of those event types; and with
 * `minProbability`, only those whose highest probability reaches it. The search's text
 * filter is not part of it: an export names what it holds by columns, not by a substring.
 */
export const ExportFilter = z
  .strictObject({
    fromMs: z.number().int().min(0).optional(),
    toMs: z.number().int().min(0).optional(),
    deviceIds: z.array(z.string().min(1).max(128)).max(1000).optional(),
    itemTypes: z.array(z.string().min(1).max(128)).max(100).optional(),
    eventTypes: z.array(z.string().min(1).max(128)).max(100).optional(),
    minProbability: z.number().min(0).max(1).optional(),
  })
  .refine(
    (filter) => filter.fromMs === undefined || filter.toMs === undefined || filter.fromMs <= filter.toMs,
    {
      message: 'must not be after toMs',
      path: ['fromMs'],
    },
  );
export type ExportFilter = z.infer<typeof ExportFilter>;

/** Request of `export:startExport`; main asks for the destination (save dialog or download). */
export const StartExportRequest = z.strictObject({
  format: ExportFormat,
  filter: ExportFilter.default({}),
});
export type StartExportRequest = z.infer<typeof StartExportRequest>;

/** Reply of `export:startExport`: the export runs, or the operator dismissed the save dialog. */
export const StartExportResponse = z.discriminatedUnion('started', [
  z.strictObject({ started: z.literal(true), exportId: z.string(), fileName: z.string() }),
  z.strictObject({ started: z.literal(false), reason: z.literal('destinationDismissed') }),
]);
export type StartExportResponse = z.infer<typeof StartExportResponse>;

/** Request of `export:cancelExport`. */
export const CancelExportRequest = z.strictObject({ exportId: z.string().min(1).max(64) });
export type CancelExportRequest = z.infer<typeof CancelExportRequest>;

/** Reply of `export:cancelExport`: false when the export had already ended (or never existed). */
export const CancelExportResponse = z.strictObject({ cancelled: z.boolean() });
export type CancelExportResponse = z.infer<typeof CancelExportResponse>;

/** Where an export stands; `done`, `failed` and `cancelled` are final. */
export const ExportPhase = z.enum(['preparing', 'writing', 'finishing', 'done', 'failed', 'cancelled']);
export type ExportPhase = z.infer<typeof ExportPhase>;

/** What a finished export produced. */
export const ExportSummary = z.strictObject({
  rows: z.number().int().min(0),
  bytes: z.number().int().min(0),
  /** SHA-256 (hex) of the whole written file. */
  sha256: z.string(),
  /** Evidence packages: SHA-256 (hex) of the package's `SHA256SUMS`, which lists every file's hash. */
  manifestSha256: z.string().optional(),
  durationMs: z.number().min(0),
  fileName: z.string(),
  /** Web shell only: an authenticated URL that serves the file once. */
  downloadUrl: z.string().optional(),
});
export type ExportSummary = z.infer<typeof ExportSummary>;

/** Why an export failed; `DISK_FULL` is ENOSPC on the destination. */
export const ExportError = z.strictObject({
  code: z.enum(['DISK_FULL', 'WRITE_FAILED', 'DATABASE', 'INTERNAL']),
  message: z.string(),
});
export type ExportError = z.infer<typeof ExportError>;

/** One item of `export:progressed`: rows and bytes written so far, and the summary at the end. */
export const ExportProgress = z.strictObject({
  exportId: z.string(),
  format: ExportFormat,
  phase: ExportPhase,
  rows: z.number().int().min(0),
  /** SceneMarks matching the filter, when known (the row count of `objectsCsv` may exceed it). */
  totalRows: z.number().int().min(0).optional(),
  bytes: z.number().int().min(0),
  summary: ExportSummary.optional(),
  error: ExportError.optional(),
});
export type ExportProgress = z.infer<typeof ExportProgress>;
