import type {
  FastifyError,
  FastifyInstance,
  FastifyRequest,
  RawServerBase,
  preHandlerAsyncHookHandler,
} from 'fastify';
import { reasonPhrase } from '../../core/nice/reasonPhrase';

// The console's HTTPS listeners (the WebAPI data server and the local site's bootstrap server)
// answer only JSON, and fail the same way (v0.9 §7.1.3, §7.3): these pieces keep them alike.

/** A failure answered with an HTTP status (v0.9 §7.3) and a JSON error body. */
export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The JSON error body: status, reason phrase, message and the field at fault. */
export function errorBody(status: number, message: string, field?: string): string {
  return JSON.stringify({
    Version: '1.0',
    Result: 'Error',
    StatusCode: status,
    Error: reasonPhrase(status) ?? 'Error',
    Message: message,
    ...(field !== undefined ? { Field: field } : {}),
  });
}

/** Whether an Accept header admits application/json (absent means anything, RFC 9110 §12.5.1). */
export function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((part) => {
    const [range = '', ...parameters] = part.split(';').map((item) => item.trim().toLowerCase());
    const quality = parameters.find((parameter) => parameter.startsWith('q='));
    if (quality !== undefined && !(Number(quality.slice(2)) > 0)) return false;
    return range === 'application/json' || range === 'application/*' || range === '*/*';
  });
}

/** Media type (lowercase, no parameters) and whether its charset, if any, is UTF-8. */
export function mediaType(contentType: string | undefined): { type: string; utf8: boolean } {
  const [type = '', ...parameters] = (contentType ?? '').split(';').map((item) => item.trim().toLowerCase());
  const charset = parameters.find((parameter) => parameter.startsWith('charset='));
  const value = charset?.slice('charset='.length).replace(/"/g, '');
  return { type, utf8: value === undefined || value === 'utf-8' || value === 'utf8' };
}

/** The path of a request URL, without its query string. */
export function urlPath(url: string): string {
  return url.split('?')[0] ?? '';
}

/** Refuses (405) any method but POST, the only one these APIs take. */
export function requirePost(request: FastifyRequest): void {
  if (request.method !== 'POST') {
    throw new HttpFailure(405, `${request.method} is not allowed; use POST`, undefined, { Allow: 'POST' });
  }
}

/** Refuses (406) a request whose Accept header excludes JSON, which every answer is. */
export function requireJsonAccept(request: FastifyRequest): void {
  if (!acceptsJson(request.headers.accept)) {
    throw new HttpFailure(406, 'responses are application/json, which the Accept header excludes', 'Accept');
  }
}

/** What differs between the listeners: the body limit, the rate limit, where crashes are logged. */
export interface JsonAnswerOptions<Server extends RawServerBase> {
  /** The body limit Fastify enforces, named in the 413 message. */
  maxBodyBytes: number;
  /** Rate limit that also counts requests to paths that do not exist. */
  rateLimit?: preHandlerAsyncHookHandler<Server>;
  /** Logs an unexpected error before it is answered 500 "internal error". */
  logInternalError(request: { method: string; url: string }, error: FastifyError): void;
}

/**
 * Makes every answer of `app` JSON with `X-Content-Type-Options: nosniff` and no caching, and
 * every failure (HttpFailure, Fastify's own 4xx, 404, a crash) a JSON error body.
 */
export function answerJsonOnly<Server extends RawServerBase>(
  app: FastifyInstance<Server>,
  options: JsonAnswerOptions<Server>,
): void {
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
      return reply.code(413).send(errorBody(413, `the body is larger than ${options.maxBodyBytes} bytes`));
    }
    if (status === 429) return reply.code(429).send(errorBody(429, 'too many requests; retry later'));
    if (status >= 400 && status < 500) return reply.code(status).send(errorBody(status, error.message));
    options.logInternalError(request, error);
    return reply.code(500).send(errorBody(500, 'internal error'));
  });

  app.setNotFoundHandler(
    options.rateLimit ? { preHandler: options.rateLimit } : {},
    (request, reply) =>
      void reply.code(404).send(errorBody(404, `no such resource: ${urlPath(request.url)}`)),
  );
}
