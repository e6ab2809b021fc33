import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { bridgeSocketPath } from '../../src-shared/contract/bridgeProtocol';
import type { Logger } from '../core/util/logger';
import type { ContractDispatcher } from '../services/contract/contractDispatcher';
import type { EventBatcher } from '../services/contract/eventBatcher';
import { tokenMatches } from './accessToken';
import { serveBridgeSocket } from './bridgeSocket';
import { contentSecurityPolicy } from './contentSecurityPolicy';
import type { WebExportDownloads } from './exportDownloads';

/** Name of the cookie that carries the access token after the first visit. */
export const sessionCookieName = 'nice_console_token';

/** How the web shell is served. */
export interface WebShellServerOptions {
  /** A loopback address; the shell is never exposed on other interfaces. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  token: string;
  /** Folder of the built renderer (out/renderer). */
  rendererDir: string;
  /** Largest WebSocket frame (and HTTP body) accepted, in bytes. */
  maxFrameBytes: number;
  dispatcher: ContractDispatcher;
  events: EventBatcher;
  logger: Logger;
  /** Serves finished exports once at `/exports/…` (see exportDownloads.ts). */
  exportDownloads?: WebExportDownloads;
}

/** A running web shell. */
export interface WebShellServer {
  /** `http://host:port` */
  origin: string;
  port: number;
  /** The URL to open: it carries the token once, then a cookie takes over. */
  accessUrl: string;
  close(): Promise<void>;
}

/** Tells whether a host name is a loopback address this shell may bind to. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Serves the built renderer and the contract WebSocket on loopback. Every HTTP request and
 * WebSocket upgrade must carry the access token (query once, then an HttpOnly SameSite=Strict
 * cookie, or a Bearer header) and a Host of this server; anything else gets 401 or 403.
 */
export async function startWebShellServer(options: WebShellServerOptions): Promise<WebShellServer> {
  if (!isLoopbackHost(options.host)) {
    throw new Error(`--host must be a loopback address (127.0.0.1, ::1 or localhost), got ${options.host}`);
  }
  const app = Fastify({ logger: false, bodyLimit: options.maxFrameBytes, forceCloseConnections: true });
  await app.register(fastifyCookie);
  await app.register(fastifyWebsocket, { options: { maxPayload: options.maxFrameBytes } });

  let port = options.port;
  const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!allowedHosts().includes(request.headers.host ?? '')) {
      return reply.code(403).type('text/plain').send('Forbidden: unexpected Host header');
    }
    const query = request.query as Record<string, unknown>;
    const bearer = request.headers.authorization?.replace(/^Bearer /, '');
    const byQuery = tokenMatches(options.token, query.token);
    const authorised =
      byQuery ||
      tokenMatches(options.token, request.cookies[sessionCookieName]) ||
      tokenMatches(options.token, bearer);
    if (!authorised) {
      return reply
        .code(401)
        .type('text/plain')
        .send('Unauthorized: open the console with the access URL printed when the web shell started');
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedHosts().some((host) => origin === `http://${host}`)) {
      return reply.code(403).type('text/plain').send('Forbidden: cross-origin request');
    }
    if (byQuery && request.method === 'GET' && request.url.split('?')[0] !== bridgeSocketPath) {
      // Trade the token in the URL for a cookie, then drop it from the address bar and history.
      void reply.setCookie(sessionCookieName, options.token, {
        httpOnly: true,
        sameSite: 'strict',
        path: '/',
      });
      // One leading slash only: `//evil.example/` would be a protocol-relative redirect.
      const path = `/${(request.url.split('?')[0] ?? '').replace(/^\/+/, '')}`;
      return reply.redirect(path, 303);
    }
    return undefined;
  });

  app.addHook('onSend', async (_request, reply) => {
    reply.header('Content-Security-Policy', contentSecurityPolicy());
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    reply.header('Cache-Control', 'no-store');
  });

  await app.register(fastifyStatic, { root: options.rendererDir, index: 'index.html' });
  options.exportDownloads?.register(app);

  app.get(bridgeSocketPath, { websocket: true }, (socket, request) => {
    const caller = `web:${randomUUID().slice(0, 8)}`;
    options.logger.log('info', 'web-shell', `${caller} connected from ${request.ip}`);
    serveBridgeSocket(socket, caller, options.dispatcher, options.events, options.logger);
  });

  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  port = typeof address === 'object' && address ? address.port : options.port;
  const hostInUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  const origin = `http://${hostInUrl}:${port}`;
  return {
    origin,
    port,
    accessUrl: `${origin}/?token=${options.token}`,
    close: () => app.close(),
  };
}
