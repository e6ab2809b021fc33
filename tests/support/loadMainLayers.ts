// Child-process entry of tests/integration/plainNodeLoad.test.ts: imports every module of
// src-main/core, src-main/services and src-main/web in plain Node (electron denied by
// denyElectron.mjs), then builds the console services and answers one request through the
// contract. Prints one JSON line; the process must then exit on its own (nothing leaks).
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as ConsoleServicesModule from '../../src-main/services/consoleServices';
import { FakeSecretCipher } from './fakeSecretCipher';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const layers = ['src-main/core', 'src-main/services', 'src-main/web'];
/** Entry points that start something when imported; they are loaded by their own tests. */
const entryPoints = new Set(['src-main/web/serve.ts']);

function typeScriptFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((item) => {
    const path = join(folder, item.name);
    if (item.isDirectory()) return typeScriptFiles(path);
    return item.isFile() && item.name.endsWith('.ts') && !item.name.endsWith('.d.ts') ? [path] : [];
  });
}

const files = layers
  .flatMap((layer) => typeScriptFiles(join(root, layer)))
  .filter((file) => !entryPoints.has(relative(root, file).split('\\').join('/')))
  .sort();
for (const file of files) await import(pathToFileURL(file).href);

const { createConsoleServices } = (await import(
  pathToFileURL(join(root, 'src-main/services/consoleServices.ts')).href
)) as typeof ConsoleServicesModule;

const services = createConsoleServices({
  shell: 'web',
  version: '0.0.0-plain-node',
  dataDir: tmpdir(),
  migrationsDir: join(root, 'resources', 'migrations'),
  databaseFile: ':memory:',
  cipher: new FakeSecretCipher(),
});
const result = await services.dispatcher.dispatch(
  'app:getInfo',
  {},
  { transport: 'web', caller: 'plain-node' },
);
services.dispose();

const value = result.ok
  ? (result.value as { shell?: unknown; schemaVersion?: unknown; runtime?: unknown })
  : undefined;
process.stdout.write(
  `${JSON.stringify({
    modules: files.length,
    files: files.map((file) => relative(root, file).split('\\').join('/')),
    ok: result.ok,
    shell: value?.shell,
    schemaVersion: value?.schemaVersion,
    runtime: value?.runtime,
    electron: process.versions.electron ?? null,
  })}\n`,
);
