import type { CryptoKey, JWK } from 'jose';
import { requiredPermissionFor, type AccessTokenClaims } from './accessToken';
import {
  buildCmfRequest,
  buildCmfResponse,
  isResponseTo,
  parseCmfMessage,
  serializeCmfMessage,
  type CmfRequest,
  type CmfResponse,
} from './cmf';
import { decodeBody, encodeBody } from './cmfBody';
import { ReplayGuard } from './replayGuard';
import {
  formatCommandType,
  formatMqttTopic,
  parseCommandType,
  responseTopicFor,
  type DestinationPath,
} from './destinationId';
import { NiceProtocolError, type NiceErrorCode } from './niceProtocolError';

/** Where an endpoint's messages go: an MQTT publish, a DataChannel send, an HTTPS reply. */
export interface EndpointTransport {
  send(topic: string, text: string): Promise<void>;
}

/** A command path an endpoint can be called on (data paths are deliveries, not commands). */
export type CommandPath = Extract<DestinationPath, { kind: 'management' | 'control' }>;

/** What a handler sees of one verified, decrypted request. */
export interface IncomingCommand {
  request: CmfRequest;
  path: Exclude<DestinationPath, { kind: 'controlChannel' }>;
  /** The inner JSON of Payload.Body (undefined when empty). */
  body: unknown;
  /** The verified AccessToken claims, or null where the endpoint accepts no token. */
  claims: AccessTokenClaims | null;
}

/** A handler's answer; `noResponse` for one-way messages (WebRTCSignaling, data). */
export type CommandResult =
  { status?: number; body?: unknown; errorCode?: number; message?: string } | { noResponse: true };

export type CommandHandler = (command: IncomingCommand) => Promise<CommandResult> | CommandResult;

/** Checks a request's AccessToken; throws NiceProtocolError UNAUTHORIZED/FORBIDDEN. */
export type TokenCheck = (
  token: string,
  context: {
    request: CmfRequest;
    path: IncomingCommand['path'];
    permission: ReturnType<typeof requiredPermissionFor>;
  },
) => Promise<AccessTokenClaims | null>;

export interface NiceEndpointOptions {
  endPointId: string;
  privateJwk: JWK | CryptoKey;
  /** Public keys of peers this endpoint encrypts to (profile: encrypt whenever the key is known). */
  peerKey: (endPointId: string) => JWK | undefined;
  /**
   * Looks for the key of a caller that peerKey does not know yet: a device asks its account
   * service for its apps' endpoint objects, or reads it from the command itself (SetManagementObject
   * names the AS with its key). Whatever it finds is the key of this one answer.
   */
  findPeerKey?: (endPointId: string, command: IncomingCommand) => Promise<JWK | undefined>;
  checkToken: TokenCheck;
  nextCommandId: () => number | Promise<number>;
  transport: EndpointTransport;
  now?: () => Date;
  replayGuard?: ReplayGuard;
}

export interface CallOptions {
  path: CommandPath;
  body: unknown;
  accessToken: string;
  /** Send plain even when the callee's key is known (GetManagementEndPoint only). */
  plain?: boolean;
  timeoutMs?: number;
  resends?: number;
  signal?: AbortSignal;
}

export interface CallResult {
  response: CmfResponse;
  /** Decoded inner body; undefined for an empty body. */
  body: unknown;
  attempts: number;
}

const statusFor: Record<NiceErrorCode, number> = {
  MALFORMED: 400,
  DECRYPTION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  TIMEOUT: 504,
  CANCELLED: 503,
  UNAVAILABLE: 503,
};

/** APIs the profile defines as one-way: no response is ever sent, so no key is needed. */
const ONE_WAY_APIS: ReadonlySet<string> = new Set(['WebRTCSignaling']);

/**
 * Why an encrypted request from a caller whose key is unknown is not run. The profile has the
 * response copy the request's EncryptionOn and lets only an error carry an empty Body; it names
 * no status for this case. 406 says the answer cannot be given in the form asked for, where 401
 * or 403 would wrongly blame the caller's valid token.
 */
export const UNKNOWN_CALLER_KEY_STATUS = 406;

interface PendingCall {
  request: CmfRequest;
  resolve: (response: CmfResponse) => void;
  fail: (error: Error) => void;
}

/**
 * One NICE endpoint's command engine, independent of the transport: decrypts and verifies
 * incoming requests, runs the handler for their API, answers through the replay guard (a resend
 * gets the identical cached response), and correlates the responses to its own calls. The
 * account service, the simulated cameras and the console's session service all use it, so the
 * three sides agree on the envelope by construction.
 */
