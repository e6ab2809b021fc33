import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect, screenshotDir, test } from './webShellFixture';
import { sampleVideo } from './videoFrames';

// The Live wall with four simulated cameras: each tile its own session and peer connection,
// the layout kept across a reload, a vanished camera coming back by itself, and no stream for
// a tile nobody sees. Faults reach the simulator through the web shell's stdin (the fixture
// holds that pipe), as the local site would apply them.
test.use({ webShellArgs: ['--local-site', '4', '--faults-on-stdin'] });

const names = ['CAM 01 Lobby', 'CAM 02 Parking', 'CAM 03 Main Gate', 'CAM 04 Loading Dock'];

function tileNamed(page: Page, name: string): Locator {
  return page.getByTestId('live-tile').filter({ has: page.getByTestId('live-tile-name').getByText(name) });
}

async function openWall(page: Page, accessUrl: string): Promise<void> {
  await page.goto(accessUrl);
  await page.getByTestId('nav-liveWall').click();
  await expect(page.getByTestId('live-device-row').and(page.locator('[data-binding=bound]'))).toHaveCount(4, {
    timeout: 60_000,
  });
}

/** The frame code read twice off a tile's video advances: decoded frames, not a still. */
async function expectFramesAdvance(page: Page, tile: Locator): Promise<void> {
  const deviceId = await tile.getAttribute('data-device-id');
  const selector = `[data-testid=live-tile][data-device-id="${deviceId}"] video`;
  const first = await expect
    .poll(async () => (await sampleVideo(page, selector)).frame, { timeout: 20_000 })
    .not.toBeNull()
    .then(() => sampleVideo(page, selector));
  await expect
    .poll(async () => (await sampleVideo(page, selector)).frame ?? -1, { timeout: 20_000 })
    .toBeGreaterThan(first.frame ?? 0);
}

/** GetStatus of a camera's node 0001 through the command console of a second console tab. */
async function streamingOf(commands: Page, name: string): Promise<boolean> {
  await commands.getByTestId('command-target').click();
  await commands.locator('.el-select-dropdown__item:visible', { hasText: name }).first().click();
  await commands.getByTestId('command-api').click();
  await commands.locator('.el-select-dropdown__item:visible', { hasText: /^GetStatus$/ }).click();
  // The result panel shows the previous answer until this one comes: wait for a new history row.
  const history = commands.locator('.command-history__item');
  const sent = await history.count();
  await commands.getByTestId('command-send').click();
  await expect(history).toHaveCount(sent + 1, { timeout: 15_000 });
  await expect(commands.getByTestId('command-status')).toHaveText('200');
  const body = (await commands.getByTestId('command-response-body').textContent()) ?? '';
  const match = /"Streaming":\s*(true|false)/.exec(body);
  if (!match) throw new Error(`GetStatus gave no Streaming: ${body}`);
  return match[1] === 'true';
}

test('a 2x2 wall shows four cameras live, and the layout survives a reload', async ({
  page,
  webShell,
  pageProblems,
}) => {
  await openWall(page, webShell.accessUrl);
  await expect(page.getByTestId('live-wall')).toHaveAttribute('data-layout', '2x2');
  const tiles = page.getByTestId('live-tile');
  await expect(tiles).toHaveCount(4);
  await expect(tiles.getByTestId('live-tile-name')).toHaveText(names);
  for (const name of names) {
    await expect(tileNamed(page, name)).toHaveAttribute('data-state', 'live', { timeout: 60_000 });
  }
  // Four sessions, one per tile, and decoded frames advancing in each.
  const sessionIds = await tiles.evaluateAll((elements) =>
    elements.map((e) => e.getAttribute('data-session-id')),
  );
  expect(new Set(sessionIds).size).toBe(4);
  for (const name of names) await expectFramesAdvance(page, tileNamed(page, name));
  await page.screenshot({ path: join(screenshotDir, 'live-wall-2x2.png'), animations: 'disabled' });

  await page.getByTestId('live-layout-3x3').click();
  await expect(page.getByTestId('live-wall')).toHaveAttribute('data-layout', '3x3');
  for (const name of names) {
    await expect(tileNamed(page, name)).toHaveAttribute('data-state', 'live', { timeout: 30_000 });
  }
  await page.screenshot({ path: join(screenshotDir, 'live-wall-3x3.png'), animations: 'disabled' });

  await page.reload();
  await expect(page.getByTestId('live-wall')).toHaveAttribute('data-layout', '3x3', { timeout: 30_000 });
  await expect(tileNamed(page, names[0] as string)).toHaveAttribute('data-state', 'live', {
    timeout: 60_000,
  });
  expect(pageProblems).toEqual([]);
});

