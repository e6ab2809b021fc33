import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpGet } from '../../support/httpProbe';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

let tmp: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nice-serve-'));
});
afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

/** Starts the web shell from source, exactly as `node --import tsx` runs it. */
function spawnServe(args: string[]): {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src-main/web/serve.ts', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Waits for the "Open:" line and returns its URL; fails with the child's output if it exits first. */
function waitForAccessUrl(run: ReturnType<typeof spawnServe>, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no Open: line within ${timeoutMs} ms\n${run.stdout()}\n${run.stderr()}`)),
      timeoutMs,
    );
    const check = (): void => {
      const match = /Open:\s+(http:\/\/\S+)/.exec(run.stdout());
      if (match?.[1]) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    run.child.stdout?.on('data', check);
    void run.exited.then((code) => {
      clearTimeout(timer);
      reject(
        new Error(`web shell exited with ${code} before printing its URL\n${run.stdout()}\n${run.stderr()}`),
      );
    });
  });
}

describe('serve.ts (web shell CLI)', () => {
  it('serves on loopback behind the token, stops cleanly on SIGTERM and leaves a migrated database', async () => {
    const dataDir = join(tmp, 'data');
    const run = spawnServe(['--port', '0', '--data-dir', dataDir]);
    const accessUrl = await waitForAccessUrl(run);

    const parsed = new URL(accessUrl);
    expect(parsed.hostname).toBe('127.0.0.1');
    expect(Number(parsed.port)).toBeGreaterThan(0);
    expect(parsed.searchParams.get('token')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(run.stdout()).toContain(`Data folder: ${dataDir}`);

    const origin = `${parsed.protocol}//${parsed.host}`;
    expect((await httpGet(`${origin}/`)).status).toBe(401);

    const first = await httpGet(accessUrl);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const cookie = String(first.headers['set-cookie']).split(';')[0] ?? '';
    const page = await httpGet(`${origin}/`, { Cookie: cookie });
    // The built renderer (out/renderer) may not exist when this runs: then 404, never 401.
    expect([200, 404]).toContain(page.status);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    // Warnings and errors of the diagnostic log go to stderr: a clean run has none.
    expect(run.stderr()).toBe('');

    const databaseFile = join(dataDir, 'nice-console.sqlite');
    expect(existsSync(databaseFile)).toBe(true);
    if (process.platform !== 'win32') expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const db = new Database(databaseFile, { readonly: true });
    try {
      expect(
        db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'settings'").get(),
      ).toEqual({
        name: 'settings',
      });
      expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(1);
    } finally {
      db.close();
    }
  });

  it('exits 2 naming --port when the port is not a number', async () => {
    const run = spawnServe(['--port', 'abc', '--data-dir', join(tmp, 'data')]);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain('--port must be an integer');
    expect(run.stderr()).toContain('Usage:');
    expect(run.stdout()).toBe('');
    expect(existsSync(join(tmp, 'data'))).toBe(false);
  });

  it('exits 2 naming an unknown option', async () => {
    const run = spawnServe(['--bind-all']);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain('--bind-all');
  });

  it('exits 1 without serving when asked for a non-loopback host', async () => {
    const run = spawnServe(['--host', '0.0.0.0', '--port', '0', '--data-dir', join(tmp, 'data')]);
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain('loopback');
    expect(run.stdout()).not.toContain('Open:');
  });
});
