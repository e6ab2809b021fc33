import type { Page } from '@playwright/test';
import { join } from 'node:path';
import { expect, screenshotDir } from './webShellFixture';

/**
 * Screenshots the page as it is in the dark theme, then again in the light one (switched on
 * the Settings page as an operator would, then back to the same view), and leaves it dark.
 * A view that does not survive leaving the page (an open dialog) passes `leave` to close it
 * and `restore` to bring it back.
 */
export async function screenshotBothThemes(
  page: Page,
  name: string,
  view: { leave?: () => Promise<void>; restore?: () => Promise<void> } = {},
): Promise<void> {
  await page.screenshot({ path: join(screenshotDir, `${name}-dark.png`), animations: 'disabled' });
  const url = page.url();
  await view.leave?.();
  await setTheme(page, 'Light');
  await page.goto(url);
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await view.restore?.();
  await page.screenshot({ path: join(screenshotDir, `${name}-light.png`), animations: 'disabled' });
  await view.leave?.();
  await setTheme(page, 'Dark');
  await page.goto(url);
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
}

async function setTheme(page: Page, label: 'Light' | 'Dark'): Promise<void> {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('setting-theme').getByText(label, { exact: true }).click();
}
