import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { issueAccessToken } from '../../src-main/core/nice/accessToken';
import { generateEndpointKeyPair } from '../../src-main/core/nice/endpointKeys';
import { startCmfResponder, type CmfResponder } from '../support/cmfResponder';
import { connectionRow, createConnection, startTestBroker, type TestBroker } from './brokerConnection';
import { expect, screenshotDir, test } from './webShellFixture';

// The command console against a device-side responder on a real broker: the operator sends a
// CMF command and reads the reply and both messages as they went over the wire.
const deviceId = randomUUID();
let broker: TestBroker;
let device: CmfResponder;

test.beforeAll(async () => {
  broker = await startTestBroker();
  device = await startCmfResponder(broker.url, deviceId, { protocolVersion: 4 });
});

test.afterAll(async () => {
  await device.close();
  await broker.close();
});

test('sends a command to a device and shows the reply, a timeout and bad input', async ({
  page,
  webShell,
  pageProblems,
}) => {
  await page.goto(webShell.accessUrl);
  await createConnection(page, 'Lab broker', broker.url, { plainBodies: true });
  await connectionRow(page, 'Lab broker').getByTestId('connection-connect').click();
  await expect(connectionRow(page, 'Lab broker').getByTestId('connection-state')).toHaveAttribute(
    'data-status',
    'connected',
  );

  await page.getByTestId('nav-devices').click();
  // Not a device the console knows: its EndPointID is typed into the picker.
  await page.getByTestId('command-target').click();
  await page.keyboard.type(deviceId);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('command-target-id')).toContainText(deviceId);
  await expect(page.getByTestId('command-body')).toHaveValue(new RegExp(deviceId));
  // No account service of the console binds this device: the operator pastes a token from its own.
  const issuer = await generateEndpointKeyPair(randomUUID());
  const token = await issueAccessToken(
    { iss: issuer.publicJwk.kid, sub: randomUUID(), aud: deviceId, Permissions: ['Management'] },
    issuer.privateJwk,
    { expiresInSec: 600 },
  );
  await page.getByTestId('command-token').fill(token);
  await page.getByTestId('command-send').click();
  await expect(page.getByTestId('command-status')).toHaveText('200');
  await expect(page.getByTestId('command-response-body')).toContainText('"Result": "OK"');
  await expect(page.getByTestId('command-result')).toContainText(`1/${deviceId}/management/GetDeviceStatus`);
  // The device really received the command, on its management topic.
  expect(device.received.at(-1)?.request.CommandType).toBe(`1/${deviceId}/management/GetDeviceStatus`);
  expect(device.received.at(-1)?.request.AccessToken).toBe(token);
  await page.screenshot({ path: join(screenshotDir, 'devices-command-console.png'), animations: 'disabled' });

  // Bad JSON never leaves the page; the error names the field.
  await page.getByTestId('command-body').fill('{"Version": ');
  await page.getByTestId('command-send').click();
  await expect(page.getByText(/^body: not valid JSON/)).toBeVisible();

  // A device that never answers: the console says so instead of waiting forever.
  device.decide = () => 'ignore';
  await page.getByTestId('command-body').fill('{"Version": "1.0"}');
  await page.getByTestId('command-send').click();
  await expect(page.getByTestId('command-error')).toContainText('TIMEOUT', { timeout: 15_000 });
  device.decide = () => 'answer';
  expect(pageProblems).toEqual([]);
});
