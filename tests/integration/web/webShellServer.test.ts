import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bridgeSocketPath } from '../../../src-shared/contract/bridgeProtocol';
import { defaultSettings } from '../../../src-shared/contract/settingsContract';
import { createConsoleServices, type ConsoleServices } from '../../../src-main/services/consoleServices';
import { createAccessToken } from '../../../src-main/web/accessToken';
import {
  sessionCookieName,
  startWebShellServer,
  type WebShellServer,
} from '../../../src-main/web/webShellServer';
import { BridgeTestClient, RefusedUpgrade } from '../../support/bridgeTestClient';
import { cookiePair, httpGet } from '../../support/httpProbe';
import { FakeSecretCipher } from '../../support/fakeSecretCipher';

const migrationsDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../resources/migrations');
const indexHtml =
  '<!doctype html><html><head><title>NICE Console test page</title></head><body></body></html>';
const maxFrameBytes = 4096;

let tmp: string;
let services: ConsoleServices;
let server: WebShellServer;
let token: string;
let clients: BridgeTestClient[];

beforeEach(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'nice-webshell-'));
  writeFileSync(join(tmp, 'index.html'), indexHtml);
  services = createConsoleServices({
    shell: 'web',
    version: '0.0.0-test',
    dataDir: tmp,
    migrationsDir,
    databaseFile: ':memory:',
    cipher: new FakeSecretCipher(),
  });
  token = createAccessToken();
  server = await startWebShellServer({
    host: '127.0.0.1',
    port: 0,
    token,
    rendererDir: tmp,
    maxFrameBytes,
    dispatcher: services.dispatcher,
    events: services.events,
    logger: services.log,
  });
  clients = [];
});

