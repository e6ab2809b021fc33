import { generateSceneMark, generatedDeviceId } from '../../bench/support/sceneMarkGenerator';
import { startTestBroker, type TestBroker } from './brokerConnection';
import { connectDataTopic } from './sceneMarkDelivery';
import { screenshotBothThemes } from './themeScreenshots';
import { expect, test } from './webShellFixture';

// SceneMarks a camera delivers while the SceneMarks page is open appear in its live feed, newest
// first; Pause holds the rows still and counts what comes meanwhile; a row opens the detail.
let broker: TestBroker;
test.beforeAll(async () => {
  broker = await startTestBroker();
});
test.afterAll(() => broker.close());

function sceneMarkIdOf(bytes: Uint8Array): string {
  return (JSON.parse(Buffer.from(bytes).toString('utf8')) as { SceneMarkID: string }).SceneMarkID;
}

test('the live feed shows SceneMarks as they arrive, pauses and resumes', async ({
  page,
  webShell,
  pageProblems,
}) => {
  await page.goto(webShell.accessUrl);
  const topic = await connectDataTopic(page, broker);
  await page.getByTestId('nav-sceneMarks').click();
  await expect(page.getByTestId('live-feed-empty')).toBeVisible();

  const marks = Array.from({ length: 40 }, (_, index) =>
    generateSceneMark(index, { devices: 4, startMs: Date.now(), intervalMs: 100, idPrefix: 'FEED' }),
  );
  for (const [index, bytes] of marks.slice(0, 30).entries())
    await topic.deliver(generatedDeviceId(index % 4), bytes, index + 1);
  await expect(page.getByTestId('live-feed-received')).toHaveText('30 received');
  await expect(page.getByTestId('live-feed-rate')).not.toHaveText('0 SceneMarks/s');
  const firstRow = page.getByTestId('live-feed-row').first();
  await expect(firstRow.getByTestId('device-name')).toHaveAttribute(
    'data-device-id',
    generatedDeviceId(29 % 4),
  );

  await page.getByTestId('live-feed-toggle').click();
  for (const [offset, bytes] of marks.slice(30).entries())
    await topic.deliver(generatedDeviceId((30 + offset) % 4), bytes, 31 + offset);
  await expect(page.getByTestId('live-feed-waiting')).toHaveText('paused · 10 new');
  await expect(page.getByTestId('live-feed-received')).toHaveText('40 received');
  // Paused: the newest row shown is still the 30th.
  await expect(firstRow.getByTestId('device-name')).toHaveAttribute(
    'data-device-id',
    generatedDeviceId(29 % 4),
  );
  await page.getByTestId('live-feed-toggle').click();
  await expect(page.getByTestId('live-feed-waiting')).toBeHidden();
  await expect(firstRow.getByTestId('device-name')).toHaveAttribute(
    'data-device-id',
    generatedDeviceId(39 % 4),
  );

  await firstRow.click();
  await expect(page.getByTestId('scenemark-detail')).toContainText(
    `SceneMark ${sceneMarkIdOf(marks[39] ?? new Uint8Array())}`,
  );
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('scenemark-detail')).toBeHidden();
  expect(pageProblems).toEqual([]);
  // The feed keeps its rows while the theme is switched on the Settings page.
  await screenshotBothThemes(page, 'scenemarks-live-feed');
  await expect(page.getByTestId('live-feed-row')).not.toHaveCount(0);
});
