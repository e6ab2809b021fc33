import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import {
  isResponseTo,
  parseCmfMessage,
  serializeCmfMessage,
  type CmfRequest,
  type CmfResponse,
} from '../../core/nice/cmf';
import { NiceProtocolError } from '../../core/nice/niceProtocolError';
import { reasonPhrase } from '../../core/nice/reasonPhrase';
import { niceTlsCiphers, niceTlsMinVersion } from '../../core/nice/tlsProfile';

/** Options of a WebAPI client. */
export interface WebApiClientOptions {
  /** Extra trusted CA certificates (PEM), e.g. the embedded site's own CA. */
  ca?: string | Buffer | (string | Buffer)[];
  /** Per-request time limit, ms (default 10 s, niceapi's data timeout). */
  timeoutMs?: number;
  /** Sockets kept per origin (default 16). */
  maxSockets?: number;
  /** Largest response body read, bytes (default 1 MiB). */
  maxResponseBytes?: number;
  /** Allow `http://` URLs, for tests against the plain-HTTP server variant only. */
  allowPlainHttpForTests?: boolean;
}

/** A non-2xx answer, carrying the status (v0.9 §7.3) and the body the server sent. */
export class WebApiHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    /** The CMF response when the server answered with one (its ReplyStatusMessage names the cause). */
    readonly cmfResponse?: CmfResponse,
  ) {
    super(`HTTP ${status} ${reasonPhrase(status) ?? 'Error'}${detail(body, cmfResponse)}`);
    this.name = 'WebApiHttpError';
  }
}

function detail(body: string, response?: CmfResponse): string {
  if (response?.ReplyStatusMessage) return `: ${response.ReplyStatusMessage}`;
  try {
    const parsed = JSON.parse(body) as { Message?: unknown; Field?: unknown };
    if (typeof parsed.Message === 'string') {
      return `: ${typeof parsed.Field === 'string' ? `${parsed.Field}: ` : ''}${parsed.Message}`;
    }
  } catch {
    // not JSON: the status alone says it
  }
  return '';
}

/** A CMF exchange that succeeded. */
export interface CmfExchange {
  status: number;
  response: CmfResponse;
  /** From sending the request to the last byte of the response, ms. */
  latencyMs: number;
}

/** A raw POST that succeeded. */
export interface RawExchange {
  status: number;
  body: string;
  latencyMs: number;
}

/** Per-call options. */
export interface WebApiCallOptions {
  /** The Bearer token; for CMF calls it defaults to the request's AccessToken (profile). */
  bearer?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Calls NICE WebAPIs over HTTPS (v0.9 §7.1): POST with `Content-Type: application/json`,
 * `Accept: application/json` and `Authorization: Bearer` (never a query string), TLS 1.2+ with
 * the v0.9 §5.2 suites, keep-alive sockets. Failures are typed: WebApiHttpError (status),
 * NiceProtocolError TIMEOUT / CANCELLED / UNAVAILABLE / MALFORMED.
 */
export class WebApiClient {
  private readonly httpsAgent: HttpsAgent;
  private readonly httpAgent: HttpAgent | undefined;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;

  constructor(private readonly options: WebApiClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;
    this.httpsAgent = new HttpsAgent({
      keepAlive: true,
      maxSockets: options.maxSockets ?? 16,
      minVersion: niceTlsMinVersion,
      ciphers: niceTlsCiphers,
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
    });
    this.httpAgent = options.allowPlainHttpForTests
      ? new HttpAgent({ keepAlive: true, maxSockets: options.maxSockets ?? 16 })
      : undefined;
  }