afterEach(async () => {
  for (const client of clients) client.terminate();
  await server.close();
  services.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

const url = (path: string): string => `${server.origin}${path}`;
const bridgeUrl = (): string => `ws://127.0.0.1:${server.port}${bridgeSocketPath}`;

/** Trades the access URL's token for the session cookie, as a browser does on first visit. */
async function sessionCookie(): Promise<string> {
  const response = await httpGet(server.accessUrl);
  expect(response.status).toBe(303);
  return cookiePair(response.headers['set-cookie']);
}

async function connect(options: { cookie?: string; origin?: string } = {}): Promise<BridgeTestClient> {
  const client = await BridgeTestClient.connect(bridgeUrl(), options);
  clients.push(client);
  return client;
}

async function refusedStatus(options: { cookie?: string; origin?: string }): Promise<number> {
  try {
    const client = await connect(options);
    client.terminate();
    return 101;
  } catch (error) {
    if (error instanceof RefusedUpgrade) return error.status;
    throw error;
  }
}

describe('web shell HTTP', () => {
  it('binds to loopback on a free port and prints an access URL carrying the token', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.origin).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.accessUrl).toBe(`http://127.0.0.1:${server.port}/?token=${token}`);
  });

  it('answers 401 without a token and with a wrong one', async () => {
    const without = await httpGet(url('/'));
    expect(without.status).toBe(401);
    expect(without.body).not.toContain('NICE Console test page');

    const wrong = await httpGet(url(`/?token=${createAccessToken()}`));
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();

    expect((await httpGet(url('/'), { Cookie: `${sessionCookieName}=${token.slice(1)}` })).status).toBe(401);
    expect((await httpGet(url('/'), { Authorization: `Bearer ${token}x` })).status).toBe(401);
  });

  it('trades the token in the URL for an HttpOnly SameSite=Strict cookie and drops it from the address', async () => {
    const response = await httpGet(server.accessUrl);
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/');
    expect(response.headers.location).not.toContain(token);
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toContain(`${sessionCookieName}=${token}`);
    expect(setCookie).toMatch(/;\s*HttpOnly/i);
    expect(setCookie).toMatch(/;\s*SameSite=Strict/i);
    expect(setCookie).toMatch(/;\s*Path=\//i);

    const deeper = await httpGet(url(`/index.html?token=${token}`));
    expect(deeper.status).toBe(303);
    expect(deeper.headers.location).toBe('/index.html');

    // A doubled slash must not turn into a protocol-relative redirect to another host.
    const sneaky = await httpGet(url(`//evil.example/?token=${token}`));
    expect(sneaky.status).toBe(303);
    expect(sneaky.headers.location).toBe('/evil.example/');
  });

  it('serves index.html with the cookie, with the security headers', async () => {
    const cookie = await sessionCookie();
    const page = await httpGet(url('/'), { Cookie: cookie });
    expect(page.status).toBe(200);
    expect(page.body).toBe(indexHtml);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-frame-options']).toBe('DENY');
  });

  it('sends the security headers on refusals too', async () => {
    const refused = await httpGet(url('/'));
    expect(refused.status).toBe(401);
    expect(String(refused.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(refused.headers['x-content-type-options']).toBe('nosniff');
  });

  it('accepts a Bearer header', async () => {
    const page = await httpGet(url('/'), { Authorization: `Bearer ${token}` });
    expect(page.status).toBe(200);
    expect(page.body).toBe(indexHtml);
  });

  it('answers 404 for a missing file once authorised', async () => {
    expect((await httpGet(url('/missing.js'), { Authorization: `Bearer ${token}` })).status).toBe(404);
  });

  it('refuses a foreign Host header with 403 even with a valid token (DNS rebinding)', async () => {
    const forged = await httpGet(url('/'), {
      Host: `attacker.example:${server.port}`,
      Authorization: `Bearer ${token}`,
    });
    expect(forged.status).toBe(403);
    expect(forged.body).not.toContain('NICE Console test page');
    const otherPort = await httpGet(url('/'), {
      Host: `127.0.0.1:${server.port + 1}`,
      Authorization: `Bearer ${token}`,
    });
    expect(otherPort.status).toBe(403);
    const localhost = await httpGet(url('/'), {
      Host: `localhost:${server.port}`,
      Authorization: `Bearer ${token}`,
    });
    expect(localhost.status).toBe(200);
  });

  it('refuses a cross-origin request with 403 even with the cookie', async () => {
    const cookie = await sessionCookie();
    const response = await httpGet(url('/'), { Cookie: cookie, Origin: 'http://attacker.example' });
    expect(response.status).toBe(403);
    const sameOrigin = await httpGet(url('/'), { Cookie: cookie, Origin: server.origin });
    expect(sameOrigin.status).toBe(200);
  });
});

describe('web shell bridge WebSocket', () => {
  it('refuses an upgrade without the cookie with 401', async () => {
    expect(await refusedStatus({})).toBe(401);
  });

  it('refuses an upgrade from a foreign Origin with 403 even with the cookie', async () => {
    const cookie = await sessionCookie();
    expect(await refusedStatus({ cookie, origin: 'http://attacker.example' })).toBe(403);
    expect(await refusedStatus({ cookie, origin: `http://127.0.0.1:${server.port + 1}` })).toBe(403);
  });

  it('answers an invoke with its result and persists the change', async () => {
    const client = await connect({ cookie: await sessionCookie(), origin: server.origin });
    const result = await client.invoke(1, 'settings:updateSettings', { theme: 'light' });
    expect(result).toEqual({ ok: true, value: { ...defaultSettings, theme: 'light' } });
    expect(services.settings.get().theme).toBe('light');
    expect(await client.invoke(2, 'settings:getSettings', {})).toEqual({
      ok: true,
      value: { ...defaultSettings, theme: 'light' },
    });
    const info = await client.invoke(3, 'app:getInfo', {});
    expect(info).toMatchObject({
      ok: true,
      value: { shell: 'web', version: '0.0.0-test', databaseFile: ':memory:' },
    });
  });

  it('streams event batches of subscribed channels only, until unsubscribed', async () => {
    const client = await connect({ cookie: await sessionCookie() });
    client.sendJson({ type: 'subscribe', channels: ['settings:changed'] });
    await client.invoke(1, 'settings:updateSettings', { timeDisplay: 'utc' });
    const events = await client.next((frame) => frame.type === 'events');
    expect(events).toEqual({
      type: 'events',
      channel: 'settings:changed',
      items: [{ ...defaultSettings, timeDisplay: 'utc' }],
    });

    client.sendJson({ type: 'unsubscribe', channels: ['settings:changed'] });
    await client.invoke(2, 'settings:updateSettings', { timeDisplay: 'local' });
    // Wait past two flush intervals, then check nothing but the result arrived.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(client.unread.filter((frame) => frame.type === 'events')).toEqual([]);
    expect(client.violations).toEqual([]);
  });

  it('refuses to subscribe to a channel that does not exist', async () => {
    const client = await connect({ cookie: await sessionCookie() });
    client.sendJson({ type: 'subscribe', channels: ['settings:changed', 'secrets:leaked'] });
    expect(await client.next()).toEqual({
      type: 'error',
      error: { code: 'INVALID_REQUEST', message: 'channels: unknown event channel secrets:leaked' },
    });
  });

  it('answers an unknown channel with UNKNOWN_CHANNEL', async () => {
    const client = await connect({ cookie: await sessionCookie() });
    expect(await client.invoke(7, 'db:execute', { sql: 'DROP TABLE settings' })).toEqual({
      ok: false,
      error: { code: 'UNKNOWN_CHANNEL', message: 'unknown channel: db:execute' },
    });
  });

  it('answers an invalid request with INVALID_REQUEST naming the field', async () => {
    const client = await connect({ cookie: await sessionCookie() });
    const result = await client.invoke(8, 'settings:updateSettings', { theme: 'purple' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('INVALID_REQUEST');
      expect(result.error.message).toMatch(/^settings:updateSettings: theme: /);
    }
    expect(services.settings.get().theme).toBe('dark');
  });

  it('answers malformed frames with an error frame naming the problem and keeps the socket open', async () => {
    const client = await connect({ cookie: await sessionCookie() });

    client.socket.send('{"type":"invoke",');
    expect(await client.next()).toEqual({
      type: 'error',
      error: { code: 'INVALID_REQUEST', message: 'frame: not valid JSON' },
    });

    client.sendJson({ type: 'invoke', id: 'one', channel: 'app:getInfo', payload: {} });
    const badId = await client.next();
    expect(badId.type).toBe('error');
    if (badId.type === 'error') {
      expect(badId.error.code).toBe('INVALID_REQUEST');
      expect(badId.error.message).toMatch(/^id: /);
    }

    client.sendJson({ type: 'shout', id: 1 });
    const badType = await client.next();
    expect(badType.type === 'error' && badType.error.message).toMatch(/^type: /);

    client.sendJson({ type: 'invoke', id: 2, channel: 'app:getInfo', payload: {}, extra: true });
    const extra = await client.next();
    expect(extra.type === 'error' && extra.error.message).toMatch(/extra/);

    client.sendJson([1, 2, 3]);
    expect((await client.next()).type).toBe('error');

    expect(client.socket.readyState).toBe(client.socket.OPEN);
    expect(await client.invoke(3, 'settings:getSettings', {})).toEqual({ ok: true, value: defaultSettings });
  });

  it('answers a binary frame with an error frame and keeps the socket open', async () => {
    const client = await connect({ cookie: await sessionCookie() });
    client.socket.send(
      Buffer.from(JSON.stringify({ type: 'invoke', id: 1, channel: 'app:getInfo', payload: {} })),
      {
        binary: true,
      },
    );
    const frame = await client.next();
    expect(frame).toEqual({
      type: 'error',
      error: { code: 'INVALID_REQUEST', message: 'frame: binary frames are not accepted; send JSON text' },
    });
    expect(client.unread).toEqual([]);
    expect(await client.invoke(2, 'settings:getSettings', {})).toMatchObject({ ok: true });
  });

  it('closes a socket that sends a frame over maxFrameBytes with 1009 and keeps serving others', async () => {
    const cookie = await sessionCookie();
    const bystander = await connect({ cookie });
    const offender = await connect({ cookie });
    offender.sendJson({
      type: 'invoke',
      id: 1,
      channel: 'app:getInfo',
      payload: { padding: 'x'.repeat(maxFrameBytes) },
    });
    const closed = await offender.closed;
    expect(closed.code).toBe(1009);

    expect(await bystander.invoke(1, 'settings:getSettings', {})).toMatchObject({ ok: true });
    const fresh = await connect({ cookie });
    expect(await fresh.invoke(1, 'settings:updateSettings', { theme: 'light' })).toMatchObject({
      ok: true,
      value: { theme: 'light' },
    });
  });

  it('accepts a frame just under maxFrameBytes', async () => {
    const client = await connect({ cookie: await sessionCookie() });
    const frame = JSON.stringify({ type: 'invoke', id: 1, channel: 'app:getInfo', payload: {} });
    // Padding with spaces keeps the JSON valid and lands exactly on the limit.
    client.socket.send(frame + ' '.repeat(maxFrameBytes - frame.length));
    expect(await client.next()).toMatchObject({ type: 'result', id: 1, result: { ok: true } });
  });

  it('closes open sockets when the server closes', async () => {
    const client = await connect({ cookie: await sessionCookie() });
    await server.close();
    // The server closes without a status code (@fastify/websocket's default preClose).
    await expect(client.closed).resolves.toMatchObject({ code: 1005 });
    await expect(httpGet(url('/'))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // afterEach closes again: closing twice must be harmless.
  });
});

describe('startWebShellServer', () => {
  it.each(['0.0.0.0', '::', '192.168.1.10', 'example.com'])(
    'refuses to bind to non-loopback %s',
    async (host) => {
      await expect(
        startWebShellServer({
          host,
          port: 0,
          token: createAccessToken(),
          rendererDir: tmp,
          maxFrameBytes,
          dispatcher: services.dispatcher,
          events: services.events,
          logger: services.log,
        }),
      ).rejects.toThrow(/loopback/);
    },
  );
});
