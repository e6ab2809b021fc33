import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import {
  buildCmfResponse,
  parseCmfMessage,
  serializeCmfMessage,
  type CmfRequest,
} from '../../src-main/core/nice/cmf';

/** What the responder does with one copy (1, 2, …) of a request. */
export type ResponderDecision = 'answer' | 'ignore' | { body: string; encryptionOn?: boolean };

/** A device-side MQTT client that answers CMF requests, the way a NICE camera does over MQTT. */
export interface CmfResponder {
  client: MqttClient;
  /** Every request copy received, with its exact bytes. */
  received: Array<{ topic: string; payload: string; request: CmfRequest }>;
  decide: (request: CmfRequest, copy: number) => ResponderDecision;
  /** Resolves at the next (re)connection with its subscriptions granted. */
  nextReady(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Connects to `url`, subscribes the device's control and management topics and answers each
 * request on the caller's topic for the same API (NICE-PROFILE, CMF over MQTT) using
 * buildCmfResponse. Reconnects by itself after a broker restart.
 */
export async function startCmfResponder(
  url: string,
  deviceId: string,
  options: IClientOptions = {},
): Promise<CmfResponder> {
  const client = connect(url, { reconnectPeriod: 100, connectTimeout: 5_000, ...options });
  const noDelay = (): void =>
    (client.stream as { setNoDelay?: (noDelay: boolean) => void } | undefined)?.setNoDelay?.(true);
  noDelay();
  const copies = new Map<number, number>();
  const topics = [`1/${deviceId}/control/+/+`, `1/${deviceId}/management/+`];
  let readyWaiters: Array<() => void> = [];
  const responder: CmfResponder = {
    client,
    received: [],
    decide: () => 'answer',
    nextReady: () => new Promise((resolve) => readyWaiters.push(resolve)),
    close: () => new Promise((resolve) => client.end(true, {}, () => resolve())),
  };
  client.on('error', () => undefined);
  client.on('connect', () => {
    noDelay();
    client.subscribe(topics, { qos: 0 }, () => {
      const waiters = readyWaiters;
      readyWaiters = [];
      for (const resolve of waiters) resolve();
    });
  });
  client.on('message', (topic, payload) => {
    let request: CmfRequest;
    try {
      const message = parseCmfMessage(payload);
      if (message.MessageType !== 'request') return;
      request = message;
    } catch {
      return;
    }
    responder.received.push({ topic, payload: payload.toString('utf8'), request });
    const copy = (copies.get(request.CommandID) ?? 0) + 1;
    copies.set(request.CommandID, copy);
    const decision = responder.decide(request, copy);
    if (decision === 'ignore') return;
    const body = decision === 'answer' ? '{"Version":"1.0","Result":"OK"}' : decision.body;
    const response = buildCmfResponse(
      decision !== 'answer' && decision.encryptionOn !== undefined
        ? { ...request, EncryptionOn: decision.encryptionOn }
        : request,
      { statusCode: 200, body },
    );
    // `1/{device}/control/{node}/{API}` → `1/{caller}/control/{node}/{API}`.
    const levels = topic.split('/');
    levels[1] = request.SourceEndPointID;
    client.publish(levels.join('/'), serializeCmfMessage(response), { qos: 0 });
  });
  await responder.nextReady();
  return responder;
}
