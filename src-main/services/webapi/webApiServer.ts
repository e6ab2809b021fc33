import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { CryptoKey, JWK } from 'jose';
import { buildCmfResponse, parseCmfRequest, serializeCmfMessage, type CmfRequest } from '../../core/nice/cmf';
import { encodeBody, openJweBody } from '../../core/nice/cmfBody';
import { isEndPointId } from '../../core/nice/endPointId';
import { NiceProtocolError } from '../../core/nice/niceProtocolError';
import { isJsonObject, parseJsonInput } from '../../core/nice/niceValidation';
import { niceTlsCiphers, niceTlsMinVersion } from '../../core/nice/tlsProfile';
import {
  SceneDataLimitError,
  SceneDataReassembler,
  type SceneDataReassemblerOptions,
} from '../../core/nice/sceneData';
import { normaliseSceneMark, validateSceneMark } from '../../core/nice/sceneMark';
import { silentLogger, type Logger } from '../../core/util/logger';
import {
  HttpFailure,
  answerJsonOnly,
  mediaType,
  requireJsonAccept,
  requirePost,
  urlPath,
} from './httpFailure';
import type { WebApiDataApi, WebApiIngestSink, WebApiSource } from './webApiIngestSink';

/** Default largest request body, bytes (a SceneData section of a few MiB plus base64). */
export const defaultWebApiMaxBodyBytes = 8 * 1024 * 1024;

/** Options of the WebAPI data server. */
export interface WebApiServerOptions {
  /** Our EndPointID: only `/1/{consoleEndPointId}/data/…` exists on this server. */
  consoleEndPointId: string;
  /** Address to bind, 127.0.0.1 by default; another address exposes the server to cameras. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Certificate and key (PEM) for HTTPS (v0.9 §7: HTTPS and TLS on every method). */
  tls?: { cert: string | Buffer; key: string | Buffer; dhparam?: string | Buffer };
  /** Plain HTTP instead of TLS, for tests only; refused unless the host is loopback. */
  plainHttpForTests?: boolean;
  /**
   * Checks the Bearer token of every request; throws NiceProtocolError UNAUTHORIZED (→ 401) or
   * FORBIDDEN (→ 403). The account service issues the tokens (Permission `Data`).
   */
  verifyBearer(token: string, request: { path: string; nodeId: string; portId: string }): Promise<void>;
  /** Our private key, to open JWE bodies (profile "Body": ECDH-ES+A256KW / A256GCM). */
  privateKey?: JWK | CryptoKey;
  /**
   * The sender's public key, to encrypt the CMF response when the request had EncryptionOn
   * (profile: a response copies EncryptionOn). Without it such a response carries `Body: ""`.
   */
  peerPublicKey?(endPointId: string): Promise<JWK | CryptoKey | undefined>;
  sink: WebApiIngestSink;
  /** Largest request body in bytes (413 above), default 8 MiB. */
  maxBodyBytes?: number;
  /** Requests per client address and window (429 above); false turns the limit off. */
  rateLimit?: { max: number; timeWindowMs: number } | false;
  /** Limits of SceneData reassembly, and how often incomplete objects are swept (ms). */
  sceneData?: SceneDataReassemblerOptions & { sweepIntervalMs?: number };
  logger?: Logger;
}

