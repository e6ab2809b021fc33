import { managementPath } from '../core/nice/destinationId';
import { parseEndpointPublicJwk, type EndpointPublicJwk } from '../core/nice/endpointKeys';
import type { NiceEndpoint } from '../core/nice/niceEndpoint';
import type { Logger } from '../core/util/logger';
import { ControlObjectReply, parseBody } from './deviceBodies';

/** How long a caller the account service did not name is not asked about again. */
const MISS_TTL_MS = 5_000;

export interface ControlObjectKeysOptions {
  deviceId: string;
  /** Calls the account service (the device's own endpoint). */
  endpoint: Pick<NiceEndpoint, 'call'>;
  /** The account service the device is bound to, while bound. */
  accountServiceId(): string | undefined;
  /** The DeviceToken (aud = the AS, Management): what the device's own requests carry. */
  deviceToken(): string | undefined;
  /** Keeps a key learned from an endpoint object. */
  remember(endPointId: string, jwk: EndpointPublicJwk): void;
  /** Time limit of one attempt (the caller waits meanwhile); default 1 s, one resend. */
  timeoutMs?: number;
  logger: Logger;
  source: string;
}

/**
 * Finds the key of an app that calls the device before any control session introduced it: asks
 * the bound account service for its ControlObject (GetControlObject, digest §2.5) and keeps the
 * keys of its ControlEndPoints' AppEndPoints (profile "Tokens and keys": public keys travel as
 * JWK in the endpoint objects the account service hands out). One question at a time; a caller
 * the answer does not name is not asked about again for a few seconds.
 */
export class ControlObjectKeys {
  private inFlight: Promise<Map<string, EndpointPublicJwk>> | undefined;
  private readonly misses = new Map<string, number>();

  constructor(private readonly options: ControlObjectKeysOptions) {}

  async find(endPointId: string): Promise<EndpointPublicJwk | undefined> {
    const caller = endPointId.toLowerCase();
    const missedAt = this.misses.get(caller);
    if (missedAt !== undefined && Date.now() - missedAt < MISS_TTL_MS) return undefined;
    this.inFlight ??= this.fetch().finally(() => (this.inFlight = undefined));
    const keys = await this.inFlight;
    const key = keys.get(caller);
    if (key) this.misses.delete(caller);
    else this.misses.set(caller, Date.now());
    return key;
  }

  private async fetch(): Promise<Map<string, EndpointPublicJwk>> {
    const keys = new Map<string, EndpointPublicJwk>();
    const accountService = this.options.accountServiceId();
    const token = this.options.deviceToken();
    if (!accountService || !token) return keys;
    const { endpoint, deviceId, logger, source } = this.options;
    try {
      const result = await endpoint.call({
        path: managementPath(accountService, 'GetControlObject'),
        body: { Version: '1.0', DeviceID: deviceId },
        accessToken: token,
        timeoutMs: this.options.timeoutMs ?? 1000,
        resends: 1,
      });
      if (result.response.ReplyStatusCode !== 200) {
        logger.log(
          'info',
          source,
          `GetControlObject: ${result.response.ReplyStatusCode} ${result.response.ReplyStatusMessage}`,
        );
        return keys;
      }
      for (const { AppEndPoint } of parseBody(ControlObjectReply, result.body).ControlEndPoints) {
        if (AppEndPoint.JWK === undefined) continue;
        try {
          const jwk = parseEndpointPublicJwk(AppEndPoint.JWK, 'AppEndPoint.JWK');
          if (jwk.kid !== AppEndPoint.EndPointID) throw new Error('its JWK kid names another endpoint');
          keys.set(AppEndPoint.EndPointID, jwk);
          this.options.remember(AppEndPoint.EndPointID, jwk);
        } catch (error) {
          logger.log(
            'warn',
            source,
            `GetControlObject: ${AppEndPoint.EndPointID} skipped: ${describe(error)}`,
          );
        }
      }
    } catch (error) {
      logger.log('warn', source, `GetControlObject failed: ${describe(error)}`);
    }
    return keys;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
