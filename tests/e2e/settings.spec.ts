import { expect, test } from './webShellFixture';
import { screenshotBothThemes } from './themeScreenshots';

// Settings: the theme can follow the operating system, and About lists versions and licences.
test('the theme follows the system, and About lists versions and licences', async ({
  page,
  webShell,
  pageProblems,
}) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(webShell.accessUrl);
  await page.getByTestId('nav-settings').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByTestId('setting-theme').getByText('Follow the system', { exact: true }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  // The system switching to dark switches the console with it, without a reload.
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');

  const about = page.getByTestId('settings-about');
  await expect(page.getByTestId('about-version')).toHaveText('0.1.0');
  await expect(about).toContainText('Node ');
  await expect(page.getByTestId('about-licences')).toContainText('better-sqlite3');
  await expect(page.getByTestId('about-licences')).toContainText('element-plus');
  await expect(page.getByTestId('app-info-data-dir')).toHaveText(webShell.dataDir);
  await page.getByTestId('setting-theme').getByText('Dark', { exact: true }).click();
  await screenshotBothThemes(page, 'settings');
  expect(pageProblems).toEqual([]);
});
