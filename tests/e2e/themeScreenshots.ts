import type { Page } from '@playwright/test';
import { join } from 'node:path';
import { expect, screenshotDir } from './webShellFixture';

/**
 * Screenshots the page as it is in the dark theme, then again in the light one (switched on
 * the Settings page as an operator would, then back to the same view), and leaves it dark.
 */
export async function screenshotBothThemes(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshotDir, `${name}-dark.png`), animations: 'disabled' });
  const view = page.url();
  await setTheme(page, 'Light');
  await page.goto(view);
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await page.screenshot({ path: join(screenshotDir, `${name}-light.png`), animations: 'disabled' });
  await setTheme(page, 'Dark');
  await page.goto(view);
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
}

async function setTheme(page: Page, label: 'Light' | 'Dark'): Promise<void> {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('setting-theme').getByText(label, { exact: true }).click();
}
