import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { parseSceneMark } from '../../src-main/core/nice/sceneMark';
import { SceneMarkRepository, storeSceneMark } from '../../src-main/services/scenemarks/sceneMarkRepository';
import { generateSceneMark } from '../../bench/support/sceneMarkGenerator';
import { expect, screenshotDir, test } from './webShellFixture';

// Operators see cameras by name everywhere and move through time on the timeline: the local
// site's simulated cameras ("CAM 01 Lobby", "CAM 02 Parking") deliver SceneMarks that are found
// by name, the device picker and the Sessions page name them, and the command console sends to a
// camera chosen by name.

/** The DeviceID of the Live wall row that shows `name`. */
async function deviceIdOf(page: Page, name: string): Promise<string> {
  const row = page.getByTestId('live-device-row').filter({ hasText: name });
  await expect(row).toHaveAttribute('data-binding', 'bound', { timeout: 45_000 });
  return (await row.getAttribute('data-device-id')) ?? '';
}

/** The DeviceIDs of the SceneMark rows on screen (the table is virtualised). */
async function shownDeviceIds(table: Locator): Promise<string[]> {
  return table
    .locator('.el-table-v2__row [data-testid=device-name]')
    .evaluateAll((cells) => cells.map((cell) => cell.getAttribute('data-device-id') ?? ''));
}

/** Picks `label` in an Element Plus select. */
async function pick(page: Page, select: Locator, label: string): Promise<void> {
  await select.click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: label }).first().click();
}

test.describe('with the local site', () => {
  test.use({ webShellArgs: ['--local-site', '2'] });

  test('cameras go by name in the SceneMarks table, the pickers, Sessions and the command console', async ({
    page,
    webShell,
    pageProblems,
  }) => {
    await page.goto(webShell.accessUrl);
    await page.getByTestId('nav-liveWall').click();
    const lobby = await deviceIdOf(page, 'CAM 01 Lobby');
    const parking = await deviceIdOf(page, 'CAM 02 Parking');
    // The wall opens every camera by itself, each in its tile named after it: sessions for the
    // Sessions page.
    const tileNames = page.getByTestId('live-tile').getByTestId('live-tile-name');
    await expect(tileNames).toHaveText(['CAM 01 Lobby', 'CAM 02 Parking'], { timeout: 30_000 });
    await expect(page.getByTestId('live-tile').first()).toHaveAttribute('data-state', 'live', {
      timeout: 45_000,
    });

    // SceneMarks of both cameras, listed by camera name.
    await page.getByTestId('nav-sceneMarks').click();
    const table = page.getByTestId('scenemark-table');
    await expect
      .poll(
        async () => {
          await page.getByTestId('scenemark-search').click();
          return new Set(await shownDeviceIds(table)).size;
        },
        { timeout: 30_000 },
      )
      .toBe(2);
    await expect(
      table.locator('[data-testid=device-name]', { hasText: 'CAM 01 Lobby' }).first(),
    ).toBeVisible();
    await expect(
      table.locator('[data-testid=device-name]', { hasText: 'CAM 02 Parking' }).first(),
    ).toBeVisible();
    await expect(table.locator(`[data-device-id="${lobby}"]`).first()).toHaveAttribute(
      'title',
      new RegExp(lobby),
    );

    // The device picker lists names.
    await page.getByTestId('scenemark-device').click();
    const options = page.locator('.el-select-dropdown__item:visible');
    await expect(options.filter({ hasText: 'CAM 01 Lobby' })).toHaveCount(1);
    await expect(options.filter({ hasText: 'CAM 02 Parking' })).toHaveCount(1);
    await page.keyboard.press('Escape');
    await page.screenshot({ path: join(screenshotDir, 'scenemarks-by-name.png'), animations: 'disabled' });

    // A search for "Lobby" returns only that camera's SceneMarks.
    await page.getByTestId('scenemark-text').fill('Lobby');
    await page.getByTestId('scenemark-search').click();
    await expect.poll(async () => (await shownDeviceIds(table)).length).toBeGreaterThan(0);
    expect(new Set(await shownDeviceIds(table))).toEqual(new Set([lobby]));

    // Sessions names the cameras the wall opened.
    await page.getByTestId('nav-sessions').click();
    const peerCells = page.getByTestId('sessions-peer-cell');
    await expect(peerCells.filter({ hasText: 'CAM 01 Lobby' }).first()).toBeVisible();
    await expect(
      peerCells.filter({ hasText: 'CAM 02 Parking' }).first().getByTestId('device-name'),
    ).toHaveAttribute('data-device-id', parking);
    await page.screenshot({ path: join(screenshotDir, 'sessions-by-name.png'), animations: 'disabled' });

    // The command console sends to a camera picked by name, with a body prefilled for it.
    await page.getByTestId('nav-devices').click();
    await pick(page, page.getByTestId('command-target'), 'CAM 02 Parking');
    await expect(page.getByTestId('command-target-id')).toContainText(parking);
    await expect(page.getByTestId('command-body')).toHaveValue(new RegExp(parking));
    await page.getByTestId('command-send').click();
    await expect(page.getByTestId('command-status')).toHaveText('200');
    await expect(page.getByTestId('command-result')).toContainText(`1/${parking}/management/GetDeviceStatus`);
    await expect(page.getByTestId('command-response-body')).toContainText(parking);
    await page.screenshot({
      path: join(screenshotDir, 'command-console-by-name.png'),
      animations: 'disabled',
    });

    // The form survives a visit to another page.
    await page.getByTestId('nav-sessions').click();
    await page.getByTestId('nav-devices').click();
    await expect(page.getByTestId('command-target-id')).toContainText(parking);

    // The operator renames a camera on the Live wall: the new name is what every view shows.
    await page.getByTestId('nav-liveWall').click();
    await page
      .getByTestId('live-device-row')
      .filter({ hasText: 'CAM 02 Parking' })
      .getByTestId('device-rename')
      .click();
    await page.locator('.device-rename input').fill('Dock door');
    await page.locator('.device-rename').getByRole('button', { name: 'Save' }).click();
    await expect(page.locator(`[data-testid=live-device-row][data-device-id="${parking}"]`)).toContainText(
      'Dock door',
    );
    await page.screenshot({ path: join(screenshotDir, 'live-wall-renamed.png'), animations: 'disabled' });
    await page.getByTestId('nav-devices').click();
    await expect(page.locator('.command-history [data-testid=device-name]').first()).toHaveText('Dock door');
    await page.getByTestId('nav-sceneMarks').click();
    await page.getByTestId('scenemark-text').fill('dock door');
    await page.getByTestId('scenemark-search').click();
    await expect.poll(async () => (await shownDeviceIds(table)).length).toBeGreaterThan(0);
    expect(new Set(await shownDeviceIds(table))).toEqual(new Set([parking]));
    expect(pageProblems).toEqual([]);
  });
});