export class NiceEndpoint {
  readonly endPointId: string;
  private readonly handlers = new Map<string, CommandHandler>();
  private readonly pending = new Map<number, PendingCall>();
  private readonly guard: ReplayGuard;
  private readonly now: () => Date;

  constructor(private readonly options: NiceEndpointOptions) {
    this.endPointId = options.endPointId.toLowerCase();
    this.guard = options.replayGuard ?? new ReplayGuard();
    this.now = options.now ?? (() => new Date());
  }

  /** Registers the handler of one API (`GetDeviceStatus`, `StartStreaming`, …). */
  handle(api: string, handler: CommandHandler): this {
    this.handlers.set(api, handler);
    return this;
  }

  /**
   * Takes one message from the transport. A request is dispatched and its response returned as
   * the topic and text to send back (null when none is due); a response settles our own call.
   * Malformed input that cannot be answered is thrown as NiceProtocolError for the caller to log.
   */
  async receive(input: string | Uint8Array): Promise<{ topic: string; text: string } | null> {
    const message = parseCmfMessage(input);
    if (message.MessageType === 'response') {
      this.settle(message);
      return null;
    }
    const response = await this.answer(message);
    return response ? { topic: responseTopicFor(message), text: serializeCmfMessage(response) } : null;
  }

  /** Runs a request through the replay guard and its handler; null for one-way messages. */
  async answer(request: CmfRequest): Promise<CmfResponse | null> {
    const source = request.SourceEndPointID.toLowerCase();
    const cached = this.guard.lookup(source, request.CommandID);
    if (cached === 'pending') return null;
    if (cached) return cached;
    this.guard.begin(source, request.CommandID);
    let response: CmfResponse | null;
    try {
      response = await this.dispatch(request);
    } catch (error) {
      this.guard.forget(source, request.CommandID);
      throw error;
    }
    if (response) this.guard.complete(source, request.CommandID, response);
    else this.guard.forget(source, request.CommandID);
    return response;
  }

  /** Sends a request and waits for its response, resending the identical message on timeout. */
  async call(options: CallOptions): Promise<CallResult> {
    const request = await this.buildRequest(options);
    const timeoutMs = options.timeoutMs ?? 5000;
    const resends = options.resends ?? 2;
    const topic = formatMqttTopic(options.path);
    const text = serializeCmfMessage(request);
    try {
      for (let attempt = 1; attempt <= resends + 1; attempt++) {
        const response = await this.awaitResponse(request, topic, text, timeoutMs, options.signal);
        if (response) return { response, body: await this.openResponse(response), attempts: attempt };
      }
    } finally {
      this.pending.delete(request.CommandID);
    }
    throw new NiceProtocolError('TIMEOUT', `no response to ${options.path.api} within ${timeoutMs} ms`);
  }

  /** Sends a one-way request (WebRTCSignaling, a SceneMark delivery) to `path`. */
  async notify(
    options: Omit<CallOptions, 'timeoutMs' | 'resends' | 'signal'> & { path: DestinationPath },
  ): Promise<void> {
    const request = await this.buildRequest(options);
    await this.options.transport.send(formatMqttTopic(options.path), serializeCmfMessage(request));
  }

  /** Builds a request from this endpoint, its body encrypted to the callee when its key is known. */
  async buildRequest(
    options: Pick<CallOptions, 'body' | 'accessToken' | 'plain'> & { path: DestinationPath },
  ): Promise<CmfRequest> {
    if (options.path.kind === 'controlChannel') {
      throw new NiceProtocolError('MALFORMED', 'the control channel is not a command', 'CommandType');
    }
    const callee = options.path.endPointId.toLowerCase();
    const key = options.plain ? undefined : this.options.peerKey(callee);
    const body = await encodeBody(
      options.body,
      key ? { encrypt: { recipientPublicJwk: key, kid: callee } } : { plain: true },
    );
    return buildCmfRequest({
      source: this.endPointId,
      destination: callee,
      commandType: formatCommandType(options.path),
      commandId: await this.options.nextCommandId(),
      accessToken: options.accessToken,
      encryptionOn: key !== undefined,
      body,
      now: this.now(),
    });
  }

  /** Decodes a response body addressed to us (plain or a JWE to our key). */
  async openResponse(response: CmfResponse): Promise<unknown> {
    return decodeBody(response.Payload.Body, response.EncryptionOn, this.options.privateJwk);
  }

