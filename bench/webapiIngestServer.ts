// Child process of bench/webapiIngest.bench.ts: runs the WebAPI server with a counting sink in
// its own process, as the console's main process would, while the bench drives it as cameras.
// With `baseline: true` it runs a bare Fastify HTTPS server that answers `{}` without looking
// at the body, to show what this machine manages without any NICE work.
import Fastify from 'fastify';
import { once } from 'node:events';
import type { WebApiIngestSink } from '../src-main/services/webapi/webApiIngestSink';
import { startWebApiServer } from '../src-main/services/webapi/webApiServer';

const [message] = (await once(process, 'message')) as [
  { consoleId: string; cert: string; key: string; token: string; baseline: boolean },
];
const { consoleId, cert, key, token, baseline } = message;
let sceneMarks = 0;
let rejects = 0;

async function startBaseline(): Promise<{ port: number; close(): Promise<void> }> {
  const app = Fastify({ https: { cert, key } });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.post('/*', async (_request, reply) => reply.type('application/json').send('{}'));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, close: () => app.close() };
}

const sink: WebApiIngestSink = {
  onSceneMark: () => void (sceneMarks += 1),
  onSceneData: () => undefined,
  onReject: () => void (rejects += 1),
};
const server = baseline
  ? await startBaseline()
  : await startWebApiServer({
      consoleEndPointId: consoleId,
      tls: { cert, key },
      verifyBearer: async (bearer) => {
        if (bearer !== token) throw new Error('unexpected token in bench');
      },
      sink,
      rateLimit: { max: 1_000_000, timeWindowMs: 1_000 },
    });
process.send?.({ port: server.port });
process.on('message', (command: unknown) => {
  if (command !== 'stop') return;
  void server.close().then(() => {
    process.send?.({ sceneMarks, rejects }, () => process.disconnect());
  });
});
