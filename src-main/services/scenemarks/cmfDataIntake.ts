import type { CryptoKey, JWK } from 'jose';
import { parseCmfRequest } from '../../core/nice/cmf';
import { openJweBody } from '../../core/nice/cmfBody';
import { parseCommandType } from '../../core/nice/destinationId';
import { NiceProtocolError } from '../../core/nice/niceProtocolError';
import type { TokenCheck } from '../../core/nice/niceEndpoint';
import type { IngestPipeline } from './ingestPipeline';

export interface CmfDataIntakeOptions {
  ingest: Pick<IngestPipeline, 'submit' | 'submitRejected'>;
  consoleEndPointId: () => Promise<string>;
  privateJwk: () => Promise<JWK | CryptoKey>;
  /** Verifies the sender's token (Data permission) when the issuer is known; absent = not checked. */
  checkToken?: () => TokenCheck | undefined;
}

const encoder = new TextEncoder();

/**
 * Opens SceneMark deliveries that arrive as CMF requests on a data path (MQTT data topics and
 * WebRTC data DataChannels, profile "Data") and hands the SceneMark bytes to ingest exactly as
 * the sender produced them (the JWE plaintext, or the plain Body text). An envelope that cannot
 * be read goes to the rejects table with the reason, verbatim.
 */
export class CmfDataIntake {
  constructor(private readonly options: CmfDataIntakeOptions) {}

  /** Takes one message from `source` (`mqtt:<profile>`, `webrtc:<device>`); never throws. */
  async accept(payload: Uint8Array | string, source: string): Promise<void> {
    const bytes = typeof payload === 'string' ? encoder.encode(payload) : payload;
    try {
      this.options.ingest.submit(await this.open(bytes), source);
    } catch (error) {
      const field = error instanceof NiceProtocolError ? (error.field ?? null) : null;
      const reason = error instanceof Error ? error.message : String(error);
      this.options.ingest.submitRejected(bytes, source, reason, field);
    }
  }

  private async open(bytes: Uint8Array): Promise<Uint8Array> {
    const message = parseCmfRequest(bytes, 'a data delivery must be a CMF request');
    const path = parseCommandType(message.CommandType);
    if (path.kind !== 'data') {
      throw new NiceProtocolError('MALFORMED', 'not a data path', 'CommandType');
    }
    if (path.endPointId.toLowerCase() !== (await this.options.consoleEndPointId()).toLowerCase()) {
      throw new NiceProtocolError('MALFORMED', 'the data is addressed to another endpoint', 'CommandType');
    }
    const check = this.options.checkToken?.();
    if (check) await check(message.AccessToken, { request: message, path, permission: 'Data' });
    if (!message.EncryptionOn) return encoder.encode(message.Payload.Body);
    return openJweBody(message.Payload.Body, await this.options.privateJwk(), 'Payload.Body');
  }
}
