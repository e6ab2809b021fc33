import type { ExportFormat, ExportSummary } from '../../../src-shared/contract/exportContract';

/** Where one export's file goes, chosen by main (never by the renderer). */
export interface ExportDestination {
  /** Absolute path of the finished file; the export writes beside it and renames at the end. */
  readonly path: string;
  /** Name shown to the operator. */
  readonly fileName: string;
  /** The file is complete at `path`; returns the URL to fetch it (web shell) if any. */
  completed(summary: Omit<ExportSummary, 'downloadUrl' | 'fileName'>): Promise<{ downloadUrl?: string }>;
  /** The export failed or was cancelled; its file is already gone. */
  abandoned(): void;
}

/**
 * Port that picks an export's destination: a save dialog in the Electron shell, a temporary
 * file served once as a download in the web shell. `undefined` means the operator dismissed it.
 */
export interface DestinationProvider {
  open(request: { suggestedName: string; format: ExportFormat }): Promise<ExportDestination | undefined>;
}

/** File name extension of each format. */
export const exportExtensions: Record<ExportFormat, string> = {
  ndjson: '.ndjson',
  csv: '.csv',
  objectsCsv: '.objects.csv',
  json: '.json',
  evidence: '.zip',
};

/** `scenemarks-20250101T120000Z.ndjson`: a default name saying what and when. */
export function suggestedExportName(format: ExportFormat, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${format === 'evidence' ? 'evidence' : 'scenemarks'}-${stamp}${exportExtensions[format]}`;
}
