import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** How to start a worker thread: its module, and whether it is TypeScript to load through tsx. */
export interface WorkerEntry {
  url: URL;
  viaTsx: boolean;
}

/**
 * The worker entry `name` beside the calling module (`import.meta.url`): from source (`.ts`:
 * tests, `node --import tsx`) the TypeScript file, loaded through tsx; from a build, `name.js`
 * next to the bundle (electron.vite.config.ts builds every worker entry into out/main).
 */
export function workerEntryBeside(moduleUrl: string, name: string): WorkerEntry {
  const fromSource = moduleUrl.endsWith('.ts');
  return fromSource
    ? { url: new URL(`./${name}.ts`, moduleUrl), viaTsx: true }
    : { url: new URL(`./${name}.js`, moduleUrl), viaTsx: false };
}

/**
 * Starts a worker on `entry`. Node 20 does not pass `--import tsx` hooks on to workers, so a
 * TypeScript entry is started by a two-line bootstrap that registers tsx inside the worker.
 */
export function startWorker(entry: WorkerEntry, options: WorkerOptions = {}): Worker {
  if (!entry.viaTsx) return new Worker(entry.url, options);
  const api = createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  const bootstrap =
    `import(${JSON.stringify(pathToFileURL(api).href)})` +
    `.then(({ register }) => { register(); return import(${JSON.stringify(entry.url.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