test('a drag over the timeline narrows the rows to its span; a click lists one bar; the wheel zooms', async ({
  page,
  webShell,
  pageProblems,
}) => {
  // 240 SceneMarks of three devices, one every ~10 s over the last 40 minutes.
  const db = new Database(join(webShell.dataDir, 'nice-console.sqlite'));
  const startMs = Date.now() - 45 * 60 * 1000;
  const originals = Array.from({ length: 240 }, (_, index) =>
    generateSceneMark(index, { startMs, intervalMs: 10_000, devices: 3, idPrefix: 'TL' }),
  );
  new SceneMarkRepository(db).writeBatch(
    originals.map((bytes) => storeSceneMark(parseSceneMark(bytes), 'e2e', Date.now())),
  );
  db.close();
  const times = originals.map((bytes) => parseSceneMark(bytes).normalised.time);
  const within = (from: number, to: number): number =>
    times.filter((time) => time >= from && time < to).length;

  await page.goto(webShell.accessUrl);
  await page.getByTestId('nav-sceneMarks').click();
  const timeline = page.getByTestId('scenemark-timeline');
  await expect(timeline).toContainText('240 SceneMarks');
  // "Last 24 hours" shows the 40 minutes that hold SceneMarks, in bars of a minute or less.
  const span = async (): Promise<number> =>
    Number(await timeline.getAttribute('data-view-to')) -
    Number(await timeline.getAttribute('data-view-from'));
  expect(await span()).toBeLessThan(60 * 60 * 1000);
  expect(Number(await timeline.getAttribute('data-bucket-ms'))).toBeLessThanOrEqual(60_000);
  await page.screenshot({ path: join(screenshotDir, 'timeline-fitted.png'), animations: 'disabled' });

  // Drag across the second quarter of the bars.
  const plot = page.getByTestId('timeline-plot');
  const box = await plot.boundingBox();
  if (!box) throw new Error('the timeline has no box');
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * 0.3, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.45, y, { steps: 5 });
  await expect(page.getByTestId('timeline-drag')).toContainText('SceneMarks');
  await page.mouse.move(box.x + box.width * 0.55, y, { steps: 5 });
  await page.mouse.up();
  const selection = page.getByTestId('timeline-selection');
  await expect(selection).toBeVisible();
  const picked = {
    from: Number(await selection.getAttribute('data-from')),
    to: Number(await selection.getAttribute('data-to')),
  };
  const expected = within(picked.from, picked.to);
  expect(expected).toBeGreaterThan(10);
  expect(expected).toBeLessThan(240);
  await expect(page.getByTestId('scenemark-table')).toContainText(`${expected} shown`);
  await expect(timeline).toContainText(`${expected} SceneMarks`);
  await page.screenshot({ path: join(screenshotDir, 'timeline-dragged.png'), animations: 'disabled' });

  // A click on one bar lists that bar's SceneMarks.
  const bar = plot.locator('.timeline__bar[data-count]:not([data-count="0"])').nth(2);
  const barCount = Number(await bar.getAttribute('data-count'));
  const barBox = await bar.boundingBox();
  if (!barBox) throw new Error('the bar has no box');
  await page.mouse.click(barBox.x + barBox.width / 2, box.y + box.height - 2);
  await expect(page.getByTestId('scenemark-table')).toContainText(`${barCount} shown`);
  const clicked = {
    from: Number(await selection.getAttribute('data-from')),
    to: Number(await selection.getAttribute('data-to')),
  };
  expect(within(clicked.from, clicked.to)).toBe(barCount);

  // Back to the whole day; the wheel zooms the timeline in, the button out again.
  await selection.locator('.el-tag__close').click();
  await expect(page.getByTestId('scenemark-table')).toContainText('200 shown');
  const fitted = await span();
  await plot.hover();
  await page.mouse.wheel(0, -200);
  await expect.poll(span).toBeLessThan(fitted);
  const zoomed = await span();
  await page.getByTestId('timeline-zoom-out').click();
  await expect.poll(span).toBeGreaterThan(zoomed);

  // A filter that excludes everything says so, instead of promising SceneMarks to come.
  await page.getByTestId('scenemark-text').fill('no such camera');
  await page.getByTestId('scenemark-search').click();
  await expect(page.getByTestId('scenemarks-empty')).toContainText('the filters exclude every SceneMark');
  expect(pageProblems).toEqual([]);
});
