import { join } from 'node:path';
import { expect, screenshotDir, test } from './webShellFixture';
import { sampleVideo } from './videoFrames';

// The README's one step: the web shell starts the local site (embedded broker, account service,
// one simulated camera in its own process) and the wall shows the camera's video over WebRTC.
test.use({ webShellArgs: ['--local-site', '1'] });

test('a simulated camera shows moving video', async ({ page, webShell, pageProblems }) => {
  const testStartedMs = Date.now();
  await page.goto(webShell.accessUrl);
  await page.getByTestId('nav-liveWall').click();
  const row = page.getByTestId('live-device-row');
  await expect(row).toHaveCount(1, { timeout: 45_000 });
  await expect(row).toHaveAttribute('data-binding', 'bound', { timeout: 30_000 });
  await expect(row).toHaveAttribute('data-online', 'true');
  // No click: the wall opens every bound camera by itself (one step to live video).
  const tile = page.getByTestId('live-tile');
  await expect(tile).toHaveAttribute('data-state', 'live', { timeout: 45_000 });
  await expect(tile.getByTestId('live-tile-name')).toHaveText('CAM 01 Lobby');
  // A grid tile gets the small stream that the camera's GetCapabilities offers.
  await expect(tile.getByTestId('live-tile-stream')).toHaveText('small 320×180');

  // The pixels change, and the counter drawn into the picture advances.
  const selector = '[data-testid=live-tile-video]';
  const first = await sampleVideo(page, selector);
  await page.waitForTimeout(700);
  const second = await sampleVideo(page, selector);
  expect(second.sum).not.toBe(first.sum);
  expect(first.frame).not.toBeNull();
  expect(second.frame ?? 0).toBeGreaterThan(first.frame ?? 0);
  // The wall clock drawn into the frame is of this run, before the page read it: latency can be
  // read off a frame (how low it is, is the timeToFirstFrame benchmark's business).
  expect(second.wallClockMs ?? 0).toBeGreaterThanOrEqual(testStartedMs);
  expect(second.wallClockMs ?? 0).toBeLessThanOrEqual(Date.now());

  // Enlarged, the tile asks for the large stream.
  await tile.dblclick();
  await expect(tile.getByTestId('live-tile-stream')).toContainText('large', { timeout: 20_000 });
  await expect.poll(async () => (await sampleVideo(page, selector)).width, { timeout: 20_000 }).toBe(1280);
  await expect(tile).toHaveAttribute('data-state', 'live', { timeout: 20_000 });
  await page.screenshot({ path: join(screenshotDir, 'live-camera.png'), animations: 'disabled' });
  expect(pageProblems).toEqual([]);
});
