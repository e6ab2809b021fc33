import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSceneMark } from '../../src-main/core/nice/sceneMark';
import { SceneMarkRepository, storeSceneMark } from '../../src-main/services/scenemarks/sceneMarkRepository';
import jpeg from 'jpeg-js';
import { generateSceneMark, generateSceneMarkObject } from '../../bench/support/sceneMarkGenerator';
import { screenshotBothThemes } from './themeScreenshots';
import { expect, screenshotDir, test } from './webShellFixture';

// SceneMarks stored in the console's database (through the same repository the ingest
// pipeline uses) are found, charted and opened in the page.
const count = 240;

/** The SceneMark with a grey 320×180 JPEG embedded as its thumbnail, as a camera may send it. */
function withThumbnail(sceneMark: Record<string, unknown>): Uint8Array {
  const [width, height] = [320, 180];
  const pixels = Buffer.alloc(width * height * 4, 0x60);
  const thumbnail = jpeg.encode({ data: pixels, width, height }, 70).data;
  const list = sceneMark['SceneDataList'] as Record<string, unknown>[];
  const entry = list[0] ?? {};
  entry['EmbeddedSceneData'] = Buffer.from(thumbnail).toString('base64');
  delete entry['SceneDataURI'];
  return new TextEncoder().encode(JSON.stringify(sceneMark));
}

test('finds, charts, exports and opens stored SceneMarks', async ({ page, webShell, pageProblems }) => {
  await page.goto(webShell.accessUrl);
  await page.getByTestId('nav-sceneMarks').click();
  await expect(page.getByTestId('scenemarks-empty')).toBeVisible();

  // A second connection writes while the web shell runs, as WAL allows.
  const db = new Database(join(webShell.dataDir, 'nice-console.sqlite'));
  const startMs = Date.now() - 60 * 60 * 1000;
  const options = { startMs, intervalMs: 10_000, devices: 3, idPrefix: 'E2E' };
  const originals = Array.from({ length: count }, (_, index) =>
    index === 0 ? withThumbnail(generateSceneMarkObject(0, options)) : generateSceneMark(index, options),
  );
  new SceneMarkRepository(db).writeBatch(
    originals.map((bytes) => storeSceneMark(parseSceneMark(bytes), 'e2e', Date.now())),
  );
  db.close();
  const first = parseSceneMark(originals[0] ?? new Uint8Array()).normalised;

  await page.getByTestId('scenemark-search').click();
  await expect(page.getByTestId('scenemark-timeline')).toContainText(`${count} SceneMarks`);
  await expect(page.getByTestId('scenemark-table')).toContainText('shown');
  await page.screenshot({ path: join(screenshotDir, 'scenemarks-list.png'), animations: 'disabled' });

  // Export the search as NDJSON: the downloaded file holds every SceneMark exactly as received.
  await page.getByTestId('export-open').click();
  await page.getByTestId('export-start').click();
  await expect(page.getByTestId('export-done')).toContainText(`${count} rows`, { timeout: 30_000 });
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-download').click(),
  ]);
  const exported = readFileSync((await download.path()) ?? '', 'utf8');
  const lines = exported.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(count);
  expect(new Set(lines)).toEqual(new Set(originals.map((bytes) => Buffer.from(bytes).toString('utf8'))));
  await page.getByTestId('export-dialog').getByRole('button', { name: 'Close', exact: true }).click();

  // Narrow to one SceneMark by its ID and open it: the original bytes come back unchanged.
  await page.getByTestId('scenemark-text').fill(first.sceneMarkId);
  await page.getByTestId('scenemark-search').click();
  await expect(page.getByTestId('scenemark-table')).toContainText('1 shown');
  await page.locator('.el-table-v2__row').first().click();
  const detail = page.getByTestId('scenemark-detail');
  await expect(detail).toContainText(`SceneMark ${first.sceneMarkId}`);
  const shown = await page.getByTestId('scenemark-original').textContent();
  expect(JSON.parse(shown ?? '')).toEqual(JSON.parse(Buffer.from(originals[0] ?? []).toString('utf8')));
  // The embedded thumbnail carries every boxed object of the SceneMark, labelled.
  const boxed = first.objects.filter((object) => object.box);
  await expect(detail.getByTestId('scenemark-box')).toHaveCount(boxed.length);
  await expect(detail.getByTestId('scenemark-box').first()).toHaveText(
    `${boxed[0]?.itemType} ${Math.round((boxed[0]?.probability ?? 0) * 100)} %`,
  );
  await expect(detail.getByTestId('scenemark-device-link')).toBeVisible();
  await screenshotBothThemes(page, 'scenemarks-detail', {
    leave: () => page.keyboard.press('Escape'),
    restore: async () => {
      await page.locator('.el-table-v2__row').first().click();
      await expect(detail.getByTestId('scenemark-box')).toHaveCount(boxed.length);
    },
  });
  expect(pageProblems).toEqual([]);
});
