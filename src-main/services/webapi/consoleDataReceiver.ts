import { verifyAccessToken } from '../../core/nice/accessToken';
import { NiceProtocolError } from '../../core/nice/niceProtocolError';
import type { Logger } from '../../core/util/logger';
import type { ConsoleIdentityService } from '../identity/consoleIdentityService';
import type { IngestPipeline } from '../scenemarks/ingestPipeline';
import type { SceneMarkRepository } from '../scenemarks/sceneMarkRepository';
import type { SessionCredentials } from '../sessions/sessionCredentials';
import type { WebApiIngestSink } from './webApiIngestSink';
import { startWebApiServer, type WebApiServer } from './webApiServer';

export interface ConsoleDataReceiverOptions {
  ingest: Pick<IngestPipeline, 'submitParsed' | 'submitRejected'>;
  repository: Pick<SceneMarkRepository, 'storeSceneDataFile'>;
  identity: ConsoleIdentityService;
  logger: Logger;
  now?: () => number;
}

/**
 * The console's HTTPS data endpoint (v0.9 §7, profile "Data"): the WebAPI server with Bearer
 * tokens checked against the account service's key (audience the console, permission Data),
 * SceneMarks handed to ingest, SceneData files stored with their SHA-256, and refused input kept
 * as rejects. Started on loopback while a site that can issue such tokens is running.
 */
export class ConsoleDataReceiver {
  private server: WebApiServer | undefined;

  constructor(private readonly options: ConsoleDataReceiverOptions) {}

  get origin(): string | undefined {
    return this.server?.origin;
  }

  /** Starts on loopback with the site's certificate; `credentials` is the site issuing the tokens. */
  async start(tls: { cert: string; key: string }, credentials: SessionCredentials): Promise<string> {
    if (this.server) return this.server.origin;
    const { identity, ingest, repository, logger } = this.options;
    const now = this.options.now ?? Date.now;
    const me = await identity.identity();
    const sink: WebApiIngestSink = {
      onSceneMark: (delivery) => {
        const source = `https:${delivery.source.sourceEndPointId ?? delivery.source.remoteAddress}`;
        const parsed = {
          original: delivery.original,
          sceneMark: delivery.sceneMark,
          normalised: delivery.normalised,
        };
        if (!ingest.submitParsed(parsed, source)) {
          throw new NiceProtocolError('UNAVAILABLE', 'the ingest queue is full');
        }
      },
      onSceneData: (delivery) => repository.storeSceneDataFile(delivery.file, now()),
      onReject: (rejection) => {
        ingest.submitRejected(rejection.original, 'https', rejection.reason, rejection.field ?? null);
      },
    };
    this.server = await startWebApiServer({
      consoleEndPointId: me.endPointId,
      tls,
      privateKey: await identity.privateJwk(),
      peerPublicKey: async (endPointId) => credentials.devicePublicJwk(endPointId),
      verifyBearer: async (token) => {
        const accountService = credentials.accountService();
        if (!accountService) {
          throw new NiceProtocolError('UNAUTHORIZED', 'no account service is known to verify the token');
        }
        await verifyAccessToken(token, {
          issuerPublicJwk: accountService.publicJwk,
          audience: me.endPointId,
          requiredPermission: 'Data',
        });
      },
      sink,
      logger,
    });
    logger.log('info', 'webapi', `receiving SceneMarks over HTTPS at ${this.server.origin}`);
    return this.server.origin;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.close();
  }
}
