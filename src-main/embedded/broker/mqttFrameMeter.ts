/** Why a connection's byte stream was cut before the MQTT parser saw a whole packet. */
export type MqttFrameViolation =
  | { kind: 'tooLarge'; packetBytes: number }
  /** A Remaining Length with a continuation bit on its fourth byte (MQTT 3.1.1 §2.2.3). */
  | { kind: 'malformedLength' };

type State = 'type' | 'length' | 'body';

/**
 * Follows MQTT packet boundaries in a byte stream by reading only each fixed header (MQTT
 * 3.1.1 §2.2: one type byte, a 1–4 byte Remaining Length), so an oversized packet is refused
 * from its header, before the parser (mqtt-packet, which aedes cannot limit) buffers the body.
 */
export class MqttFrameMeter {
  private state: State = 'type';
  private lengthBytes = 0;
  private remaining = 0;
  private multiplier = 1;
  private bodyLeft = 0;

  /** @param maxPacketBytes largest whole packet (fixed header included) let through. */
  constructor(private readonly maxPacketBytes: number) {}

  /** Feeds the next chunk; returns the first violation in it, or null when all is within limits. */
  push(chunk: Uint8Array): MqttFrameViolation | null {
    let index = 0;
    while (index < chunk.length) {
      if (this.state === 'type') {
        index += 1;
        this.state = 'length';
        this.lengthBytes = 0;
        this.remaining = 0;
        this.multiplier = 1;
      } else if (this.state === 'length') {
        const byte = chunk[index] ?? 0;
        index += 1;
        this.remaining += (byte & 0x7f) * this.multiplier;
        this.multiplier *= 128;
        this.lengthBytes += 1;
        if (byte & 0x80) {
          if (this.lengthBytes === 4) return { kind: 'malformedLength' };
          continue;
        }
        const packetBytes = 1 + this.lengthBytes + this.remaining;
        if (packetBytes > this.maxPacketBytes) return { kind: 'tooLarge', packetBytes };
        this.bodyLeft = this.remaining;
        this.state = this.bodyLeft > 0 ? 'body' : 'type';
      } else {
        const taken = Math.min(this.bodyLeft, chunk.length - index);
        index += taken;
        this.bodyLeft -= taken;
        if (this.bodyLeft === 0) this.state = 'type';
      }
    }
    return null;
  }
}
