import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { parseSceneMark } from '../../src-main/core/nice/sceneMark';
import { SceneMarkRepository, storeSceneMark } from '../../src-main/services/scenemarks/sceneMarkRepository';
import { generateSceneMark, generatedDeviceId } from '../../bench/support/sceneMarkGenerator';
import { screenshotBothThemes } from './themeScreenshots';
import type { Page } from '@playwright/test';
import { expect, screenshotDir, test, type WebShell } from './webShellFixture';

// The export dialog starts from the page's search, shows progress, and ends in a summary whose
// hashes are those of the downloaded bytes; a cancelled export leaves no file behind.
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Downloads the finished export; its bytes, and the file hash the summary shows. */
async function downloadExport(page: Page): Promise<{ bytes: Buffer; shownHash: string }> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-download').click(),
  ]);
  const shownHash = ((await page.getByTestId('export-sha256').textContent()) ?? '').trim();
  return { bytes: readFileSync((await download.path()) ?? ''), shownHash };
}

/** Stores `count` SceneMarks of 3 devices, one every `intervalMs` up to now, as ingest would. */
function seed(webShell: WebShell, count: number, intervalMs: number, idPrefix: string): Uint8Array[] {
  const db = new Database(join(webShell.dataDir, 'nice-console.sqlite'));
  // The names their site gives them, so the pickers tell them apart.
  const name = db.prepare(
    'INSERT OR REPLACE INTO device_names (device_id, site_name, updated_ms) VALUES (?, ?, ?)',
  );
  for (let device = 0; device < 3; device++)
    name.run(generatedDeviceId(device), `CAM ${device + 1}`, Date.now());
  const startMs = Date.now() - count * intervalMs;
  const repository = new SceneMarkRepository(db);
  const originals: Uint8Array[] = [];
  for (let from = 0; from < count; from += 5000) {
    const batch = Array.from({ length: Math.min(5000, count - from) }, (_, offset) =>
      generateSceneMark(from + offset, { startMs, intervalMs, devices: 3, idPrefix }),
    );
    repository.writeBatch(batch.map((bytes) => storeSceneMark(parseSceneMark(bytes), 'e2e', Date.now())));
    originals.push(...batch);
  }
  db.close();
  return originals;
}

test('exports the searched device and range with matching rows and hashes', async ({
  page,
  webShell,
  pageProblems,
}) => {
  const originals = seed(webShell, 300, 10_000, 'EXP');
  const device = generatedDeviceId(1);
  const expected = originals
    .map((bytes) => ({ bytes, parsed: parseSceneMark(bytes).normalised }))
    .filter(({ parsed }) => parsed.deviceId === device)
    .sort((a, b) => a.parsed.time - b.parsed.time);

  await page.goto(webShell.accessUrl);
  await page.getByTestId('nav-sceneMarks').click();
  await page.getByTestId('scenemark-device').click();
  await page.locator('.el-select-dropdown__item:visible').filter({ hasText: 'CAM 2' }).click();
  await page.getByTestId('scenemark-text').fill('EXP');
  await page.getByTestId('scenemark-search').click();
  await expect(page.getByTestId('scenemark-timeline')).toContainText(`${expected.length} SceneMarks`);

  // The dialog starts from the search: its device, and a note that text is not exported.
  await page.getByTestId('export-open').click();
  const dialog = page.getByTestId('export-dialog');
  await expect(page.getByTestId('export-devices')).toContainText('CAM 2');
  await expect(page.getByTestId('export-text-note')).toContainText('“EXP” is not applied');
  await page.getByTestId('export-start').click();
  await expect(page.getByTestId('export-done')).toContainText(`${expected.length} rows`, { timeout: 30_000 });
  const { bytes, shownHash } = await downloadExport(page);
  expect(sha256(bytes)).toBe(shownHash);
  expect(bytes.toString('utf8')).toBe(
    expected.map(({ bytes: mark }) => `${Buffer.from(mark).toString('utf8')}\n`).join(''),
  );
  await screenshotBothThemes(page, 'export-dialog-done', {
    leave: () => dialog.getByRole('button', { name: 'Close', exact: true }).click(),
    restore: async () => {
      await page.getByTestId('export-open').click();
      await page.getByTestId('export-start').click();
      await expect(page.getByTestId('export-sha256')).toHaveText(shownHash);
    },
  });
  await page.getByTestId('export-open').click();

  // An evidence package: its SHA256SUMS hashes every file, and the summary names its own hash.
  await page.getByTestId('export-format').click();
  await page.locator('.el-select-dropdown__item:visible').filter({ hasText: 'Evidence package' }).click();
  await page.getByTestId('export-start').click();
  await expect(page.getByTestId('export-done')).toContainText(`${expected.length} rows`, { timeout: 30_000 });
  const manifestHash = (await page.getByTestId('export-manifest-sha256').textContent())?.trim();
  const { bytes: zipBytes, shownHash: zipHash } = await downloadExport(page);
  expect(sha256(zipBytes)).toBe(zipHash);
  const files = unzipSync(zipBytes);
  const manifest = files['SHA256SUMS'] ?? new Uint8Array();
  expect(sha256(manifest)).toBe(manifestHash);
  const lines = Buffer.from(manifest).toString('utf8').trim().split('\n');
  for (const line of lines) {
    const [hash, name] = line.split('  ');
    expect(sha256(files[name ?? ''] ?? new Uint8Array([1]))).toBe(hash);
  }
  const ndjson = Buffer.from(files['scenemarks.ndjson'] ?? [])
    .toString('utf8')
    .trimEnd()
    .split('\n');
  expect(ndjson).toHaveLength(expected.length);
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  expect(pageProblems).toEqual([]);
});

test('a cancelled export leaves no file', async ({ page, webShell, pageProblems }) => {
  test.setTimeout(180_000);
  seed(webShell, 150_000, 20, 'BIG');
  await page.goto(webShell.accessUrl);
  await page.getByTestId('nav-sceneMarks').click();
  await page.getByTestId('scenemark-range').click();
  await page.locator('.el-select-dropdown__item:visible').filter({ hasText: 'All time' }).click();
  await page.getByTestId('scenemark-search').click();
  await page.getByTestId('export-open').click();
  await page.getByTestId('export-format').click();
  await page.locator('.el-select-dropdown__item:visible').filter({ hasText: 'Evidence package' }).click();
  await page.getByTestId('export-start').click();
  // Rows of the total and a time left, then cancel while it writes.
  await expect(page.getByTestId('export-progress-text')).toContainText(/of 150,000 rows .* left/, {
    timeout: 30_000,
  });
  await page.screenshot({
    path: join(screenshotDir, 'export-dialog-running-dark.png'),
    animations: 'disabled',
  });
  await page.getByTestId('export-cancel').click();
  await expect(page.getByTestId('export-cancelled')).toBeVisible({ timeout: 30_000 });
  const pending = join(webShell.dataDir, 'exports-pending');
  expect(existsSync(pending) ? readdirSync(pending) : []).toEqual([]);
  expect(pageProblems).toEqual([]);
});
