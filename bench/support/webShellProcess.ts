import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const serveScript = join(resolve(import.meta.dirname, '..', '..'), 'out', 'main', 'serve.js');

/** A web shell in its own process on a fresh data folder, as benchmarks drive it. */
export interface WebShellProcess {
  accessUrl: string;
  dataDir: string;
  child: ChildProcess;
  /** Stops it (SIGTERM), waits for it to exit and removes its data folder. */
  stop(): Promise<void>;
}

/** Starts `out/main/serve.js` (needs `npm run build`) with `args` and waits for its access URL. */
export async function startWebShell(name: string, args: readonly string[] = []): Promise<WebShellProcess> {
  if (!existsSync(serveScript)) throw new Error('run npm run build first');
  const dataDir = mkdtempSync(join(tmpdir(), `nice-${name}-`));
  const child = spawn(process.execPath, [serveScript, '--port', '0', '--data-dir', dataDir, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const accessUrl = await new Promise<string>((done, fail) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Open:\s+(http:\/\/\S+)/.exec(output);
      if (match?.[1]) done(match[1]);
    });
    child.on('exit', (code) => fail(new Error(`web shell exited with ${code}`)));
  });
  return {
    accessUrl,
    dataDir,
    child,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
