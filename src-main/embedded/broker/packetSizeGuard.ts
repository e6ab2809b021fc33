import { Duplex } from 'node:stream';
import { MqttFrameMeter, type MqttFrameViolation } from './mqttFrameMeter';

/** A client sent a packet above the broker's limit, or a Remaining Length no parser accepts. */
export class MqttFramingError extends Error {
  constructor(readonly violation: MqttFrameViolation) {
    super(
      violation.kind === 'tooLarge'
        ? `packet of ${violation.packetBytes} bytes is above the broker's limit`
        : 'malformed Remaining Length',
    );
    this.name = 'MqttFramingError';
  }
}

/**
 * Sits between a client's transport (TCP, TLS or WebSocket stream) and aedes: bytes read are
 * passed on only while every packet header is within `maxPacketBytes`; the first violation
 * destroys the connection with an `MqttFramingError` (MQTT 3.1.1 has no reason code to send,
 * so the connection is simply closed). Writes, end and destroy go straight to the transport.
 */
export class PacketSizeGuard extends Duplex {
  private readonly meter: MqttFrameMeter;

  constructor(
    private readonly transport: Duplex,
    maxPacketBytes: number,
  ) {
    super({ allowHalfOpen: false });
    this.meter = new MqttFrameMeter(maxPacketBytes);
    transport.on('data', (chunk: Buffer) => {
      const violation = this.meter.push(chunk);
      if (violation) this.destroy(new MqttFramingError(violation));
      else if (!this.push(chunk)) transport.pause();
    });
    transport.on('end', () => this.push(null));
    // Stays attached after we are destroyed, so a late transport error is never unhandled.
    transport.on('error', (error) => this.destroy(error));
    transport.on('close', () => this.destroy());
  }

  override _read(): void {
    this.transport.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.transport.write(chunk)) callback();
    else this.transport.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.transport.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.transport.destroy();
    callback(error);
  }
}
