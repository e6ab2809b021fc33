import { request } from 'node:http';

/** What a raw HTTP exchange produced: no redirect followed, no header rewritten. */
export interface HttpProbeResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Sends one GET with exactly the given headers (including a forged Host, which fetch() will
 * not send) and returns status, headers and body as the server wrote them.
 */
export function httpGet(url: string, headers: Record<string, string> = {}): Promise<HttpProbeResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers }, (res) => {
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
    });
    req.on('error', reject);
    req.end();
  });
}

/** The `name=value` part of a Set-Cookie header, ready to send back as a Cookie header. */
export function cookiePair(setCookie: string | string[] | undefined): string {
  const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  if (!first) throw new Error('response set no cookie');
  return first.split(';')[0] ?? '';
}
