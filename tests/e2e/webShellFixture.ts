import { test as base, expect, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const serveScript = join(root, 'out', 'main', 'serve.js');

/** One running web shell process, as a user would start it. */
export interface WebShell {
  origin: string;
  accessUrl: string;
  dataDir: string;
  /** Stops the process (SIGTERM) and waits for it to exit. */
  stop(): Promise<number | null>;
  /** Starts a new process on the same data folder (a new port and token). */
  restart(): Promise<void>;
  /** Switches a simulated camera's fault; the shell must run with `--faults-on-stdin`. */
  fault(cameraIndex: number, fault: { kind: string; [member: string]: unknown }): void;
}

async function startProcess(
  dataDir: string,
  args: readonly string[],
): Promise<{ child: ChildProcess; accessUrl: string }> {
  if (!existsSync(serveScript)) throw new Error(`${serveScript} is missing: run npm run build first`);
  const child = spawn(process.execPath, [serveScript, '--port', '0', '--data-dir', dataDir, ...args], {
    // stdin is a pipe only this test process holds: `--faults-on-stdin` reads faults from it.
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const accessUrl = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`web shell did not start:\n${output}`)), 15_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /Open:\s+(http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`web shell exited with ${code}:\n${output}`)));
  });
  return { child, accessUrl };
}

function stopProcess(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolveExit) => {
    child.once('exit', (code) => resolveExit(code));
    child.kill('SIGTERM');
  });
}

/** Problems the page reported: console errors, CSP violations, uncaught exceptions. */
export function watchPageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  return problems;
}

export const test = base.extend<{ webShell: WebShell; pageProblems: string[]; webShellArgs: string[] }>({
  /** Extra command-line options of the web shell (`--local-site 1`). */
  webShellArgs: [[], { option: true }],
  webShell: async ({ webShellArgs }, use) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nice-console-e2e-'));
    let current = await startProcess(dataDir, webShellArgs);
    const shell: WebShell = {
      dataDir,
      get accessUrl() {
        return current.accessUrl;
      },
      get origin() {
        return new URL(current.accessUrl).origin;
      },
      stop: () => stopProcess(current.child),
      fault: (cameraIndex, fault) => {
        if (!webShellArgs.includes('--faults-on-stdin'))
          throw new Error('start the shell with --faults-on-stdin');
        current.child.stdin?.write(`${JSON.stringify({ camera: cameraIndex, fault })}\n`);
      },
      restart: async () => {
        await stopProcess(current.child);
        current = await startProcess(dataDir, webShellArgs);
      },
    };
    await use(shell);
    await stopProcess(current.child);
    rmSync(dataDir, { recursive: true, force: true });
  },
  pageProblems: async ({ page }, use) => {
    const problems = watchPageProblems(page);
    await use(problems);
  },
});

export { expect };

/** Where the e2e run leaves its screenshots of the console. */
export const screenshotDir = join(root, 'test-results', 'screenshots');
