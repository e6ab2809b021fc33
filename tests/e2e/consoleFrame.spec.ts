import { join } from 'node:path';
import WebSocket from 'ws';
import { expect, screenshotDir, test } from './webShellFixture';

// `notice`: the page (or part of it) still says plainly that it is not built.
const sections = [
  { name: 'liveWall', title: 'Live wall', notice: false },
  { name: 'devices', title: 'Devices', notice: true },
  { name: 'sceneMarks', title: 'SceneMarks', notice: false },
  { name: 'sessions', title: 'Sessions', notice: false },
  { name: 'webcast', title: 'Webcast', notice: true },
  { name: 'connections', title: 'Connections', notice: false },
  { name: 'settings', title: 'Settings', notice: false },
];

test('opens the console and visits every section', async ({ page, webShell, pageProblems }) => {
  const response = await page.goto(webShell.accessUrl);
  expect(response?.status()).toBe(200);
  // The token is traded for a cookie and leaves the address bar.
  expect(page.url()).not.toContain('token=');
  await expect(page.getByTestId('status-bridge')).toHaveAttribute('data-state', 'connected');
  await expect(page.getByTestId('status-shell')).toContainText('Web shell');

  for (const section of sections) {
    await page.getByTestId(`nav-${section.name}`).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(section.title);
    await expect(page.getByTestId('not-built')).toHaveCount(section.notice ? 1 : 0);
    await page.screenshot({ path: join(screenshotDir, `frame-${section.name}.png`), animations: 'disabled' });
  }

  await expect(page.getByTestId('app-info-data-dir')).toHaveText(webShell.dataDir);
  await expect(page.getByTestId('diagnostic-log')).toContainText('services started');
  // The storage gauge reads the real database file of this run.
  await expect(page.getByTestId('storage-size')).toContainText('MiB');
  expect(pageProblems).toEqual([]);
});

test('keeps a changed setting across a reload and a restart', async ({ page, webShell, pageProblems }) => {
  await page.goto(webShell.accessUrl);
  await page.getByTestId('nav-settings').click();
  await expect(page.locator('html')).toHaveClass(/dark/);

  await page.getByTestId('setting-theme').getByText('Light').click();
  await expect(page.locator('html')).not.toHaveClass(/dark/);
  await page.getByTestId('setting-time-display').getByText('UTC').click();
  await expect(page.getByTestId('status-clock')).toHaveText(/^\d\d:\d\d:\d\dZ$/);
  // The change came back over the live event stream as well.
  await expect(page.getByTestId('diagnostic-log')).toContainText('changed theme=light');
  await page.screenshot({ path: join(screenshotDir, 'frame-settings-light.png'), animations: 'disabled' });

  await page.reload();
  await expect(page.getByTestId('status-bridge')).toHaveAttribute('data-state', 'connected');
  await expect(page.locator('html')).not.toHaveClass(/dark/);
  await expect(page.getByTestId('status-clock')).toHaveText(/Z$/);

  // A new process on the same data folder reads the settings back from SQLite.
  await webShell.restart();
  await page.goto(webShell.accessUrl);
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('setting-theme').locator('.is-active')).toHaveText('Light');
  await expect(page.locator('html')).not.toHaveClass(/dark/);
  expect(pageProblems.filter((problem) => !problem.includes('ERR_CONNECTION_REFUSED'))).toEqual([]);
});

test('refuses HTTP and WebSocket requests without the token', async ({ browser, webShell }) => {
  const bare = await fetch(`${webShell.origin}/`, { redirect: 'manual' });
  expect(bare.status).toBe(401);
  const wrong = await fetch(`${webShell.origin}/?token=not-the-token`, { redirect: 'manual' });
  expect(wrong.status).toBe(401);
  const asset = await fetch(`${webShell.origin}/favicon.svg`);
  expect(asset.status).toBe(401);

  const upgradeStatus = await new Promise<number>((resolve, reject) => {
    const socket = new WebSocket(`${webShell.origin.replace('http', 'ws')}/bridge`);
    socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.on('open', () => reject(new Error('socket opened without a token')));
    socket.on('error', () => undefined);
  });
  expect(upgradeStatus).toBe(401);

  // A browser without the cookie sees the refusal too.
  const context = await browser.newContext();
  const page = await context.newPage();
  const response = await page.goto(`${webShell.origin}/`);
  expect(response?.status()).toBe(401);
  await expect(page.locator('body')).toContainText('Unauthorized');
  await context.close();
});

test('tells the operator when the console services go away', async ({ page, webShell }) => {
  await page.goto(webShell.accessUrl);
  await expect(page.getByTestId('status-bridge')).toHaveAttribute('data-state', 'connected');
  expect(await webShell.stop()).toBe(0);
  await expect(page.getByTestId('status-bridge')).toHaveAttribute('data-state', 'reconnecting');
  await expect(page.getByRole('alert')).toContainText('cannot be reached');
});
