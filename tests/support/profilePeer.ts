import { randomUUID } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import {
  CompactEncrypt,
  SignJWT,
  compactDecrypt,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import { connectAsync, type MqttClient } from 'mqtt';

/*
 * A third-party NICE peer written from ../shared/design/NICE-PROFILE.md and v0.9 alone: CMF
 * messages are object literals with the v0.9 §4.1 members, HTTPS is node:https, MQTT is mqtt.js,
 * JWS/JWE is jose. Nothing here imports the project's NICE code, so a test that passes with it
 * shows that a peer following the profile text gets through, not that our code agrees with itself.
 */

/** A CMF message as v0.9 §4.1 lays it out. */
export type ProfileMessage = Record<string, unknown> & {
  MessageType: 'request' | 'response';
  SourceEndPointID: string;
  DestinationEndPointID: string;
  EncryptionOn: boolean;
  Payload: { Body: string };
};

/** DateTimeStamp `YYYY-MM-DDThh:mm:ss.sssZ` (profile "Identifiers and paths"). */
const stamp = (): string => new Date().toISOString();

/** A CMF request (v0.9 §4.1; every member mandatory). */
export function profileRequest(fields: {
  source: string;
  destination: string;
  commandType: string;
  commandId: number;
  accessToken: string;
  encryptionOn: boolean;
  body: string;
}): ProfileMessage {
  return {
    MessageType: 'request',
    SourceEndPointID: fields.source,
    DestinationEndPointID: fields.destination,
    DateTimeStamp: stamp(),
    CommandID: fields.commandId,
    CommandType: fields.commandType,
    AccessToken: fields.accessToken,
    EncryptionOn: fields.encryptionOn,
    Payload: { Body: fields.body },
  };
}

/** The response to `request` (v0.9 §4.1: Source/Destination as in the request, ReplyID = CommandID). */
export function profileResponse(
  request: ProfileMessage,
  status: number,
  body: string,
  message = status === 200 ? 'OK' : 'refused',
): ProfileMessage {
  return {
    MessageType: 'response',
    SourceEndPointID: request.SourceEndPointID,
    DestinationEndPointID: request.DestinationEndPointID,
    DateTimeStamp: stamp(),
    EncryptionOn: request.EncryptionOn,
    ReplyID: request.CommandID,
    ReplyStatusCode: status,
    ReplyErrorCode: status === 200 ? 0 : status,
    ReplyStatusMessage: message,
    Payload: { Body: body },
  };
}

/** An EC P-256 key pair with its public JWK (kid = the EndPointID), as every endpoint has. */
export interface ProfileKeys {
  id: string;
  publicJwk: JWK;
  /** For ES256 signatures. */
  privateKey: CryptoKey;
  /** The same private key as JWK, imported for ECDH-ES where a body is decrypted. */
  privateJwk: JWK;
}

export async function profileKeys(id: string = randomUUID()): Promise<ProfileKeys> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  const privateJwk = await exportJWK(privateKey);
  return { id, publicJwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid: id }, privateKey, privateJwk };
}

/** Body with EncryptionOn true: a compact JWE, ECDH-ES+A256KW / A256GCM, kid = recipient. */
export async function encryptBody(inner: unknown, recipient: JWK): Promise<string> {
  const key = await importJWK({ ...recipient, alg: 'ECDH-ES+A256KW' }, 'ECDH-ES+A256KW');
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(inner)))
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: String(recipient.kid) })
    .encrypt(key);
}

/** Opens a Body: the JSON string itself when EncryptionOn is false, else a JWE to `keys`. */
export async function openBody(
  message: ProfileMessage,
  keys?: ProfileKeys,
): Promise<Record<string, unknown> | undefined> {
  const body = message.Payload.Body;
  if (body === '') return undefined;
  if (!message.EncryptionOn) return JSON.parse(body) as Record<string, unknown>;
  if (!keys) throw new Error('an encrypted body reached a peer that gave nobody its key');
  const key = await importJWK({ ...keys.privateJwk, alg: 'ECDH-ES+A256KW' }, 'ECDH-ES+A256KW');
  const { plaintext } = await compactDecrypt(body, key);
  return JSON.parse(new TextDecoder().decode(plaintext)) as Record<string, unknown>;
}

