import { setTimeout as delay } from 'node:timers/promises';
import { NiceEndpoint, type EndpointTransport, type NiceEndpointOptions } from '../core/nice/niceEndpoint';
import { NiceProtocolError } from '../core/nice/niceProtocolError';
import { malformCmf, type FaultState } from './faults';

/**
 * The camera's transport for outgoing commands: whatever MQTT link is current. Bootstrap,
 * reconnects and restarts replace the link while the endpoint (its CommandIDs and replay cache)
 * lives on, as a device's NICE stack outlives its sockets.
 */
export class SwitchableTransport implements EndpointTransport {
  private current: EndpointTransport | undefined;

  use(transport: EndpointTransport | undefined): void {
    this.current = transport;
  }

  async send(topic: string, text: string): Promise<void> {
    if (!this.current) throw new NiceProtocolError('UNAVAILABLE', 'the camera has no MQTT connection');
    await this.current.send(topic, text);
  }
}

/**
 * A NiceEndpoint whose answers pass through the camera's fault switches: requests dropped
 * (stopAnswering), answers delayed (slowAnswers) or broken (malformed). Every transport (MQTT,
 * the control DataChannel) goes through receive(), so the faults apply to all of them.
 */
export class DeviceEndpoint extends NiceEndpoint {
  constructor(
    options: NiceEndpointOptions,
    private readonly faults: () => FaultState,
  ) {
    super(options);
  }

  override async receive(input: string | Uint8Array): Promise<{ topic: string; text: string } | null> {
    const faults = this.faults();
    if (faults.stopAnswering && isRequest(input)) return null;
    const reply = await super.receive(input);
    if (!reply) return reply;
    if (faults.slowAnswersMs > 0) await delay(faults.slowAnswersMs);
    // Read the switch again: it may have been cleared while the answer waited.
    if (this.faults().malformed) return { topic: reply.topic, text: malformCmf(reply.text) };
    return reply;
  }
}

function isRequest(input: string | Uint8Array): boolean {
  try {
    const text = typeof input === 'string' ? input : new TextDecoder().decode(input);
    return (JSON.parse(text) as { MessageType?: unknown }).MessageType === 'request';
  } catch {
    return false;
  }
}
