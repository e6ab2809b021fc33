import { Aedes } from 'aedes';
import { createServer, type Server } from 'node:net';
import { expect, type Page } from '@playwright/test';

/** An aedes broker on loopback for one spec file, as a site broker stands in for the console. */
export interface TestBroker {
  url: string;
  aedes: Aedes;
  close(): Promise<void>;
}

/** Starts aedes on 127.0.0.1 at a free port. */
export async function startTestBroker(): Promise<TestBroker> {
  const aedes = await Aedes.createBroker();
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  return {
    url: `mqtt://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    aedes,
    close: async () => {
      await new Promise<void>((done) => aedes.close(() => done()));
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** Fills and saves the new-connection dialog (MQTT 3.1.1: aedes speaks nothing newer). */
export async function createConnection(
  page: Page,
  name: string,
  url: string,
  options: { plainBodies?: boolean } = {},
): Promise<void> {
  await page.getByTestId('nav-connections').click();
  await page.getByTestId('connections-new').click();
  await page.getByTestId('profile-name').fill(name);
  await page.getByTestId('profile-url').fill(url);
  await page.getByRole('radio', { name: '3.1.1' }).check({ force: true });
  if (options.plainBodies) await page.getByTestId('profile-plain-bodies').click();
  await page.getByTestId('profile-save').click();
  await expect(page.getByTestId('profile-dialog')).toBeHidden();
}

/** The table row of one connection. */
export function connectionRow(page: Page, name: string) {
  return page.getByTestId('connections-table').locator('tbody tr').filter({ hasText: name });
}
