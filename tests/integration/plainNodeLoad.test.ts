import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const denyElectron = './tests/support/denyElectron.mjs';

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <args>` from the repository root and collects its output; kills it after 30 s. */
function runNode(args: string[]): Promise<ChildRun> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, stdout, stderr });
    });
  });
}

describe('main-side layers in plain Node, with electron unresolvable', () => {
  it('loads every module of core, services and web, builds the services and answers app:getInfo', async () => {
    const run = await runNode([
      '--import',
      'tsx',
      '--import',
      denyElectron,
      'tests/support/loadMainLayers.ts',
    ]);
    // Exiting on its own (not killed after 30 s) also shows the services leave no handle open.
    expect(run.signal, run.stderr).toBeNull();
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as {
      modules: number;
      files: string[];
      ok: boolean;
      shell: string;
      schemaVersion: number;
      electron: string | null;
    };
    expect(report.ok).toBe(true);
    expect(report.modules).toBeGreaterThan(10);
    expect(report.files).toContain('src-main/core/util/disposable.ts');
    expect(report.files).toContain('src-main/services/store/database.ts');
    expect(report.files).toContain('src-main/web/webShellServer.ts');
    expect(report.files).not.toContain('src-main/web/serve.ts');
    expect(report.shell).toBe('web');
    expect(report.schemaVersion).toBeGreaterThanOrEqual(1);
    expect(report.electron).toBeNull();
  });

  // The probes run from the repository root, where electron is installed and would resolve.
  it('negative control: the same child setup cannot import electron', async () => {
    const probe = "await import('electron'); console.log('electron loaded');";
    const run = await runNode([
      '--import',
      'tsx',
      '--import',
      denyElectron,
      '--input-type=module',
      '-e',
      probe,
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stdout).not.toContain('electron loaded');
    expect(run.stderr).toContain("Cannot find package 'electron'");
    expect(run.stderr).toContain('denied by tests/support/denyElectronHooks.mjs');
    expect(run.stderr).toContain('ERR_MODULE_NOT_FOUND');
  });

  it('negative control: a subpath and a CommonJS require of electron are denied too', async () => {
    const probe = [
      'let denied = 0;',
      "try { require('electron'); } catch (error) { if (/denied by/.test(error.message)) denied += 1; }",
      "import('electron/main').then(() => console.log('subpath loaded'), (error) => {",
      '  if (/denied by/.test(error.message)) denied += 1;',
      '  console.log(`denied ${denied}`);',
      '});',
    ].join('\n');
    const run = await runNode([
      '--import',
      'tsx',
      '--import',
      denyElectron,
      '--input-type=commonjs',
      '-e',
      probe,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('denied 2');
  });

  it('control: without the hook, electron is an installed package that resolves', async () => {
    // Proves the denial above comes from the hook, not from electron being absent.
    const esm = await runNode(['--input-type=module', '-e', "console.log(import.meta.resolve('electron'))"]);
    expect(esm.code, esm.stderr).toBe(0);
    expect(esm.stdout).toContain('node_modules/electron/');
    const cjs = await runNode(['--input-type=commonjs', '-e', "console.log(require.resolve('electron'))"]);
    expect(cjs.code, cjs.stderr).toBe(0);
    expect(cjs.stdout).toContain('node_modules/electron/');
  });
});
