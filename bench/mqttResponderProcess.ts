import { startCmfResponder } from '../tests/support/cmfResponder';

// A device-side CMF responder in its own process, as a camera is: `node --import tsx
// bench/mqttResponderProcess.ts <brokerUrl> <deviceId>`. Prints "ready" once subscribed and
// exits on SIGTERM.
const [url, deviceId] = process.argv.slice(2);
if (!url || !deviceId) {
  process.stderr.write('usage: mqttResponderProcess.ts <brokerUrl> <deviceId>\n');
  process.exit(2);
}
const responder = await startCmfResponder(url, deviceId);
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void responder.close().then(() => process.exit(0));
});
