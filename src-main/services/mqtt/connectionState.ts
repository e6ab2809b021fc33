import type {
  ConnectionFailure,
  ConnectionFailureCode,
  ConnectionState,
} from '../../../src-shared/contract/connectionsContract';

// The state union is part of the contract: the renderer receives it in status events.
export type { ConnectionFailure, ConnectionFailureCode, ConnectionState };

/** A connection that ended in `failed`, or was stopped before it came up. */
export class MqttConnectionError extends Error {
  constructor(readonly failure: ConnectionFailure) {
    super(failure.message);
    this.name = 'MqttConnectionError';
  }
}

/** A profile setting makes connecting impossible (`tls.caFile` unreadable …). */
export class ConnectionSetupError extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'ConnectionSetupError';
  }
}

/** A classified failure and whether retrying can help. */
export interface ClassifiedFailure {
  failure: ConnectionFailure;
  /** Retrying will not help (credentials, authorisation, TLS, configuration): stop and tell the operator. */
  fatal: boolean;
}

// CONNACK codes: MQTT 3.1.1 return codes 1..5 (§3.2.2.3), MQTT 5 reason codes ≥ 0x80 (§3.2.2.2).
const badCredentials = new Set([4, 0x86]);
const notAuthorized = new Set([5, 0x87, 0x8a, 0x8c]);
/** Refusals that a later attempt may not meet: the broker is unavailable, busy or rate limiting. */
const transientRefusals = new Set([3, 0x80, 0x83, 0x88, 0x89, 0x97, 0x9f]);
const connackNames: Record<number, string> = {
  1: 'unacceptable protocol version',
  2: 'client identifier rejected',
  3: 'server unavailable',
  4: 'bad username or password',
  5: 'not authorized',
  0x80: 'unspecified error',
  0x81: 'malformed packet',
  0x82: 'protocol error',
  0x83: 'implementation specific error',
  0x84: 'unsupported protocol version',
  0x85: 'client identifier not valid',
  0x86: 'bad username or password',
  0x87: 'not authorized',
  0x88: 'server unavailable',
  0x89: 'server busy',
  0x8a: 'banned',
  0x8c: 'bad authentication method',
  0x95: 'packet too large',
  0x97: 'quota exceeded',
  0x9c: 'use another server',
  0x9d: 'server moved',
  0x9f: 'connection rate exceeded',
};

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/** Turns whatever MQTT.js, Node's TLS or `ws` reported into a failure an operator can act on. */
export function classifyConnectionError(error: unknown): ClassifiedFailure {
  if (error instanceof ConnectionSetupError) {
    return { failure: { code: 'CONFIGURATION', message: error.message, field: error.field }, fatal: true };
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'number' && /Connection refused/i.test(message)) {
    return classifyConnack(code);
  }
  if (typeof code === 'string') {
    if (networkCodes.has(code)) {
      return { failure: { code: 'NETWORK', message: `network error: ${message}` }, fatal: false };
    }
    // Handshake alerts arrive as ERR_SSL_* from tls.connect, but as EPROTO "SSL routines"
    // write errors once MQTT.js has written CONNECT into the TLS socket.
    const handshake = code === 'EPROTO' && /SSL routines/i.test(message);
    if (
      handshake ||
      code.startsWith('ERR_SSL_') ||
      code.startsWith('ERR_TLS_') ||
      /CERT|SIGNATURE|ISSUER/.test(code)
    ) {
      return { failure: { code: 'TLS', message: tlsMessage(code, message) }, fatal: true };
    }
  }
  if (/TLS not authorized/i.test(message)) {
    return {
      failure: { code: 'TLS', message: 'the broker certificate is not trusted (TLS not authorized)' },
      fatal: true,
    };
  }
  const http = /Unexpected server response: (\d{3})/.exec(message);
  if (http && (http[1] === '401' || http[1] === '403')) {
    return {
      failure: {
        code: 'NOT_AUTHORIZED',
        message: `the WebSocket endpoint refused the upgrade (HTTP ${http[1]})`,
      },
      fatal: true,
    };
  }
  return { failure: { code: 'NETWORK', message }, fatal: false };
}

/** Classifies a CONNACK (or v5 DISCONNECT) reason code. */
export function classifyConnack(reasonCode: number): ClassifiedFailure {
  const name = connackNames[reasonCode] ?? `reason code ${reasonCode}`;
  const suffix = `(CONNACK ${reasonCode}: ${name})`;
  if (badCredentials.has(reasonCode)) {
    return {
      failure: {
        code: 'BAD_CREDENTIALS',
        message: `the broker refused the username or password ${suffix}; check them in the connection profile`,
        reasonCode,
        field: 'password',
      },
      fatal: true,
    };
  }
  if (notAuthorized.has(reasonCode)) {
    return {
      failure: {
        code: 'NOT_AUTHORIZED',
        message: `the broker did not authorise this client ${suffix}; check the username, password and the broker's access rules`,
        reasonCode,
      },
      fatal: true,
    };
  }
  return {
    failure: { code: 'REFUSED', message: `the broker refused the connection ${suffix}`, reasonCode },
    fatal: !transientRefusals.has(reasonCode),
  };
}

function tlsMessage(code: string, message: string): string {
  const both = `${code} ${message.replace(/[\s-]+/g, '_').toUpperCase()}`;
  if (/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|WRONG_VERSION_NUMBER/.test(both)) {
    return `TLS handshake failed: the broker does not speak TLS 1.2 or later (v0.9 §5.1) [${code}]`;
  }
  if (/HANDSHAKE_FAILURE|NO_SHARED_CIPHER|NO_CIPHERS/.test(both)) {
    return `TLS handshake failed: no cipher suite of v0.9 §5.2 in common with the broker [${code}]`;
  }
  if (/CERT|SIGNATURE|ISSUER|ALTNAME/.test(code)) {
    return `the broker certificate was not accepted: ${message} [${code}]`;
  }
  return `TLS error: ${message} [${code}]`;
}
