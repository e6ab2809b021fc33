import { app, dialog, type BrowserWindow } from 'electron';
import { basename, join } from 'node:path';
import type { ExportFormat } from '../../src-shared/contract/exportContract';
import type { DestinationProvider, ExportDestination } from '../services/export/destinationProvider';

const filters: Record<ExportFormat, Electron.FileFilter[]> = {
  ndjson: [{ name: 'NDJSON', extensions: ['ndjson'] }],
  csv: [{ name: 'CSV', extensions: ['csv'] }],
  objectsCsv: [{ name: 'CSV', extensions: ['csv'] }],
  json: [{ name: 'JSON', extensions: ['json'] }],
  evidence: [{ name: 'ZIP archive', extensions: ['zip'] }],
};

/**
 * The Electron shell's export destination: a native save dialog in main, so the path comes
 * from the operator, never from the renderer.
 */
export class SaveDialogDestinationProvider implements DestinationProvider {
  constructor(private readonly window: () => BrowserWindow | undefined) {}

  async open(request: {
    suggestedName: string;
    format: ExportFormat;
  }): Promise<ExportDestination | undefined> {
    const options: Electron.SaveDialogOptions = {
      title: 'Export SceneMarks',
      defaultPath: join(app.getPath('downloads'), request.suggestedName),
      filters: filters[request.format],
      properties: ['createDirectory', 'showOverwriteConfirmation'],
    };
    const owner = this.window();
    const result = owner ? await dialog.showSaveDialog(owner, options) : await dialog.showSaveDialog(options);
    if (result.canceled || !result.filePath) return undefined;
    const path = result.filePath;
    return {
      path,
      fileName: basename(path),
      completed: () => Promise.resolve({}),
      abandoned: () => undefined,
    };
  }
}