  /** Fails every call still waiting (the transport went away). */
  cancelAll(reason: string): void {
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) call.fail(new NiceProtocolError('UNAVAILABLE', reason));
  }

  private settle(response: CmfResponse): void {
    const call = this.pending.get(response.ReplyID);
    if (call && isResponseTo(call.request, response)) call.resolve(response);
  }

  private awaitResponse(
    request: CmfRequest,
    topic: string,
    text: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<CmfResponse | undefined> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      const fail = (error: Error): void => {
        cleanup();
        reject(error);
      };
      const onAbort = (): void => fail(new NiceProtocolError('CANCELLED', 'the call was cancelled'));
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const finish = (response: CmfResponse | undefined): void => {
        cleanup();
        resolve(response);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(request.CommandID, { request, resolve: finish, fail });
      this.options.transport.send(topic, text).catch((error: unknown) => {
        fail(error instanceof Error ? error : new Error(String(error)));
      });
    });
  }

  private async dispatch(request: CmfRequest): Promise<CmfResponse | null> {
    let path: IncomingCommand['path'];
    try {
      path = parseCommandType(request.CommandType);
    } catch (error) {
      return this.errorResponse(request, error);
    }
    if (path.endPointId.toLowerCase() !== this.endPointId) {
      return this.reply(request, { status: 404, message: 'CommandType names another endpoint' });
    }
    const handler = this.handlers.get(path.kind === 'data' ? 'data' : path.api);
    if (!handler) {
      if (path.kind === 'data') return null;
      return this.reply(request, { status: 501, message: `${path.api} is not implemented here` });
    }
    let command: IncomingCommand;
    try {
      const claims = await this.options.checkToken(request.AccessToken, {
        request,
        path,
        permission: requiredPermissionFor(path),
      });
      const body = await decodeBody(request.Payload.Body, request.EncryptionOn, this.options.privateJwk);
      command = { request, path, body, claims };
    } catch (error) {
      return path.kind === 'data' ? null : this.errorResponse(request, error);
    }
    // An answer is due and must be encrypted (it copies EncryptionOn): the key it is encrypted
    // to is settled before the handler runs, so a command either takes effect and says so, or
    // is refused and changes nothing; no effect hides behind an error answer.
    let replyKey: JWK | undefined;
    if (request.EncryptionOn && path.kind !== 'data' && !ONE_WAY_APIS.has(path.api)) {
      replyKey = await this.callerKey(command);
      if (!replyKey) return this.unknownCallerKey(request);
    }
    let result: CommandResult;
    try {
      result = await handler(command);
    } catch (error) {
      if (path.kind === 'data') throw error;
      return this.errorResponse(request, error);
    }
    if ('noResponse' in result || path.kind === 'data') return null;
    return this.reply(request, result, replyKey);
  }

  /** The caller's key: known already, or found by findPeerKey (a failed search counts as none). */
  private async callerKey(command: IncomingCommand): Promise<JWK | undefined> {
    const caller = command.request.SourceEndPointID.toLowerCase();
    const known = this.options.peerKey(caller);
    if (known || !this.options.findPeerKey) return known;
    try {
      return (await this.options.findPeerKey(caller, command)) ?? this.options.peerKey(caller);
    } catch {
      return undefined;
    }
  }

  /** The profile's error answer (Body "", EncryptionOn copied) when no encrypted answer is possible. */
  private unknownCallerKey(request: CmfRequest): Promise<CmfResponse> {
    return this.reply(request, {
      status: UNKNOWN_CALLER_KEY_STATUS,
      message: `EncryptionOn: the public key of ${request.SourceEndPointID.toLowerCase()} is not known here (no endpoint object from the account service, no control session), so no encrypted answer can be given; the command was not run`,
    });
  }

  private errorResponse(request: CmfRequest, error: unknown): Promise<CmfResponse> {
    if (error instanceof NiceProtocolError) {
      return this.reply(request, { status: statusFor[error.code], message: error.message });
    }
    return this.reply(request, { status: 500, message: 'internal error' });
  }

  /** Builds the response; `replyKey` is the caller's key settled before the command ran. */
  private async reply(
    request: CmfRequest,
    result: { status?: number; body?: unknown; errorCode?: number; message?: string },
    replyKey?: JWK,
  ): Promise<CmfResponse> {
    const status = result.status ?? 200;
    let body = '';
    if (result.body !== undefined) {
      const caller = request.SourceEndPointID.toLowerCase();
      const key = request.EncryptionOn ? (replyKey ?? this.options.peerKey(caller)) : undefined;
      if (request.EncryptionOn && !key) return this.unknownCallerKey(request);
      body = await encodeBody(
        result.body,
        key ? { encrypt: { recipientPublicJwk: key, kid: caller } } : { plain: true },
      );
    }
    return buildCmfResponse(request, {
      statusCode: status,
      errorCode: result.errorCode,
      statusMessage: result.message,
      body,
      now: this.now(),
    });
  }
}
