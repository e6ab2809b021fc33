// Time to first frame on the Live wall (issues #4 and #11): from the operator opening the wall
// to the first decoded frame of each tile in Chromium, with the web shell, the local site and
// nine simulated cameras. Layout 1 (one tile) and 3x3 (nine tiles, all on the small stream),
// BENCH_TRIES openings each after one warm-up; between openings the operator
// leaves for another page, which closes every session. Needs `npm run build` and Chromium.
import { chromium, type Page } from '@playwright/test';
import { percentile, writeBenchResult } from './benchResult';
import { startWebShell } from './support/webShellProcess';

const tries = Number(process.env.BENCH_TRIES ?? 10);
const cameras = 9;

/** What the page-side probe keeps: ms from the opening to each tile's first frame, by DeviceID. */
interface Probe {
  start: number;
  firsts: Record<string, number>;
}
/** The page's global as the probe leaves it. */
interface ProbeGlobal {
  __firstFrames?: Probe;
}

/** Opens the wall and returns, per tile, the ms until its video decoded a frame. */
async function openWall(page: Page, tiles: number): Promise<number[]> {
  // An expression string: a function with inner named functions would carry tsx's `__name`
  // helper into the page, where it does not exist.
  await page.evaluate(`(() => {
    const probe = { start: performance.now(), firsts: {} };
    globalThis.__firstFrames = probe;
    const poll = () => {
      for (const tile of document.querySelectorAll('[data-testid="live-tile"]')) {
        const id = tile.getAttribute('data-device-id');
        const video = tile.querySelector('video');
        if (id && video && !(id in probe.firsts) && video.getVideoPlaybackQuality().totalVideoFrames > 0)
          probe.firsts[id] = performance.now() - probe.start;
      }
      if (Object.keys(probe.firsts).length < ${tiles}) requestAnimationFrame(poll);
    };
    requestAnimationFrame(poll);
  })()`);
  await page.getByTestId('nav-liveWall').click();
  await page.waitForFunction(
    (wanted) =>
      Object.keys((globalThis as unknown as ProbeGlobal).__firstFrames?.firsts ?? {}).length >= wanted,
    tiles,
    { polling: 100, timeout: 60_000 },
  );
  return page.evaluate(() =>
    Object.values((globalThis as unknown as ProbeGlobal).__firstFrames?.firsts ?? {}),
  );
}

/** Leaves the wall, which closes every tile's session, and waits until no tile is left. */
async function leaveWall(page: Page): Promise<void> {
  await page.getByTestId('nav-sceneMarks').click();
  await page.getByTestId('live-tile').first().waitFor({ state: 'detached' });
}

async function measure(
  page: Page,
  layout: '1x1' | '3x3',
  tiles: number,
): Promise<{ all: number[]; slowest: number[] }> {
  await page.getByTestId('nav-liveWall').click();
  await page.getByTestId(`live-layout-${layout}`).click();
  await page
    .locator('[data-testid=live-tile][data-state=live]')
    .nth(tiles - 1)
    .waitFor({ timeout: 60_000 });
  await leaveWall(page);
  const all: number[] = [];
  const slowest: number[] = [];
  for (let attempt = 0; attempt < tries + 1; attempt++) {
    const firsts = await openWall(page, tiles);
    if (attempt > 0) {
      // The first opening warms up the page and the decoders.
      all.push(...firsts);
      slowest.push(Math.max(...firsts));
    }
    await leaveWall(page);
  }
  return { all: all.sort((a, b) => a - b), slowest: slowest.sort((a, b) => a - b) };
}

async function main(): Promise<void> {
  const shell = await startWebShell('ttff', ['--local-site', String(cameras)]);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--allow-loopback-in-peer-connection',
      '--disable-features=WebRtcHideLocalIpsWithMdns',
    ],
  });
  const figures: Record<string, number> = {};
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(shell.accessUrl);
    await page.getByTestId('nav-liveWall').click();
    await page
      .getByTestId('live-device-row')
      .nth(cameras - 1)
      .waitFor({ timeout: 60_000 });
    await page
      .locator('[data-testid=live-device-row][data-binding=bound]')
      .nth(cameras - 1)
      .waitFor({ timeout: 60_000 });
    for (const [label, layout, tiles] of [
      ['1 tile', '1x1', 1],
      ['3x3', '3x3', 9],
    ] as const) {
      const { all, slowest } = await measure(page, layout, tiles);
      figures[`${label}: tiles measured`] = all.length;
      figures[`${label}: first frame p50 ms`] = Math.round(percentile(all, 50));
      figures[`${label}: first frame p95 ms`] = Math.round(percentile(all, 95));
      figures[`${label}: first frame max ms`] = Math.round(all.at(-1) ?? Number.NaN);
      if (tiles > 1) {
        figures[`${label}: slowest tile of an opening p50 ms`] = Math.round(percentile(slowest, 50));
        figures[`${label}: slowest tile of an opening p95 ms`] = Math.round(percentile(slowest, 95));
      }
    }
    figures['target 1 tile p50 ms'] = 500;
    figures['target 3x3 p95 ms'] = 1000;
  } finally {
    await browser.close();
    await shell.stop();
  }
  writeBenchResult(
    'timeToFirstFrame',
    `web shell --local-site ${cameras} (simulated cameras, VP8) on loopback, Debian Chromium headless, 1440x900; per opening: ` +
      `click Live wall → one control session per tile (EstablishControlSession → SetControlObject → offer/answer/trickle ICE ` +
      `→ StartStreaming, small stream for grid tiles) → each tile's first frame counted by getVideoPlaybackQuality, polled per ` +
      `animation frame in the page from the click; ${tries} openings per layout after one warm-up; leaving the wall closes the sessions`,
    figures,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