/** A running WebAPI server. */
export interface WebApiServer {
  /** `https://127.0.0.1:port` (or `http://` for the test variant). */
  origin: string;
  port: number;
  /** Drops incomplete SceneData past its timeout now and reports it (also runs on a timer). */
  sweepSceneData(): Promise<void>;
  close(): Promise<void>;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

const bearerHeader = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

interface DataTarget {
  api: WebApiDataApi;
  nodeId: string;
  portId: string;
}

/** The route parameters of a data path, or null when the path does not exist here. */
function dataTarget(params: Record<string, string | undefined>, consoleId: string): DataTarget | null {
  const { version, endPointId, nodeId, portId, api } = params;
  if (version !== '1' && version !== '1.0') return null;
  if (!endPointId || !isEndPointId(endPointId) || endPointId.toLowerCase() !== consoleId) return null;
  if (!nodeId || !/^[0-9a-fA-F]{4}$/.test(nodeId) || !portId || !/^[0-9a-fA-F]{4}$/.test(portId)) return null;
  if (api !== undefined && api !== 'SetSceneMark' && api !== 'SetSceneData') return null;
  return { api: api ?? 'data', nodeId: nodeId.toLowerCase(), portId: portId.toLowerCase() };
}

/**
 * Content types each entry takes (v0.9 §7.1.1; profile: JWE SceneMarks as text/plain, and
 * SceneData on `…/SetSceneData` as its JSON or, when encrypted, its JWE text likewise).
 */
const acceptedTypes: Readonly<Record<WebApiDataApi, readonly string[]>> = {
  data: ['application/json'],
  SetSceneMark: ['application/json', 'text/plain'],
  SetSceneData: ['application/json', 'text/plain'],
};

declare module 'fastify' {
  interface FastifyRequest {
    niceTarget?: DataTarget;
  }
}

/**
 * Starts the WebAPI server that receives data from devices (NICE profile "Data"): the v0.9
 * data path `POST /1/{consoleId}/data/{NodeID}/{PortID}` (CMF request, answered with a CMF
 * response whose Body is `{"Version":"1.0","Result":"OK"}`), and `…/SetSceneMark` (raw
 * SceneMark JSON or JWE text, answered `{}`) and `…/SetSceneData` (DataSection JSON). Every
 * response is JSON with `X-Content-Type-Options: nosniff` (v0.9 §7.1.3); failures use the v0.9
 * §7.3 status codes. Accepted data goes to the sink; refused data is answered 400 and reported
 * to `sink.onReject` with its verbatim bytes.
 */
export async function startWebApiServer(options: WebApiServerOptions): Promise<WebApiServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isEndPointId(options.consoleEndPointId)) throw new Error('consoleEndPointId must be an EndPointID');
  if (!options.tls && !options.plainHttpForTests)
    throw new Error('the WebAPI server needs a TLS certificate and key');
  if (!options.tls && !isLoopback(host)) throw new Error('plain HTTP is only allowed on a loopback address');
  const consoleId = options.consoleEndPointId.toLowerCase();
  const logger = options.logger ?? silentLogger;
  const maxBodyBytes = options.maxBodyBytes ?? defaultWebApiMaxBodyBytes;
  const { sweepIntervalMs = 5_000, ...reassemblerOptions } = options.sceneData ?? {};
  const reassembler = new SceneDataReassembler({ maxObjectBytes: 256 * 1024 * 1024, ...reassemblerOptions });
  /** Where each incomplete object came from, so its expiry is reported with a source. */
  const sceneDataSources = new Map<string, WebApiSource>();

  const fastifyOptions = {
    logger: false,
    bodyLimit: maxBodyBytes,
    forceCloseConnections: true,
    return503OnClosing: true,
    ...(options.tls
      ? {
          https: {
            cert: options.tls.cert,
            key: options.tls.key,
            ...(options.tls.dhparam ? { dhparam: options.tls.dhparam } : {}),
            minVersion: niceTlsMinVersion,
            ciphers: niceTlsCiphers,
            honorCipherOrder: true,
          },
        }
      : {}),
  };
  const app = Fastify(fastifyOptions) as unknown as FastifyInstance;

  // Bodies are kept as raw bytes: SceneMarks are stored verbatim, and we parse them ourselves.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  await app.register(fastifyRateLimit, { global: false });
  const rateLimitHook =
    options.rateLimit === false
      ? undefined
      : app.rateLimit({
          max: options.rateLimit?.max ?? 600,
          timeWindow: options.rateLimit?.timeWindowMs ?? 1_000,
        });

  answerJsonOnly(app, {
    maxBodyBytes,
    rateLimit: rateLimitHook,
    logInternalError: (request, error) =>
      logger.log('error', 'webapi', `${request.method} ${request.url} failed`, error.stack ?? String(error)),
  });

  /** Route checks before the body is read: path, method, query, token, Accept, Content-Type. */
  const checkRequest = async (request: FastifyRequest): Promise<void> => {
    const target = dataTarget(request.params as Record<string, string | undefined>, consoleId);
    if (!target) throw new HttpFailure(404, `no such resource: ${urlPath(request.url)}`);
    requirePost(request);
    if (request.url.includes('?')) {
      // v0.9 §7.1.2: the AccessToken is never taken from the query string; the API has no query.
      throw new HttpFailure(
        400,
        'no query string is allowed; send the token in the Authorization header',
        'query',
      );
    }
    const authorization = request.headers.authorization;
    const token = authorization ? bearerHeader.exec(authorization)?.[1] : undefined;
    if (!token) {
      throw new HttpFailure(401, 'an Authorization: Bearer token is required', 'Authorization', {
        'WWW-Authenticate': 'Bearer',
      });
    }
    try {
      await options.verifyBearer(token, { path: request.url, nodeId: target.nodeId, portId: target.portId });
    } catch (error) {
      if (error instanceof NiceProtocolError && error.code === 'UNAUTHORIZED') {
        throw new HttpFailure(401, error.message, 'Authorization', {
          'WWW-Authenticate': 'Bearer error="invalid_token"',
        });
      }
      if (error instanceof NiceProtocolError && error.code === 'FORBIDDEN') {
        throw new HttpFailure(403, error.message, 'Authorization', {
          'WWW-Authenticate': 'Bearer error="insufficient_scope"',
        });
      }
      throw error;
    }
    requireJsonAccept(request);
    const { type, utf8 } = mediaType(request.headers['content-type']);
    if (!acceptedTypes[target.api].includes(type) || !utf8) {
      throw new HttpFailure(
        415,
        `Content-Type must be ${acceptedTypes[target.api].join(' or ')} (UTF-8)`,
        'Content-Type',
      );
    }
    request.niceTarget = target;
  };

  const onRequest = rateLimitHook ? [rateLimitHook, checkRequest] : [checkRequest];
  const handler = (request: FastifyRequest, reply: FastifyReply): Promise<void> =>
    handleData(request, reply, request.niceTarget as DataTarget);
  for (const url of [
    '/:version/:endPointId/data/:nodeId/:portId',
    '/:version/:endPointId/data/:nodeId/:portId/:api',
  ]) {
    app.route({
      method: ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT', 'OPTIONS'],
      url,
      onRequest,
      handler,
    });
  }

  /** Reports a refusal to the sink, then answers 400 (or 413 for SceneData limits). */
  async function refuse(
    original: Uint8Array,
    error: NiceProtocolError,
    source: WebApiSource,
  ): Promise<never> {
    await options.sink.onReject({ original, reason: error.message, field: error.field ?? '$', source });
    const status = error instanceof SceneDataLimitError ? 413 : 400;
    throw new HttpFailure(status, error.message, error.field ?? '$');
  }

  async function deliverSceneMark(bytes: Uint8Array, value: unknown, source: WebApiSource): Promise<void> {
    const sceneMark = validateSceneMark(value);
    await options.sink.onSceneMark({
      original: bytes,
      sceneMark,
      normalised: normaliseSceneMark(sceneMark),
      source,
    });
  }

  async function deliverSceneData(value: unknown, source: WebApiSource): Promise<void> {
    const dataId = isJsonObject(value) && typeof value.DataID === 'string' ? value.DataID : undefined;
    const progress = reassembler.add(value);
    if (progress.complete) {
      sceneDataSources.delete(progress.file.dataId);
      await options.sink.onSceneData({ file: progress.file, source });
    } else if (dataId !== undefined) {
      sceneDataSources.set(dataId, source);
    }
  }

  async function handleData(request: FastifyRequest, reply: FastifyReply, target: DataTarget): Promise<void> {
    const body = request.body instanceof Buffer ? request.body : Buffer.alloc(0);
    const isText = mediaType(request.headers['content-type']).type === 'text/plain';
    const source: WebApiSource = {
      transport: 'https',
      path: request.url,
      api: target.api,
      nodeId: target.nodeId,
      portId: target.portId,
      remoteAddress: request.ip,
      encrypted: target.api === 'data' ? false : isText,
    };
    if (target.api === 'data') return handleCmf(reply, body, source);

    // SetSceneMark / SetSceneData: the object itself, or its JWE as text (digest §2.8).
    let bytes: Uint8Array = body;
    try {
      if (isText) bytes = await openJweBody(body.toString('utf8'), options.privateKey, '$');
      const value = parseJsonInput(
        bytes,
        maxBodyBytes,
        target.api === 'SetSceneMark' ? 'SceneMark' : 'DataSection',
      );
      if (target.api === 'SetSceneMark') await deliverSceneMark(bytes, value, source);
      else await deliverSceneData(value, source);
    } catch (error) {
      if (error instanceof NiceProtocolError) return refuse(bytes, error, source);
      throw error;
    }
    await reply.code(200).send('{}');
  }

  async function handleCmf(reply: FastifyReply, body: Buffer, source: WebApiSource): Promise<void> {
    let request: CmfRequest;
    try {
      request = parseCmfRequest(body, 'the data path takes CMF requests', { maxBytes: maxBodyBytes });
    } catch (error) {
      if (error instanceof NiceProtocolError) return refuse(body, error, source);
      throw error;
    }
    source.sourceEndPointId = request.SourceEndPointID;
    source.encrypted = request.EncryptionOn;
    const expectedType = `1/${consoleId}/data/${source.nodeId}/${source.portId}`;
    let inner: Uint8Array = Buffer.from(request.Payload.Body, 'utf8');
    /** What a refusal reports: the whole message until the inner object is in hand. */
    let original: Uint8Array = body;
    try {
      if (request.DestinationEndPointID !== consoleId) {
        throw new NiceProtocolError(
          'MALFORMED',
          `expected ${consoleId}, this console`,
          'DestinationEndPointID',
        );
      }
      if (request.CommandType !== expectedType) {
        throw new NiceProtocolError(
          'MALFORMED',
          `expected ${expectedType}, the path it was posted to`,
          'CommandType',
        );
      }
      if (request.EncryptionOn) {
        inner = await openJweBody(request.Payload.Body, options.privateKey, 'Payload.Body');
      }
      original = inner;
      let value: unknown;
      try {
        value = parseJsonInput(inner, maxBodyBytes, 'Payload.Body');
      } catch (error) {
        throw error instanceof NiceProtocolError
          ? new NiceProtocolError('MALFORMED', error.message, 'Payload.Body')
          : error;
      }
      // No API name on the v0.9 data path: a DataSection is told from a SceneMark by its members.
      if (isJsonObject(value) && 'DataID' in value && 'SectionBase64' in value)
        await deliverSceneData(value, source);
      else await deliverSceneMark(inner, value, source);
    } catch (error) {
      if (!(error instanceof NiceProtocolError)) throw error;
      const status = error instanceof SceneDataLimitError ? 413 : 400;
      await options.sink.onReject({
        original,
        reason: error.message,
        field: error.field ?? '$',
        source,
      });
      return sendCmf(reply, request, status, error.message, '');
    }
    const ok = { Version: '1.0', Result: 'OK' };
    let responseBody = '';
    if (!request.EncryptionOn) responseBody = await encodeBody(ok, { plain: true });
    else {
      const peerKey = await options.peerPublicKey?.(request.SourceEndPointID);
      if (peerKey) {
        responseBody = await encodeBody(ok, {
          encrypt: { recipientPublicJwk: peerKey, kid: request.SourceEndPointID },
        });
      }
    }
    return sendCmf(reply, request, 200, undefined, responseBody);
  }

  async function sendCmf(
    reply: FastifyReply,
    request: CmfRequest,
    status: number,
    message: string | undefined,
    body: string,
  ): Promise<void> {
    const response = buildCmfResponse(request, {
      statusCode: status,
      ...(message !== undefined ? { statusMessage: message } : {}),
      body,
    });
    await reply.code(status).send(serializeCmfMessage(response));
  }

  const sweepSceneData = async (): Promise<void> => {
    for (const expired of reassembler.sweep()) {
      const source = sceneDataSources.get(expired.dataId);
      sceneDataSources.delete(expired.dataId);
      if (!source) continue;
      try {
        await options.sink.onReject({
          original: expired.partial,
          reason: expired.reason,
          field: 'Section',
          source,
        });
      } catch (error) {
        logger.log(
          'error',
          'webapi',
          'reporting expired SceneData failed',
          error instanceof Error ? error.stack : String(error),
        );
      }
    }
  };
  const sweepTimer = setInterval(() => void sweepSceneData(), sweepIntervalMs);
  sweepTimer.unref();

  try {
    await app.listen({ host, port: options.port ?? 0 });
  } catch (error) {
    clearInterval(sweepTimer);
    await app.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  return {
    origin: `${options.tls ? 'https' : 'http'}://${hostInUrl}:${port}`,
    port,
    sweepSceneData,
    close: async () => {
      clearInterval(sweepTimer);
      reassembler.clear();
      await app.close();
    },
  };
}
