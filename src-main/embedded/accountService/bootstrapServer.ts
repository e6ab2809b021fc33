import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import {
  buildCmfResponse,
  parseCmfRequest,
  serializeCmfMessage,
  type CmfRequest,
  type CmfResponse,
} from '../../core/nice/cmf';
import { formatCommandType, managementPath } from '../../core/nice/destinationId';
import { isEndPointId } from '../../core/nice/endPointId';
import { NiceProtocolError } from '../../core/nice/niceProtocolError';
import { niceTlsCiphers, niceTlsMinVersion } from '../../core/nice/tlsProfile';
import type { Logger } from '../../core/util/logger';
import {
  HttpFailure,
  answerJsonOnly,
  mediaType,
  requireJsonAccept,
  requirePost,
  urlPath,
} from '../../services/webapi/httpFailure';
import { LOG_SOURCE, describeError } from './siteContext';

/** The only API the LA answers over HTTPS. */
export const BOOTSTRAP_API = 'GetManagementEndPoint';

/** Largest request body, bytes: a CMF request with a small plain body. */
const MAX_BODY_BYTES = 64 * 1024;

/** Options of the LA's HTTPS listener. */
export interface BootstrapServerOptions {
  endPointId: string;
  host: string;
  port: number;
  cert: string | Buffer;
  key: string | Buffer;
  /** Runs a parsed request through the LA endpoint; null while the same CommandID is running. */
  answer(request: CmfRequest): Promise<CmfResponse | null>;
  /** Requests per client address and second (429 above). */
  rateLimitPerSecond?: number;
  logger: Logger;
}

/** A running LA listener. */
export interface BootstrapServer {
  /** `https://host:port`. */
  origin: string;
  close(): Promise<void>;
}

/**
 * The LA's HTTPS listener (v0.9 §7.1): `POST /1/{LA id}/management/GetManagementEndPoint` with a
 * CMF request, answered with the LA endpoint's CMF response and its ReplyStatusCode as the HTTP
 * status. TLS 1.2+ with the v0.9 §5 suites; `Content-Type: application/json` and
 * `X-Content-Type-Options: nosniff` on every answer; failures that come before a CMF request can
 * be read (404, 405, 406, 413, 415, 429, a body that is not CMF) carry a JSON error body.
 */
export async function startBootstrapServer(options: BootstrapServerOptions): Promise<BootstrapServer> {
  const ownId = options.endPointId.toLowerCase();
  const app = Fastify({
    logger: false,
    bodyLimit: MAX_BODY_BYTES,
    forceCloseConnections: true,
    return503OnClosing: true,
    https: {
      cert: options.cert,
      key: options.key,
      minVersion: niceTlsMinVersion,
      ciphers: niceTlsCiphers,
      honorCipherOrder: true,
    },
  });

  // The CMF text is parsed (and its size checked) by parseCmfMessage, not by Fastify.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  await app.register(fastifyRateLimit, { global: false });
  const rateLimit = app.rateLimit({ max: options.rateLimitPerSecond ?? 50, timeWindow: 1_000 });

  answerJsonOnly(app, {
    maxBodyBytes: MAX_BODY_BYTES,
    rateLimit,
    logInternalError: (request, error) =>
      options.logger.log(
        'error',
        LOG_SOURCE,
        `${request.method} ${urlPath(request.url)} failed`,
        error.stack,
      ),
  });

  /** Checks made before the body is read: path, method, query, Accept and Content-Type. */
  const checkRequest = async (request: FastifyRequest): Promise<void> => {
    const { version, endPointId, api } = request.params as Record<string, string | undefined>;
    if (
      (version !== '1' && version !== '1.0') ||
      !isEndPointId(endPointId) ||
      endPointId.toLowerCase() !== ownId
    ) {
      throw new HttpFailure(404, `no such resource: ${urlPath(request.url)}`);
    }
    if (api !== BOOTSTRAP_API)
      throw new HttpFailure(404, `${api ?? ''} is not answered over HTTPS here`, 'API');
    requirePost(request);
    if (request.url.includes('?')) throw new HttpFailure(400, 'no query string is allowed', 'query');
    requireJsonAccept(request);
    const { type, utf8 } = mediaType(request.headers['content-type']);
    if (type !== 'application/json' || !utf8) {
      throw new HttpFailure(415, 'Content-Type must be application/json (UTF-8)', 'Content-Type');
    }
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const body = request.body instanceof Buffer ? request.body : Buffer.alloc(0);
    let cmf: CmfRequest;
    try {
      cmf = parseCmfRequest(body, 'expected a CMF request', { maxBytes: MAX_BODY_BYTES });
    } catch (error) {
      if (error instanceof NiceProtocolError) throw new HttpFailure(400, error.message, error.field ?? '$');
      throw error;
    }
    const expectedType = formatCommandType(managementPath(ownId, BOOTSTRAP_API));
    const mismatch =
      cmf.DestinationEndPointID !== ownId
        ? `DestinationEndPointID: expected ${ownId}, this LA`
        : cmf.CommandType !== expectedType
          ? `CommandType: expected ${expectedType}, the path it was posted to`
          : undefined;
    if (mismatch)
      return sendCmf(reply, buildCmfResponse(cmf, { statusCode: 400, statusMessage: mismatch, body: '' }));
    let response: CmfResponse | null;
    try {
      response = await options.answer(cmf);
    } catch (error) {
      options.logger.log('warn', LOG_SOURCE, `GetManagementEndPoint failed: ${describeError(error)}`);
      response = buildCmfResponse(cmf, { statusCode: 500, statusMessage: 'internal error', body: '' });
    }
    response ??= buildCmfResponse(cmf, {
      statusCode: 503,
      statusMessage: 'the same CommandID is still being answered; retry',
      body: '',
    });
    return sendCmf(reply, response);
  };

  async function sendCmf(reply: FastifyReply, response: CmfResponse): Promise<void> {
    await reply.code(response.ReplyStatusCode).send(serializeCmfMessage(response));
  }

  app.route({
    method: ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT', 'OPTIONS'],
    url: '/:version/:endPointId/management/:api',
    onRequest: [rateLimit, checkRequest],
    handler,
  });

  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const hostInUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { origin: `https://${hostInUrl}:${port}`, close: () => app.close() };
}
