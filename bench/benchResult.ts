import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

/** Percentile of a sorted sample (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

interface BenchResult {
  name: string;
  at: string;
  method: string;
  /** The BENCH_* environment overrides of the run: figures of a shortened run say so. */
  settings: Record<string, string>;
  figures: Record<string, number | string>;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; platform: string; load1: number };
}

const resultsDir = join(import.meta.dirname, 'results');
/** Committed: the newest result of each benchmark, so figures survive a clean checkout. */
const latestDir = join(resultsDir, 'latest');

/** bench/results/latest/README.md: every benchmark's newest figures on one page. */
function writeLatestIndex(): void {
  const results = readdirSync(latestDir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(join(latestDir, file), 'utf8')) as BenchResult);
  const sections = results.map((result) => {
    const { machine } = result;
    const settings = Object.entries(result.settings ?? {}).map(([key, value]) => `${key}=${value}`);
    return [
      `## ${result.name}`,
      '',
      `${result.at} · ${machine.cores} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}` +
        `${machine.load1 === undefined ? '' : `, load ${machine.load1}`}` +
        `${settings.length > 0 ? ` · ${settings.join(' ')}` : ''}`,
      '',
      result.method,
      '',
      '| figure | value |',
      '|---|---|',
      ...Object.entries(result.figures).map(([key, value]) => `| ${key} | ${value} |`),
    ].join('\n');
  });
  writeFileSync(
    join(latestDir, 'README.md'),
    `# Newest benchmark figures\n\nWritten by \`npm run bench\` (bench/benchResult.ts); one JSON file per benchmark beside this page.\n\n${sections.join('\n\n')}\n`,
  );
}

/**
 * Writes bench/results/<name>.json with the figures, the method and the machine, the same into
 * bench/results/latest/ (kept in git), and prints a summary.
 */
export function writeBenchResult(
  name: string,
  method: string,
  figures: Record<string, number | string>,
): void {
  const result: BenchResult = {
    name,
    at: new Date().toISOString(),
    method,
    settings: Object.fromEntries(
      Object.entries(process.env).filter(
        (entry): entry is [string, string] => entry[0].startsWith('BENCH_') && entry[1] !== undefined,
      ),
    ),
    figures,
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      load1: Number(loadavg()[0]?.toFixed(2)),
    },
  };
  const text = `${JSON.stringify(result, null, 2)}\n`;
  mkdirSync(latestDir, { recursive: true });
  writeFileSync(join(resultsDir, `${name}.json`), text);
  writeFileSync(join(latestDir, `${name}.json`), text);
  writeLatestIndex();
  process.stdout.write(`${name}: ${JSON.stringify(figures)}\n`);
}