/** An AccessToken as the profile's "Tokens" section describes it, signed ES256 by `issuer`. */
export function signProfileToken(
  issuer: ProfileKeys,
  claims: { sub: string; aud: string | string[]; Permissions: string[]; NodeIDs?: string[] },
): Promise<string> {
  return new SignJWT({
    Permissions: claims.Permissions,
    ...(claims.NodeIDs ? { NodeIDs: claims.NodeIDs } : {}),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .setIssuer(issuer.id)
    .setSubject(claims.sub)
    .setAudience(claims.aud)
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime('1h')
    .setJti(randomUUID())
    .sign(issuer.privateKey);
}

/** Verifies a token with the issuer's JWK from an endpoint object (profile "Tokens"). */
export async function verifyProfileToken(
  token: string,
  issuerJwk: JWK,
  audience: string,
): Promise<JWTPayload & { Permissions?: string[] }> {
  const key = await importJWK({ ...issuerJwk, alg: 'ES256' }, 'ES256');
  const { payload } = await jwtVerify(token, key, { audience });
  return payload as JWTPayload & { Permissions?: string[] };
}

/** What an HTTPS POST came back with. */
export interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown> | undefined;
  text: string;
}

/** POSTs JSON as v0.9 §7 says (Content-Type application/json, Bearer only when there is a token). */
export function postJson(url: string, ca: string | Buffer, text: string, bearer = ''): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Accept: 'application/json',
    };
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    const req = httpsRequest(url, { method: 'POST', headers, ca }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown> | undefined;
        try {
          json = JSON.parse(body) as Record<string, unknown>;
        } catch {
          json = undefined;
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, json, text: body });
      });
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** The MQTT scheme of an endpoint object's NetEndPoint (profile "Endpoint objects"). */
export interface ProfileMqttScheme {
  Protocol: 'MQTT';
  Authority: string;
  ClientID?: string;
  Username?: string;
  Password?: string;
}

export function mqttSchemeOf(endpointObject: unknown): ProfileMqttScheme {
  const schemes = (endpointObject as { NetEndPoint?: { Scheme?: unknown[] } }).NetEndPoint?.Scheme ?? [];
  const scheme = schemes.find((entry) => (entry as { Protocol?: unknown }).Protocol === 'MQTT');
  if (!scheme) throw new Error('the endpoint object names no MQTT scheme');
  return scheme as ProfileMqttScheme;
}

/** One MQTT connection a peer opened, with what happened to it. */
export interface ProfileConnection {
  client: MqttClient;
  clientId: string;
  /** How often the broker closed it (a takeover by the same ClientID closes it at once). */
  closes: number;
  /** Sends a text on `topic` (QoS 0) and waits until this connection receives it back. */
  roundTrip(): Promise<void>;
}

/**
 * Opens an MQTT connection as an endpoint object's scheme says (Authority, ClientID, Username,
 * Password) and subscribes `topics` at QoS 0 (v0.9 §8.2). It never reconnects on its own, so a
 * takeover shows as a close instead of hiding behind a reconnect.
 */
export async function openProfileConnection(
  scheme: ProfileMqttScheme,
  topics: string[],
  onMessage: (topic: string, text: string, connection: ProfileConnection) => void,
): Promise<ProfileConnection> {
  const clientId = scheme.ClientID ?? randomUUID();
  const client = await connectAsync(scheme.Authority, {
    clientId,
    ...(scheme.Username !== undefined ? { username: scheme.Username } : {}),
    ...(scheme.Password !== undefined ? { password: scheme.Password } : {}),
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 0,
  });
  const probe = `probe/${randomUUID()}`;
  const probes: (() => void)[] = [];
  const connection: ProfileConnection = {
    client,
    clientId,
    closes: 0,
    roundTrip: async () => {
      const heard = new Promise<void>((resolve) => probes.push(resolve));
      await client.publishAsync(probe, 'ping', { qos: 0 });
      await heard;
    },
  };
  client.on('close', () => (connection.closes += 1));
  client.on('message', (topic, payload) => {
    if (topic === probe) {
      for (const resolve of probes.splice(0)) resolve();
      return;
    }
    onMessage(topic, payload.toString('utf8'), connection);
  });
  await client.subscribeAsync([...topics, probe], { qos: 0 });
  return connection;
}

/** Waits until `check` holds, polling; a liveness wait with a generous limit. */
export async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
