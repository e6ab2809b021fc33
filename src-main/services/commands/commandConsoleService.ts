import type { SendCommandRequest, SendCommandResponse } from '../../../src-shared/contract/commandsContract';
import { buildCmfRequest, serializeCmfMessage } from '../../core/nice/cmf';
import { decodeBody, encodeBody } from '../../core/nice/cmfBody';
import {
  controlPath,
  formatCommandType,
  formatMqttTopic,
  managementPath,
  responseTopicFor,
} from '../../core/nice/destinationId';
import { NiceProtocolError } from '../../core/nice/niceProtocolError';
import type { Logger } from '../../core/util/logger';
import { ContractFailure } from '../contract/contractFailure';
import type { ConsoleIdentityService } from '../identity/consoleIdentityService';
import { commandAccessToken } from './commandAccessToken';
import type { CommandAuditRepository } from './commandAuditRepository';
import type { CommandCredentials } from './commandCredentials';
import type { MqttHub } from '../mqtt/mqttHub';
import { ProfileNotFoundError, type ConnectionProfileRepository } from '../store/connectionProfileRepository';

const errorCodes = {
  TIMEOUT: 'TIMEOUT',
  CANCELLED: 'UNAVAILABLE',
  UNAVAILABLE: 'UNAVAILABLE',
  MALFORMED: 'INVALID_REQUEST',
  DECRYPTION_FAILED: 'INVALID_REQUEST',
  UNAUTHORIZED: 'INVALID_REQUEST',
  FORBIDDEN: 'INVALID_REQUEST',
} as const;

/**
 * The command console: sends one CMF command from the console's endpoint to another over a
 * connected broker (v0.9 §4, §8.4) and returns both messages as they went over the wire, the
 * decoded response body and the timing. Every command carries a token with the permission of
 * its interface from the target's account service (commandAccessToken). The body is encrypted
 * to the recipient's key when one is given or the account service holds it; plain bodies only
 * where the connection profile allows them (NICE-PROFILE, CMF).
 */
export class CommandConsoleService {
  constructor(
    private readonly hub: MqttHub,
    private readonly profiles: Pick<ConnectionProfileRepository, 'require'>,
    private readonly identity: ConsoleIdentityService,
    private readonly credentials: CommandCredentials,
    private readonly audit: CommandAuditRepository,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async send(request: SendCommandRequest): Promise<SendCommandResponse> {
    let profile;
    try {
      profile = this.profiles.require(request.profileId);
    } catch (error) {
      if (error instanceof ProfileNotFoundError) throw new ContractFailure('NOT_FOUND', error.message);
      throw error;
    }
    const target = request.targetEndPointId.toLowerCase();
    // Profile, Clarifications: bodies are encrypted whenever the sender holds the recipient's key.
    const recipientJwk = request.recipientJwk ?? this.credentials.publicJwkOf(target);
    if (!recipientJwk && !profile.allowPlainBodies) {
      throw new ContractFailure(
        'INVALID_REQUEST',
        `recipientJwk: connection "${profile.name}" does not allow plain bodies; give the recipient's public key to encrypt`,
      );
    }
    const path =
      request.interface === 'management'
        ? managementPath(target, request.api)
        : controlPath(target, request.nodeId ?? '', request.api);
    const accessToken = await commandAccessToken(path, request.accessToken, this.credentials);
    const { endPointId } = await this.identity.identity();
    const body = recipientJwk
      ? await encodeBody(request.body, { encrypt: { recipientPublicJwk: recipientJwk, kid: target } })
      : await encodeBody(request.body, { plain: true });
    const message = buildCmfRequest({
      source: endPointId,
      destination: target,
      commandType: formatCommandType(path),
      commandId: await this.identity.nextCommandId(),
      accessToken,
      encryptionOn: recipientJwk !== undefined,
      body,
    });
    const requestTopic = formatMqttTopic(path);
    const responseTopic = responseTopicFor(message);

    const sentMs = this.now().getTime();
    const record = (statusCode: number | null, outcome: string, latencyMs: number | null): void => {
      try {
        this.audit.append({
          sentMs,
          profileId: request.profileId,
          target: request.targetEndPointId.toLowerCase(),
          commandType: message.CommandType,
          commandId: message.CommandID,
          statusCode,
          outcome,
          latencyMs,
        });
      } catch (error) {
        this.logger.log(
          'error',
          'commands',
          `could not write the command audit: ${(error as Error).message}`,
        );
      }
    };

    let result;
    try {
      result = await this.hub.request(request.profileId, {
        requestTopic,
        responseTopic,
        message,
        timeoutMs: request.timeoutMs,
        resends: request.resends,
      });
    } catch (error) {
      if (error instanceof NiceProtocolError) {
        this.logger.log('warn', 'commands', `${message.CommandType} #${message.CommandID}: ${error.message}`);
        record(null, errorCodes[error.code], null);
        throw new ContractFailure(errorCodes[error.code], `${message.CommandType}: ${error.message}`);
      }
      record(null, 'INTERNAL', null);
      throw error;
    }

    const { response } = result;
    record(response.ReplyStatusCode, 'ok', result.latencyMs);
    let decoded: unknown;
    let bodyError: string | undefined;
    try {
      decoded = await decodeBody(
        response.Payload.Body,
        response.EncryptionOn,
        response.EncryptionOn ? await this.identity.privateJwk() : undefined,
      );
    } catch (error) {
      bodyError = error instanceof Error ? error.message : String(error);
    }
    this.logger.log(
      'info',
      'commands',
      `${message.CommandType} #${message.CommandID} → ${response.ReplyStatusCode} in ${result.latencyMs.toFixed(1)} ms`,
    );
    return {
      commandId: message.CommandID,
      request: { topic: requestTopic, text: serializeCmfMessage(message) },
      response: { topic: responseTopic, text: serializeCmfMessage(response) },
      replyStatusCode: response.ReplyStatusCode,
      replyErrorCode: response.ReplyErrorCode,
      replyStatusMessage: response.ReplyStatusMessage,
      ...(decoded === undefined ? {} : { body: decoded }),
      ...(bodyError === undefined ? {} : { bodyError }),
      encrypted: response.EncryptionOn,
      latencyMs: result.latencyMs,
      attempts: result.attempts,
    };
  }
}
