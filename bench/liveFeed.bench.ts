// Live feed at 2,000 SceneMarks/s (issue #13 item 1): SceneMarks published as plain CMF over
// MQTT (aedes, in this process) to the web shell (its own process), through ingest, the event
// batcher and the WebSocket bridge into the SceneMarks page in Debian Chromium. The page
// records frame intervals (requestAnimationFrame), long tasks (PerformanceObserver) and the lag
// of a 100 ms timer; the bench clicks Pause/Resume during the run and times the label change.
// Needs `npm run build`. BENCH_RATE and BENCH_SECONDS shorten or change the run.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { generateSceneMark, generatedDeviceId } from './support/sceneMarkGenerator';
import { startTestBroker } from '../tests/e2e/brokerConnection';
import { connectDataTopic } from '../tests/e2e/sceneMarkDelivery';
import { percentile, writeBenchResult } from './benchResult';
import { startWebShell } from './support/webShellProcess';

const rate = Number(process.env.BENCH_RATE ?? 2000);
const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const devices = 20;

/** What the page records (see the init script). */
interface PageMetrics {
  frames: number[];
  longTasks: number[];
  timerLag: number[];
}

async function main(): Promise<void> {
  const shell = await startWebShell('livefeed');
  const broker = await startTestBroker();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // tsx (esbuild keepNames) wraps named closures in __name(): the page has no such helper.
    await page.addInitScript({ content: 'globalThis.__name = (target) => target;' });
    // Typed by hand: no DOM library here. Metrics are collected only once `record` is set.
    await page.addInitScript(() => {
      const scope = globalThis as unknown as {
        benchMetrics: PageMetrics & { record: boolean };
        requestAnimationFrame(callback: (time: number) => void): number;
        performance: { now(): number };
        PerformanceObserver: new (
          callback: (list: { getEntries(): Array<{ duration: number }> }) => void,
        ) => {
          observe(options: { type: string; buffered?: boolean }): void;
        };
      };
      const metrics = {
        frames: [] as number[],
        longTasks: [] as number[],
        timerLag: [] as number[],
        record: false,
      };
      scope.benchMetrics = metrics;
      let last = 0;
      const frame = (time: number): void => {
        if (metrics.record && last > 0) metrics.frames.push(time - last);
        last = time;
        scope.requestAnimationFrame(frame);
      };
      scope.requestAnimationFrame(frame);
      new scope.PerformanceObserver((list) => {
        if (metrics.record) for (const entry of list.getEntries()) metrics.longTasks.push(entry.duration);
      }).observe({ type: 'longtask' });
      let due = scope.performance.now() + 100;
      setInterval(() => {
        const now = scope.performance.now();
        if (metrics.record) metrics.timerLag.push(Math.max(0, now - due));
        due = now + 100;
      }, 100);
    });
    await page.goto(shell.accessUrl);
    const topic = await connectDataTopic(page, broker);
    await page.getByTestId('nav-sceneMarks').click();
    await page.getByTestId('live-feed').waitFor();

    let sent = 0;
    const deliver = async (count: number): Promise<void> => {
      const deliveries: Promise<void>[] = [];
      for (let index = 0; index < count; index++, sent++) {
        const bytes = generateSceneMark(sent, {
          devices,
          startMs: Date.now(),
          intervalMs: 0,
          idPrefix: 'LIVE',
        });
        deliveries.push(topic.deliver(generatedDeviceId(sent % devices), bytes, sent + 1));
      }
      await Promise.all(deliveries);
    };
    const received = async (): Promise<number> =>
      Number(((await page.getByTestId('live-feed-received').textContent()) ?? '0').replace(/\D/g, ''));

    // Warm-up: the page has rows, the parse workers and the bridge are running.
    await deliver(200);
    await page.waitForFunction((count) => {
      const element = (
        globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }
      ).document.querySelector('[data-testid="live-feed-received"]');
      return Number((element?.textContent ?? '0').replace(/\D/g, '')) >= count;
    }, 200);
    await page.evaluate(() => {
      (globalThis as unknown as { benchMetrics: { record: boolean } }).benchMetrics.record = true;
    });

    const warmup = sent;
    const started = Date.now();
    const toggleMs: number[] = [];
    const shownRates: number[] = [];
    let publishSeconds = 0;
    const publisher = (async () => {
      for (;;) {
        const elapsed = (Date.now() - started) / 1000;
        if (elapsed >= seconds) break;
        const due = Math.floor(elapsed * rate) - (sent - warmup);
        if (due > 0) await deliver(due);
        await new Promise((done) => setTimeout(done, 10));
      }
      publishSeconds = (Date.now() - started) / 1000;
    })();
    // Every 3 s: Pause, then Resume, timing the click to the new label; and read the rate shown.
    const toggle = page.getByTestId('live-feed-toggle');
    while (Date.now() - started < seconds * 1000 - 1500) {
      await new Promise((done) => setTimeout(done, 3000));
      shownRates.push(
        Number(((await page.getByTestId('live-feed-rate').textContent()) ?? '0').replace(/\D/g, '')),
      );
      for (const label of ['Resume', 'Pause']) {
        const clicked = Date.now();
        await toggle.click();
        await page.getByTestId('live-feed-toggle').filter({ hasText: label }).waitFor();
        toggleMs.push(Date.now() - clicked);
      }
    }
    await publisher;
    const receivedAtEnd = (await received()) - warmup;
    const runSent = sent - warmup;
    // Catch-up: how long after the last publish the page has every SceneMark.
    const drainStart = Date.now();
    while ((await received()) < sent && Date.now() - drainStart < 60_000)
      await new Promise((done) => setTimeout(done, 50));
    const catchUpMs = Date.now() - drainStart;
    const finalReceived = await received();
    const db = new Database(join(shell.dataDir, 'nice-console.sqlite'), { readonly: true });
    const stored = (
      db.prepare("SELECT count(*) AS n FROM scenemarks WHERE scenemark_id LIKE 'LIVE%'").get() as {
        n: number;
      }
    ).n;
    db.close();
    const metrics = await page.evaluate(
      () => (globalThis as unknown as { benchMetrics: PageMetrics }).benchMetrics,
    );
    const frames = [...metrics.frames].sort((a, b) => a - b);
    const lag = [...metrics.timerLag].sort((a, b) => a - b);
    const longTaskMs = metrics.longTasks.reduce((sum, duration) => sum + duration, 0);
    const toggles = [...toggleMs].sort((a, b) => a - b);
    const rates = [...shownRates].sort((a, b) => a - b);
    const frameMs = (value: number): number => Math.round(value * 10) / 10;
    writeBenchResult(
      'liveFeed',
      `web shell (own process, no local site) with ${devices} devices' SceneMarks published by this process as plain CMF ` +
        `over aedes MQTT (QoS 1) at ${rate}/s for ${seconds} s after 200 warm-up ones; full path: MQTT → CMF intake → ` +
        `ingest (parse workers, batched commits) → scenemarks:ingested batches (50 ms) → WebSocket bridge → live feed ` +
        `on the SceneMarks page in Debian Chromium headless (1440x900). In the page: requestAnimationFrame intervals, ` +
        `PerformanceObserver long tasks and the lag of a 100 ms setInterval; from the bench: Pause/Resume clicks every 3 s ` +
        `timed to the new label (includes Playwright's CDP round trips); the rate the page shows read at the same times.`,
      {
        sent: runSent,
        publishRatePerSecond: Math.round(runSent / publishSeconds),
        receivedByPageAtEnd: receivedAtEnd,
        receivedByPageTotal: finalReceived - warmup,
        storedTotal: stored - warmup,
        catchUpMs,
        shownRateMedian: percentile(rates, 50),
        shownRateMin: rates[0] ?? Number.NaN,
        frames: frames.length,
        framesPerSecond: Math.round(frames.length / publishSeconds),
        frameP50Ms: frameMs(percentile(frames, 50)),
        frameP95Ms: frameMs(percentile(frames, 95)),
        frameP99Ms: frameMs(percentile(frames, 99)),
        frameMaxMs: frameMs(frames.at(-1) ?? Number.NaN),
        framesOver50Ms: frames.filter((frame) => frame > 50).length,
        longTasks: metrics.longTasks.length,
        longTaskTotalMs: Math.round(longTaskMs),
        longTaskMaxMs: Math.round(Math.max(0, ...metrics.longTasks)),
        timerLagP95Ms: Math.round(percentile(lag, 95)),
        timerLagMaxMs: Math.round(lag.at(-1) ?? Number.NaN),
        toggleP50Ms: percentile(toggles, 50),
        toggleMaxMs: toggles.at(-1) ?? Number.NaN,
      },
    );
  } finally {
    await browser.close();
    await broker.close();
    await shell.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