test('a vanished camera turns its tile to reconnecting, and back to live by itself', async ({
  page,
  webShell,
}) => {
  await openWall(page, webShell.accessUrl);
  const lobby = tileNamed(page, names[0] as string);
  const parking = tileNamed(page, names[1] as string);
  await expect(lobby).toHaveAttribute('data-state', 'live', { timeout: 60_000 });
  await expect(parking).toHaveAttribute('data-state', 'live', { timeout: 60_000 });
  const before = await lobby.getAttribute('data-session-id');

  webShell.fault(0, { kind: 'vanish' });
  await expect(lobby).toHaveAttribute('data-state', 'reconnecting', { timeout: 30_000 });
  await expect(lobby.getByTestId('live-tile-state')).toContainText(/Reconnecting · attempt \d+/);
  // The others stay live: each tile has its own session.
  await expect(parking).toHaveAttribute('data-state', 'live');

  // Power comes back: no click, no reload.
  webShell.fault(0, { kind: 'clear' });
  await expect(lobby).toHaveAttribute('data-state', 'live', { timeout: 60_000 });
  expect(await lobby.getAttribute('data-session-id')).not.toBe(before);
  await expectFramesAdvance(page, lobby);
});

test('tiles nobody sees stop their streams and resume when seen', async ({ page, webShell, context }) => {
  await openWall(page, webShell.accessUrl);
  await expect(tileNamed(page, names[1] as string)).toHaveAttribute('data-state', 'live', {
    timeout: 60_000,
  });

  const commands = await context.newPage();
  await commands.goto(`${webShell.origin}/#/devices`);
  // Polled: a tile is live on frames of the last 5 s, while the device may be switching the
  // stream's size (StopStreaming, then StartStreaming) when GetStatus asks.
  await expect.poll(() => streamingOf(commands, names[1] as string), { timeout: 20_000 }).toBe(true);

  // Layout 1: the other cameras are on other pages and hold no session.
  await page.getByTestId('live-layout-1x1').click();
  await expect(page.getByTestId('live-tile')).toHaveCount(1);
  await expect(page.getByTestId('live-page-label')).toHaveText('Page 1 of 4');
  await expect.poll(() => streamingOf(commands, names[1] as string), { timeout: 20_000 }).toBe(false);
  await expect(tileNamed(page, names[0] as string)).toHaveAttribute('data-state', 'live', {
    timeout: 30_000,
  });
  await expect.poll(() => streamingOf(commands, names[0] as string), { timeout: 20_000 }).toBe(true);

  // The window hidden (minimised): even the one tile on screen stops its stream.
  await page.evaluate(`(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  })()`);
  await expect.poll(() => streamingOf(commands, names[0] as string), { timeout: 20_000 }).toBe(false);
  await page.evaluate(`(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
    document.dispatchEvent(new Event('visibilitychange'));
  })()`);
  await expect.poll(() => streamingOf(commands, names[0] as string), { timeout: 20_000 }).toBe(true);
  await expect(tileNamed(page, names[0] as string)).toHaveAttribute('data-state', 'live', {
    timeout: 30_000,
  });

  // Page 2 shows the second camera again, live.
  await page.getByTestId('live-page-next').click();
  await expect(tileNamed(page, names[1] as string)).toHaveAttribute('data-state', 'live', {
    timeout: 60_000,
  });
  await commands.close();
});
