import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { type Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { niceTlsCiphers, niceTlsMinVersion } from '../../core/nice/tlsProfile';
import { type Logger } from '../../core/util/logger';

/** How a client reached the broker. */
export type BrokerTransport = 'tcp' | 'tls' | 'webSocket';

const transportNames: Record<BrokerTransport, string> = { tcp: 'TCP', tls: 'TLS', webSocket: 'WebSocket' };

/** Hands one accepted client stream to the broker. */
export type AcceptConnection = (
  transport: BrokerTransport,
  stream: Duplex,
  remoteAddress: string | null,
  request?: IncomingMessage,
) => void;

/** One listening socket of the broker. */
export interface BrokerListener {
  readonly transport: BrokerTransport;
  readonly port: number;
  /** Stops accepting, destroys every connection it accepted and resolves once the port is free. */
  close(): Promise<void>;
}

/** What every listener needs. */
export interface ListenerContext {
  host: string;
  accept: AcceptConnection;
  logger: Logger;
}

/** A listener could not bind (`EADDRINUSE`, `EACCES` …); names the listener and the address. */
export class EmbeddedBrokerListenError extends Error {
  constructor(
    readonly transport: BrokerTransport,
    readonly host: string,
    readonly port: number,
    readonly code: string | undefined,
    cause: Error,
  ) {
    const reason = code === 'EADDRINUSE' ? 'port already in use (EADDRINUSE)' : cause.message;
    super(`embedded broker: cannot listen for ${transportNames[transport]} on ${host}:${port}: ${reason}`, {
      cause,
    });
    this.name = 'EmbeddedBrokerListenError';
  }
}

const source = 'embedded-broker';

/** Plain MQTT over TCP (mqtt://). */
export function listenTcp(context: ListenerContext, port: number): Promise<BrokerListener> {
  const server = createNetServer({ noDelay: true }, (socket) =>
    context.accept('tcp', socket, socket.remoteAddress ?? null),
  );
  return listen(server, 'tcp', context, port, ['connection']);
}

/** MQTT over TLS (mqtts://) with the NICE TLS profile: TLS 1.2 minimum, the v0.9 §5.2 suites only. */
export function listenTls(
  context: ListenerContext,
  port: number,
  credentials: { cert: string | Buffer; key: string | Buffer },
): Promise<BrokerListener> {
  const server = createTlsServer(
    {
      cert: credentials.cert,
      key: credentials.key,
      minVersion: niceTlsMinVersion,
      ciphers: niceTlsCiphers,
      honorCipherOrder: true,
      noDelay: true,
    },
    (socket) => context.accept('tls', socket, socket.remoteAddress ?? null),
  );
  server.on('tlsClientError', (error, socket) =>
    context.logger.log(
      'debug',
      source,
      `TLS handshake from ${socket.remoteAddress ?? 'unknown'} failed: ${error.message}`,
    ),
  );
  // The raw sockets cover handshakes still under way; the TLS sockets the established ones.
  return listen(server, 'tls', context, port, ['connection', 'secureConnection']);
}

/**
 * MQTT over WebSocket (ws://host:port/mqtt). One WebSocket message is never allowed to be
 * larger than one packet, so `ws` stops buffering where the packet limit would.
 */
export function listenWebSocket(
  context: ListenerContext,
  port: number,
  maxPacketBytes: number,
): Promise<BrokerListener> {
  const server = createHttpServer((_request, response) => {
    response.writeHead(426, { 'Content-Type': 'text/plain', Connection: 'close', Upgrade: 'websocket' });
    response.end('MQTT over WebSocket: connect to /mqtt\n');
  });
  const webSockets = new WebSocketServer({ server, path: '/mqtt', maxPayload: maxPacketBytes });
  // ws re-emits the HTTP server's errors; `listen` below already handles them on the server.
  webSockets.on('error', () => undefined);
  webSockets.on('connection', (webSocket, request) =>
    context.accept(
      'webSocket',
      createWebSocketStream(webSocket),
      request.socket.remoteAddress ?? null,
      request,
    ),
  );
  return listen(server, 'webSocket', context, port, ['connection'], () => webSockets.close());
}

/**
 * Binds `server`, rejecting with `EmbeddedBrokerListenError` when it cannot. Sockets seen on
 * `socketEvents` are kept so `close` can destroy them: `server.close` alone waits for every
 * open connection, upgraded WebSockets included.
 */
function listen(
  server: Server,
  transport: BrokerTransport,
  context: ListenerContext,
  port: number,
  socketEvents: string[],
  beforeClose: () => void = () => undefined,
): Promise<BrokerListener> {
  const sockets = new Set<Socket>();
  for (const event of socketEvents) {
    server.on(event, (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
  }
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(new EmbeddedBrokerListenError(transport, context.host, port, error.code, error));
    };
    const onListening = (): void => {
      server.off('error', onError);
      server.on('error', (error) =>
        context.logger.log('error', source, `${transportNames[transport]} listener failed: ${error.message}`),
      );
      const boundPort = (server.address() as AddressInfo).port;
      let closing: Promise<void> | undefined;
      resolve({
        transport,
        port: boundPort,
        close: () =>
          (closing ??= new Promise<void>((done) => {
            beforeClose();
            server.close(() => done());
            for (const socket of sockets) socket.destroy();
          })),
      });
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host: context.host, port });
  });
}
