import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** What a raw HTTP exchange produced: no redirect followed, no header rewritten. */
export interface HttpProbeResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One raw request: method (GET by default), exact headers, body, and for https: the trusted CA. */
export interface HttpProbeRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** CA certificate (PEM) trusted for an https: URL. */
  ca?: string;
  /** false opens a fresh connection for this request instead of the global keep-alive agent. */
  agent?: false;
}

/**
 * Sends one HTTP or HTTPS request with exactly the given headers (including a forged Host,
 * which fetch() will not send) and returns status, headers and body as the server wrote them.
 */
export function httpProbe(url: string | URL, probe: HttpProbeRequest = {}): Promise<HttpProbeResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const options: RequestOptions = {
      method: probe.method ?? 'GET',
      headers: probe.headers ?? {},
      ...(probe.agent === false ? { agent: false } : {}),
    };
    const onResponse = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    };
    const req =
      target.protocol === 'https:'
        ? httpsRequest(
            target,
            { ...options, ...(probe.ca !== undefined ? { ca: probe.ca } : {}) },
            onResponse,
          )
        : httpRequest(target, options, onResponse);
    req.on('error', reject);
    req.end(probe.body);
  });
}

/** Sends one GET with exactly the given headers; see {@link httpProbe}. */
export function httpGet(url: string, headers: Record<string, string> = {}): Promise<HttpProbeResponse> {
  return httpProbe(url, { headers });
}

/** The `name=value` part of a Set-Cookie header, ready to send back as a Cookie header. */
export function cookiePair(setCookie: string | string[] | undefined): string {
  const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  if (!first) throw new Error('response set no cookie');
  return first.split(';')[0] ?? '';
}
