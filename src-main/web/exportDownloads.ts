import type { FastifyInstance } from 'fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, mkdirSync, rmSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportFormat } from '../../src-shared/contract/exportContract';
import type { Logger } from '../core/util/logger';
import type { DestinationProvider, ExportDestination } from '../services/export/destinationProvider';

/** Path prefix of export downloads; the web shell's token check guards it like every route. */
export const exportDownloadPath = '/exports';

interface PendingDownload {
  path: string;
  fileName: string;
  timer: NodeJS.Timeout;
}

/**
 * The web shell's export destination: each export is written into `<dataDir>/exports-pending`
 * and offered once at `/exports/<random id>/<name>` (behind the shell's access token); the file
 * is removed after that download or after `ttlMs` (default 10 minutes), whichever comes first.
 */
export class WebExportDownloads implements DestinationProvider {
  private readonly folder: string;
  private readonly pending = new Map<string, PendingDownload>();
  private readonly ttlMs: number;

  constructor(
    dataDir: string,
    private readonly logger: Logger,
    options: { ttlMs?: number } = {},
  ) {
    this.folder = join(dataDir, 'exports-pending');
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
    // Leftovers of an earlier run were never downloaded and can no longer be.
    rmSync(this.folder, { recursive: true, force: true });
    mkdirSync(this.folder, { recursive: true, mode: 0o700 });
  }

  open(request: { suggestedName: string; format: ExportFormat }): Promise<ExportDestination> {
    const path = join(this.folder, `${randomUUID()}-${request.suggestedName}`);
    const fileName = request.suggestedName;
    return Promise.resolve({
      path,
      fileName,
      completed: () => Promise.resolve({ downloadUrl: this.offer(path, fileName) }),
      abandoned: () => undefined,
    });
  }

  /** Files waiting to be downloaded. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Adds the download route to the web shell. */
  register(app: FastifyInstance): void {
    app.get<{ Params: { id: string; name: string } }>(
      `${exportDownloadPath}/:id/:name`,
      async (request, reply) => {
        const download = this.pending.get(request.params.id);
        if (!download || download.fileName !== request.params.name) {
          return reply
            .code(404)
            .type('text/plain')
            .send('Not found: this export was already downloaded or has expired');
        }
        this.pending.delete(request.params.id);
        clearTimeout(download.timer);
        const { size } = await stat(download.path);
        const stream = createReadStream(download.path);
        stream.once('close', () => void this.remove(download.path));
        return reply
          .header('Content-Disposition', `attachment; filename="${download.fileName}"`)
          .header('Content-Length', size)
          .type('application/octet-stream')
          .send(stream);
      },
    );
  }

  /** Removes every waiting file (shutdown). */
  dispose(): void {
    for (const download of this.pending.values()) {
      clearTimeout(download.timer);
      rmSync(download.path, { force: true });
    }
    this.pending.clear();
  }

  private offer(path: string, fileName: string): string {
    const id = randomBytes(18).toString('base64url');
    const timer = setTimeout(() => {
      this.pending.delete(id);
      void this.remove(path);
    }, this.ttlMs);
    timer.unref();
    this.pending.set(id, { path, fileName, timer });
    return `${exportDownloadPath}/${id}/${encodeURIComponent(fileName)}`;
  }

  private async remove(path: string): Promise<void> {
    await rm(path, { force: true }).catch((error: unknown) =>
      this.logger.log('warn', 'export', `cannot remove the served export ${path}: ${String(error)}`),
    );
  }
}
