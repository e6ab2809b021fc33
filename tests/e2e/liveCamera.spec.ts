import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { readFrameCode } from '../../src-main/simulator/scene/frameCode';
import { expect, screenshotDir, test } from './webShellFixture';

// The README's one step: the web shell starts the local site (embedded broker, account service,
// one simulated camera in its own process) and the page shows the camera's video over WebRTC.
test.use({ webShellArgs: ['--local-site', '1'] });

/** Draws the <video> into a canvas and reads the frame code and a luma checksum off it. */
async function sampleVideo(
  page: Page,
): Promise<{ frame: number | null; wallClockMs: number | null; sum: number }> {
  // An expression string, because the page's CSP forbids building functions from text.
  return page.evaluate(`(() => {
    const readFrameCode = ${readFrameCode.toString()};
    const video = document.querySelector('[data-testid="live-video"]');
    const width = video.videoWidth, height = video.videoHeight;
    const canvas = document.createElement('canvas');
    canvas.width = width; canvas.height = height;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    context.drawImage(video, 0, 0, width, height);
    const pixels = context.getImageData(0, 0, width, height).data;
    const luma = (x, y) => {
      const i = (y * width + x) * 4;
      return 0.299 * pixels[i] + 0.587 * pixels[i + 1] + 0.114 * pixels[i + 2];
    };
    let sum = 0;
    for (let i = 0; i < pixels.length; i += 16) sum += pixels[i];
    const code = readFrameCode(luma, width, height);
    return { frame: code ? code.frame : null, wallClockMs: code ? code.wallClockMs : null, sum };
  })()`);
}

test('a simulated camera shows moving video', async ({ page, webShell, pageProblems }) => {
  const testStartedMs = Date.now();
  await page.goto(webShell.accessUrl);
  await page.getByTestId('nav-liveWall').click();
  const row = page.getByTestId('live-device-row');
  await expect(row).toHaveCount(1, { timeout: 45_000 });
  await expect(row).toHaveAttribute('data-binding', 'bound', { timeout: 30_000 });
  await expect(row).toHaveAttribute('data-online', 'true');
  // No click: the page opens the first bound, online camera by itself (one step to live video).

  await expect(page.getByTestId('live-session-state')).toHaveAttribute('data-state', 'streaming', {
    timeout: 30_000,
  });
  // Frames decoded, as the page reads them from getStats().
  await expect
    .poll(async () => Number(await page.getByTestId('live-frames-decoded').textContent()), {
      timeout: 20_000,
    })
    .toBeGreaterThan(30);
  await expect(page.getByTestId('live-resolution')).toContainText('640');

  // The pixels change, and the counter drawn into the picture advances.
  const first = await sampleVideo(page);
  await page.waitForTimeout(700);
  const second = await sampleVideo(page);
  expect(second.sum).not.toBe(first.sum);
  expect(first.frame).not.toBeNull();
  expect(second.frame ?? 0).toBeGreaterThan(first.frame ?? 0);
  // The wall clock drawn into the frame is of this run, before the page read it: latency can be
  // read off a frame (how low it is, is the timeToFirstFrame benchmark's business).
  expect(second.wallClockMs ?? 0).toBeGreaterThanOrEqual(testStartedMs);
  expect(second.wallClockMs ?? 0).toBeLessThanOrEqual(Date.now());

  await page.screenshot({ path: join(screenshotDir, 'live-camera.png'), animations: 'disabled' });

  await page.getByTestId('live-close').click();
  await expect(page.getByTestId('live-session-state')).toHaveAttribute('data-state', 'closed');
  expect(pageProblems).toEqual([]);
});
