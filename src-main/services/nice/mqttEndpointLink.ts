import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { formatMqttTopic } from '../../core/nice/destinationId';
import type { EndpointTransport, NiceEndpoint } from '../../core/nice/niceEndpoint';
import { silentLogger, type Logger } from '../../core/util/logger';

export interface MqttEndpointLinkOptions {
  url: string;
  username?: string;
  password?: string;
  clientId?: string;
  /** CA certificates for mqtts/wss. */
  ca?: string | Buffer;
  protocolVersion?: 4 | 5;
  /** Delay before mqtt.js reconnects after a drop (ms); 0 turns reconnecting off. */
  reconnectPeriodMs?: number;
  connectTimeoutMs?: number;
  logger?: Logger;
  source?: string;
}

export type DataListener = (topic: string, payload: Buffer) => void;

/**
 * Carries one NiceEndpoint over MQTT for the embedded account service and the simulated
 * cameras: subscribes to the endpoint's management and control topics (QoS 0, as the profile
 * says), feeds every message to the endpoint, publishes its responses, and hands data topics to
 * listeners. The console itself uses MqttHub, which adds profiles, state and backoff on top.
 */
export class MqttEndpointLink implements EndpointTransport {
  private endpoint: NiceEndpoint | undefined;
  private readonly dataListeners = new Set<DataListener>();
  private closed = false;

  private constructor(
    readonly client: MqttClient,
    private readonly logger: Logger,
    private readonly source: string,
  ) {
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
  }

  /** Connects to the broker; rejects with mqtt.js's error (bad credentials, refused). */
  static async connect(options: MqttEndpointLinkOptions): Promise<MqttEndpointLink> {
    const clientOptions: IClientOptions = {
      username: options.username,
      password: options.password,
      clientId: options.clientId,
      ca: options.ca,
      protocolVersion: options.protocolVersion ?? 4,
      reconnectPeriod: options.reconnectPeriodMs ?? 1000,
      connectTimeout: options.connectTimeoutMs ?? 5000,
      clean: true,
    };
    const client = await connectAsync(options.url, clientOptions);
    return new MqttEndpointLink(client, options.logger ?? silentLogger, options.source ?? 'nice-endpoint');
  }

  /**
   * Subscribes the endpoint's own management topics, and its control topics unless `control` is
   * false (a device's connection to its LA carries management only, v0.9 §8.3), and routes them
   * to it. Attaching again with `control: false` unsubscribes the control topics.
   */
  async attach(endpoint: NiceEndpoint, options: { control?: boolean } = {}): Promise<void> {
    this.endpoint = endpoint;
    const id = endpoint.endPointId;
    const controlTopic = `1/${id}/control/+/+`;
    await this.client.subscribeAsync({
      [formatMqttTopic({ kind: 'management', endPointId: id, api: '+' })]: { qos: 0 },
      ...(options.control === false ? {} : { [controlTopic]: { qos: 0 } }),
    });
    if (options.control === false) await this.client.unsubscribeAsync(controlTopic);
  }

  /** Receives data delivered to `1/{endPointId}/data/#` at `qos`. */
  async subscribeData(endPointId: string, qos: 0 | 1 | 2, listener: DataListener): Promise<() => void> {
    this.dataListeners.add(listener);
    await this.client.subscribeAsync(`1/${endPointId.toLowerCase()}/data/#`, { qos });
    return () => this.dataListeners.delete(listener);
  }

  async send(topic: string, text: string): Promise<void> {
    await this.publish(topic, text, 0);
  }

  async publish(topic: string, payload: string | Buffer, qos: 0 | 1 | 2): Promise<void> {
    if (this.closed) throw new Error('the MQTT link is closed');
    await this.client.publishAsync(topic, payload, { qos });
  }

  /** Disconnects; a closed link refuses to send. */
  async close(force = false): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.endpoint?.cancelAll('the MQTT link closed');
    await this.client.endAsync(force);
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic.includes('/data/')) {
      for (const listener of this.dataListeners) listener(topic, payload);
      return;
    }
    const endpoint = this.endpoint;
    if (!endpoint) return;
    endpoint
      .receive(payload)
      .then((reply) => (reply ? this.send(reply.topic, reply.text) : undefined))
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        this.logger.log('warn', this.source, `dropped a message on ${topic}: ${message}`);
      });
  }
}