  /**
   * POSTs a CMF request to `url` and returns the validated CMF response that answers it
   * (ReplyID = CommandID). A non-2xx status throws WebApiHttpError carrying the CMF response
   * when the server sent one.
   */
  async postCmf(url: string | URL, request: CmfRequest, call: WebApiCallOptions = {}): Promise<CmfExchange> {
    const bearer = call.bearer ?? request.AccessToken;
    const exchange = await this.post(url, serializeCmfMessage(request), 'application/json', {
      ...call,
      bearer,
    });
    let response: CmfResponse | undefined;
    try {
      const message = parseCmfMessage(exchange.body, { maxBytes: this.maxResponseBytes });
      if (message.MessageType !== 'response') {
        throw new NiceProtocolError('MALFORMED', 'expected a CMF response', 'MessageType');
      }
      response = message;
    } catch (error) {
      if (exchange.status < 200 || exchange.status >= 300)
        throw new WebApiHttpError(exchange.status, exchange.body);
      throw error;
    }
    if (!isResponseTo(request, response)) {
      throw new NiceProtocolError('MALFORMED', `does not answer CommandID ${request.CommandID}`, 'ReplyID');
    }
    if (exchange.status < 200 || exchange.status >= 300) {
      throw new WebApiHttpError(exchange.status, exchange.body, response);
    }
    return { status: exchange.status, response, latencyMs: exchange.latencyMs };
  }

  /**
   * POSTs a raw body (a SceneMark as application/json, its JWE as text/plain, a DataSection)
   * with a Bearer token; a non-2xx status throws WebApiHttpError.
   */
  async postRaw(
    url: string | URL,
    body: string | Uint8Array,
    contentType: 'application/json' | 'text/plain',
    call: WebApiCallOptions & { bearer: string },
  ): Promise<RawExchange> {
    const exchange = await this.post(url, body, contentType, call);
    if (exchange.status < 200 || exchange.status >= 300)
      throw new WebApiHttpError(exchange.status, exchange.body);
    return exchange;
  }

  /** Closes the kept-alive sockets. */
  close(): void {
    this.httpsAgent.destroy();
    this.httpAgent?.destroy();
  }

  private post(
    url: string | URL,
    body: string | Uint8Array,
    contentType: string,
    call: WebApiCallOptions,
  ): Promise<RawExchange> {
    const target = new URL(url);
    if (target.protocol !== 'https:' && !(target.protocol === 'http:' && this.httpAgent)) {
      return Promise.reject(
        new NiceProtocolError('UNAVAILABLE', `WebAPI calls need https:, got ${target.protocol}`, 'url'),
      );
    }
    if (target.search !== '' || target.username !== '' || target.password !== '') {
      return Promise.reject(
        new NiceProtocolError('MALFORMED', 'no query string or credentials in the URL (v0.9 §7.1.2)', 'url'),
      );
    }
    const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const headers: Record<string, string | number> = {
      'Content-Type': contentType,
      Accept: 'application/json',
      'Content-Length': payload.byteLength,
    };
    if (call.bearer) headers.Authorization = `Bearer ${call.bearer}`;
    const timeoutMs = call.timeoutMs ?? this.timeoutMs;
    const started = performance.now();
    return new Promise<RawExchange>((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | null, result?: RawExchange): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        call.signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(result as RawExchange);
      };
      const onResponse = (response: IncomingMessage): void => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxResponseBytes) {
            req.destroy();
            finish(
              new NiceProtocolError('MALFORMED', `response larger than ${this.maxResponseBytes} bytes`, '$'),
            );
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () =>
          finish(null, {
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            latencyMs: performance.now() - started,
          }),
        );
        response.on('error', (error) => finish(new NiceProtocolError('UNAVAILABLE', error.message)));
      };
      const requestOptions = { method: 'POST', headers };
      const req =
        target.protocol === 'https:'
          ? httpsRequest(target, { ...requestOptions, agent: this.httpsAgent }, onResponse)
          : httpRequest(target, { ...requestOptions, agent: this.httpAgent }, onResponse);
      const timer = setTimeout(() => {
        req.destroy();
        finish(new NiceProtocolError('TIMEOUT', `no response from ${target.origin} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onAbort = (): void => {
        req.destroy();
        finish(new NiceProtocolError('CANCELLED', 'the request was cancelled'));
      };
      if (call.signal?.aborted) onAbort();
      call.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error) =>
        finish(new NiceProtocolError('UNAVAILABLE', `${target.origin} unreachable: ${error.message}`)),
      );
      req.end(payload);
    });
  }
}
