import { join } from 'node:path';
import { connectionRow, startTestBroker, type TestBroker } from './brokerConnection';
import { expect, screenshotDir, test } from './webShellFixture';

// A real broker beside the web shell: the console connects to it as it would to a site broker.
let broker: TestBroker;
let brokerUrl: string;

test.beforeAll(async () => {
  broker = await startTestBroker();
  brokerUrl = broker.url;
});

test.afterAll(() => broker.close());

test('adds a broker connection, connects, tests, keeps it across a reload and deletes it', async ({
  page,
  webShell,
  pageProblems,
}) => {
  await page.goto(webShell.accessUrl);
  await page.getByTestId('nav-connections').click();
  await expect(page.getByTestId('connections-empty')).toBeVisible();

  // A URL main refuses: the error names the field and nothing is stored.
  await page.getByTestId('connections-new').click();
  await page.getByTestId('profile-name').fill('Site broker');
  await page.getByTestId('profile-url').fill('http://127.0.0.1:1883');
  await page.getByTestId('profile-save').click();
  await expect(page.locator('.el-form-item.is-error')).toContainText('scheme http:// is not supported');
  await page.screenshot({
    path: join(screenshotDir, 'connections-dialog-error.png'),
    animations: 'disabled',
  });

  await page.getByTestId('profile-url').fill(brokerUrl);
  await page.getByRole('radio', { name: '3.1.1' }).check({ force: true });
  await page.getByTestId('profile-save').click();
  await expect(page.getByTestId('profile-dialog')).toBeHidden();
  const row = connectionRow(page, 'Site broker');
  await expect(row).toContainText(brokerUrl);
  await expect(row.getByTestId('connection-state')).toHaveAttribute('data-status', 'disconnected');

  await row.getByTestId('connection-connect').click();
  await expect(row.getByTestId('connection-state')).toHaveAttribute('data-status', 'connected');
  await expect(page.getByTestId('status-brokers')).toHaveText('Brokers: 1 of 1 connected');
  await expect.poll(() => broker.aedes.connectedClients).toBe(1);
  await page.screenshot({ path: join(screenshotDir, 'connections-connected.png'), animations: 'disabled' });

  await row.getByTestId('connection-disconnect').click();
  await expect(row.getByTestId('connection-state')).toHaveAttribute('data-status', 'disconnected');
  await expect.poll(() => broker.aedes.connectedClients).toBe(0);
  await row.getByTestId('connection-test').click();
  await expect(page.getByText(/Site broker: broker reached in \d+ ms/)).toBeVisible();

  await page.reload();
  await expect(row).toContainText(brokerUrl);
  await row.getByTestId('connection-delete').click();
  await page.getByRole('button', { name: 'Delete', exact: true }).last().click();
  await expect(page.getByTestId('connections-empty')).toBeVisible();
  expect(pageProblems).toEqual([]);
});
