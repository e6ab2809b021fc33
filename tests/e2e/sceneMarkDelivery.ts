import { expect, type Page } from '@playwright/test';
import { buildCmfRequest } from '../../src-main/core/nice/cmf';
import { connectionRow, createConnection, type TestBroker } from './brokerConnection';

/**
 * Where a device delivers SceneMarks to the console over a test broker: the console's data
 * topic, learnt from its subscription (`1/{console}/data/#`), as a camera's SceneMode names it.
 */
export interface DataTopic {
  consoleId: string;
  /** Publishes SceneMark bytes from `deviceId` as a plain CMF data request at QoS 1. */
  deliver(deviceId: string, sceneMark: Uint8Array, commandId: number): Promise<void>;
}

/** Connects the console to `broker` through the Connections page and waits for its data subscription. */
export async function connectDataTopic(page: Page, broker: TestBroker): Promise<DataTopic> {
  const subscribed = new Promise<string>((resolve) => {
    broker.aedes.on('subscribe', (subscriptions) => {
      for (const { topic } of subscriptions) {
        const match = /^1\/([0-9a-f-]+)\/data\/#$/.exec(topic);
        if (match?.[1]) resolve(match[1]);
      }
    });
  });
  await createConnection(page, 'Site broker', broker.url);
  await connectionRow(page, 'Site broker').getByTestId('connection-connect').click();
  await expect(connectionRow(page, 'Site broker').getByTestId('connection-state')).toHaveAttribute(
    'data-status',
    'connected',
  );
  const consoleId = await subscribed;
  return {
    consoleId,
    deliver: (deviceId, sceneMark, commandId) => {
      const commandType = `1/${consoleId}/data/0001/0002`;
      const message = buildCmfRequest({
        source: deviceId,
        destination: consoleId,
        commandType,
        commandId,
        accessToken: 'not-checked-without-a-known-account-service',
        encryptionOn: false,
        body: Buffer.from(sceneMark).toString('utf8'),
      });
      return new Promise((resolve, reject) =>
        broker.aedes.publish(
          {
            cmd: 'publish',
            topic: commandType,
            payload: Buffer.from(JSON.stringify(message)),
            qos: 1,
            retain: false,
            dup: false,
          },
          (error) => (error ? reject(error) : resolve()),
        ),
      );
    },
  };
}
