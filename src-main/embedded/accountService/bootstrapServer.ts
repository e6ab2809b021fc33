import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  buildCmfResponse,
  parseCmfMessage,
  serializeCmfMessage,
  type CmfRequest,
  type CmfResponse,
} from '../../core/nice/cmf';
import { formatCommandType, managementPath } from '../../core/nice/destinationId';
import { isEndPointId } from '../../core/nice/endPointId';
import { NiceProtocolError } from '../../core/nice/niceProtocolError';
import { reasonPhrase } from '../../core/nice/reasonPhrase';
import { niceTlsCiphers, niceTlsMinVersion } from '../../core/nice/tlsProfile';
import type { Logger } from '../../core/util/logger';
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

/** A failure before a CMF request is in hand: answered with a JSON error body. */
class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function errorBody(status: number, message: string, field?: string): string {
  return JSON.stringify({
    Version: '1.0',
    Result: 'Error',
    StatusCode: status,
    Error: reasonPhrase(status) ?? 'Error',
    Message: message,
    ...(field !== undefined ? { Field: field } : {}),
  });
}

function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((part) => {
    const [range = '', ...parameters] = part.split(';').map((item) => item.trim().toLowerCase());
    const quality = parameters.find((parameter) => parameter.startsWith('q='));
    if (quality !== undefined && !(Number(quality.slice(2)) > 0)) return false;
    return range === 'application/json' || range === 'application/*' || range === '*/*';
  });
}

function isJsonContentType(contentType: string | undefined): boolean {
  const [type = '', ...parameters] = (contentType ?? '').split(';').map((item) => item.trim().toLowerCase());
  const charset = parameters
    .find((parameter) => parameter.startsWith('charset='))
    ?.slice(8)
    .replace(/"/g, '');
  return type === 'application/json' && (charset === undefined || charset === 'utf-8' || charset === 'utf8');
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

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Content-Type', 'application/json; charset=utf-8');
    reply.header('Cache-Control', 'no-store');
    return payload;
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof HttpFailure) {
      return reply
        .code(error.status)
        .headers(error.headers)
        .send(errorBody(error.status, error.message, error.field));
    }
    const status = error.statusCode ?? 500;
    if (status === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send(errorBody(413, `the body is larger than ${MAX_BODY_BYTES} bytes`));
    }
    if (status === 429) return reply.code(429).send(errorBody(429, 'too many requests; retry later'));
    if (status >= 400 && status < 500) return reply.code(status).send(errorBody(status, error.message));
    options.logger.log(
      'error',
      LOG_SOURCE,
      `${request.method} ${request.url.split('?')[0]} failed`,
      error.stack,
    );
    return reply.code(500).send(errorBody(500, 'internal error'));
  });

  app.setNotFoundHandler({ preHandler: rateLimit }, (request, reply) => {
    void reply.code(404).send(errorBody(404, `no such resource: ${request.url.split('?')[0]}`));
  });

  /** Checks made before the body is read: path, method, query, Accept and Content-Type. */
  const checkRequest = async (request: FastifyRequest): Promise<void> => {
    const { version, endPointId, api } = request.params as Record<string, string | undefined>;
    const path = request.url.split('?')[0];
    if (
      (version !== '1' && version !== '1.0') ||
      !isEndPointId(endPointId) ||
      endPointId.toLowerCase() !== ownId
    ) {
      throw new HttpFailure(404, `no such resource: ${path}`);
    }
    if (api !== BOOTSTRAP_API)
      throw new HttpFailure(404, `${api ?? ''} is not answered over HTTPS here`, 'API');
    if (request.method !== 'POST') {
      throw new HttpFailure(405, `${request.method} is not allowed; use POST`, undefined, { Allow: 'POST' });
    }
    if (request.url.includes('?')) throw new HttpFailure(400, 'no query string is allowed', 'query');
    if (!acceptsJson(request.headers.accept)) {
      throw new HttpFailure(
        406,
        'responses are application/json, which the Accept header excludes',
        'Accept',
      );
    }
    if (!isJsonContentType(request.headers['content-type'])) {
      throw new HttpFailure(415, 'Content-Type must be application/json (UTF-8)', 'Content-Type');
    }
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const body = request.body instanceof Buffer ? request.body : Buffer.alloc(0);
    let cmf: CmfRequest;
    try {
      const message = parseCmfMessage(body, { maxBytes: MAX_BODY_BYTES });
      if (message.MessageType !== 'request') {
        throw new NiceProtocolError('MALFORMED', 'expected a CMF request', 'MessageType');
      }
      cmf = message;
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
