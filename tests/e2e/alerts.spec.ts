import Database from 'better-sqlite3';
import { join } from 'node:path';
import { generatedDeviceId } from '../../bench/support/sceneMarkGenerator';
import { editedSceneMark, firstAnalysis } from '../unit/services/scenemarks/ingestFixture';
import { startTestBroker, type TestBroker } from './brokerConnection';
import { connectDataTopic } from './sceneMarkDelivery';
import { screenshotBothThemes } from './themeScreenshots';
import { expect, test } from './webShellFixture';

// SceneMarks reach the console as a camera sends them (plain CMF over a broker) and go through
// ingest, where main matches them against the alert rules. The page's Notification constructor
// is wrapped so the test sees each desktop notification the browser is asked to show.
let broker: TestBroker;
test.beforeAll(async () => {
  broker = await startTestBroker();
});
test.afterAll(() => broker.close());

const dock = generatedDeviceId(0);
const lobby = generatedDeviceId(1);

/** SceneMark `index` of `device` (0 dock, 1 lobby) detecting exactly `objects`. */
function sceneMark(index: number, device: number, objects: Array<[string, number]>): Uint8Array {
  return editedSceneMark(
    index * 2 + device,
    (mark) => {
      mark['TimeStamp'] = new Date().toISOString();
      const analysis = firstAnalysis(mark);
      analysis['EventType'] = 'ItemPresence';
      analysis['TotalItemCount'] = objects.length;
      analysis['DetectedObjects'] = objects.map(([itemType, probability], ordinal) => ({
        NICEItemType: itemType,
        ItemID: `${index}-${ordinal}`,
        Probability: probability,
        BoundingBox: { XCoordinate: 0.2, YCoordinate: 0.2, Width: 0.3, Height: 0.5 },
      }));
    },
    { devices: 2, idPrefix: 'E2EALERT' },
  );
}

function sceneMarkId(bytes: Uint8Array): string {
  return (JSON.parse(Buffer.from(bytes).toString('utf8')) as { SceneMarkID: string }).SceneMarkID;
}

test('an alert rule calls the operator for a matching SceneMark and not for others', async ({
  page,
  context,
  webShell,
  pageProblems,
}) => {
  // Typed by hand: the e2e code has no DOM library.
  await page.addInitScript(() => {
    type NotificationClass = {
      new (title: string, options?: { body?: string; tag?: string }): object;
      readonly permission: string;
      requestPermission(): Promise<string>;
    };
    const scope = globalThis as unknown as {
      Notification: NotificationClass;
      shownNotifications: Array<{ title: string; body?: string }>;
    };
    const Real = scope.Notification;
    const shown: Array<{ title: string; body?: string }> = [];
    class Recording extends Real {
      constructor(title: string, options?: { body?: string; tag?: string }) {
        super(title, options);
        shown.push({ title, body: options?.body });
      }
    }
    Object.defineProperty(Recording, 'permission', { get: () => Real.permission });
    Object.defineProperty(Recording, 'requestPermission', { value: () => Real.requestPermission() });
    scope.Notification = Recording;
    scope.shownNotifications = shown;
  });
  const shown = () =>
    page.evaluate(() => (globalThis as unknown as { shownNotifications: unknown[] }).shownNotifications);

  await page.goto(webShell.accessUrl);
  const topic = await connectDataTopic(page, broker);
  // A first SceneMark makes the dock camera known to the device picker; it matches nothing yet.
  const first = sceneMark(1, 0, [['Vehicle', 0.9]]);
  await topic.deliver(dock, first, 1);

  await page.getByTestId('nav-alerts').click();
  await expect(page.getByTestId('alerts-no-rules')).toBeVisible();
  // The browser asks for permission on the operator's click.
  await context.grantPermissions(['notifications'], { origin: webShell.origin });
  await page.getByTestId('alerts-enable-notifications').click();
  await expect(page.getByTestId('alerts-permission')).toContainText('Desktop notifications are on');

  await page.getByTestId('alerts-new-rule').click();
  const dialog = page.getByTestId('alert-rule-dialog');
  // Main refuses a rule without a name, naming the field.
  await page.getByTestId('alert-rule-save').click();
  await expect(dialog.locator('.el-form-item.is-error')).toContainText('must not be empty');
  await page.getByTestId('alert-rule-name').fill('Person at the dock');
  await page.getByTestId('alert-rule-device').click();
  await page
    .locator('.el-select-dropdown__item')
    .filter({ hasText: dock.slice(0, 8) })
    .click();
  // Item types not seen yet can be typed in.
  await page.getByTestId('alert-rule-item-type').click();
  await page.getByTestId('alert-rule-item-type').locator('input').fill('Human');
  await page
    .locator('.el-select-dropdown__item:visible')
    .filter({ hasText: /^Human$/ })
    .click();
  await page.getByTestId('alert-rule-probability').locator('input').fill('0.8');
  await page.getByTestId('alert-rule-save').click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('alerts-rules')).toContainText('Person at the dock');
  await expect(page.getByTestId('alerts-rules')).toContainText('Human · p ≥ 0.80');

  // Delivered in order: another camera, too low a probability, then the match.
  const otherCamera = sceneMark(2, 1, [['Human', 0.97]]);
  const unsure = sceneMark(3, 0, [
    ['Human', 0.5],
    ['Vehicle', 0.95],
  ]);
  const match = sceneMark(4, 0, [['Human', 0.91]]);
  await topic.deliver(lobby, otherCamera, 2);
  await topic.deliver(dock, unsure, 3);
  await topic.deliver(dock, match, 4);

  await expect(page.getByTestId('nav-alerts-count')).toHaveText('1');
  await expect(page.getByTestId('alerts-list')).toContainText('Person at the dock');
  await expect
    .poll(shown)
    .toEqual([
      { title: 'Alert: Person at the dock', body: `Human (91 %) on ${dock.slice(0, 8)}… · node 0001` },
    ]);
  const db = new Database(join(webShell.dataDir, 'nice-console.sqlite'), { readonly: true });
  const alerts = () => db.prepare('SELECT scenemark_id, acknowledged_ms FROM alerts').all();
  expect(alerts()).toEqual([{ scenemark_id: sceneMarkId(match), acknowledged_ms: null }]);
  // Every SceneMark was stored, matching or not.
  const stored = db
    .prepare("SELECT count(*) AS n FROM scenemarks WHERE scenemark_id LIKE 'E2EALERT%'")
    .get() as { n: number };
  expect(stored.n).toBe(4);
  expect(pageProblems).toEqual([]);
  await screenshotBothThemes(page, 'alerts');

  await page.getByTestId('alert-acknowledge').click();
  await expect(page.getByTestId('nav-alerts-count')).toBeHidden();
  await expect(page.getByTestId('alerts-open-count')).toHaveText('· 0 open');
  expect(alerts()).toEqual([{ scenemark_id: sceneMarkId(match), acknowledged_ms: expect.any(Number) }]);
  db.close();

  // The rule survives a restart of the console.
  await webShell.restart();
  await page.goto(webShell.accessUrl);
  await page.getByTestId('nav-alerts').click();
  await expect(page.getByTestId('alerts-rules')).toContainText('Person at the dock');
  await expect(page.getByTestId('alerts-list')).toContainText('acknowledged');
  expect(await shown()).toEqual([]);
  // The old page's bridge retried while the console was down.
  expect(pageProblems.filter((problem) => !problem.includes('ERR_CONNECTION_REFUSED'))).toEqual([]);
});
