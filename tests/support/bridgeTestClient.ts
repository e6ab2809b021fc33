import { WebSocket } from 'ws';
import type { ServerFrame } from '../../src-shared/contract/bridgeProtocol';

/** A ws client on the web shell's bridge that queues every frame it receives, for assertions. */
export class BridgeTestClient {
  private readonly frames: ServerFrame[] = [];
  /** Anything the server sent that is not a JSON text frame; tests expect this to stay empty. */
  readonly violations: string[] = [];
  private readonly waiters: {
    match: (frame: ServerFrame) => boolean;
    resolve: (frame: ServerFrame) => void;
  }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      let frame: ServerFrame;
      try {
        if (isBinary) throw new Error('binary frame');
        frame = JSON.parse(data.toString()) as ServerFrame;
      } catch (error) {
        this.violations.push((error as Error).message);
        return;
      }
      const waiter = this.waiters.find((candidate) => candidate.match(frame));
      if (waiter) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(frame);
      } else {
        this.frames.push(frame);
      }
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  /** Opens a socket and resolves once it is open; rejects with the HTTP status if refused. */
  static connect(url: string, options: { cookie?: string; origin?: string } = {}): Promise<BridgeTestClient> {
    const headers: Record<string, string> = {};
    if (options.cookie) headers.Cookie = options.cookie;
    const socket = new WebSocket(url, { headers, ...(options.origin ? { origin: options.origin } : {}) });
    const client = new BridgeTestClient(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_request, response) => {
        reject(new RefusedUpgrade(response.statusCode ?? 0));
        socket.terminate();
      });
      socket.once('error', reject);
    });
  }

  /** Sends a value as one JSON text frame. */
  sendJson(value: unknown): void {
    this.socket.send(JSON.stringify(value));
  }

  /** The next received frame (queued or future) that matches, within `timeoutMs`. */
  next(match: (frame: ServerFrame) => boolean = () => true, timeoutMs = 5000): Promise<ServerFrame> {
    const index = this.frames.findIndex(match);
    if (index >= 0) return Promise.resolve(this.frames.splice(index, 1)[0] as ServerFrame);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (frame: ServerFrame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no matching frame within ${timeoutMs} ms; queued: ${JSON.stringify(this.frames)}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Sends an invoke frame and waits for its result frame. */
  async invoke(
    id: number,
    channel: string,
    payload: unknown,
  ): Promise<Extract<ServerFrame, { type: 'result' }>['result']> {
    this.sendJson({ type: 'invoke', id, channel, payload });
    const frame = await this.next((candidate) => candidate.type === 'result' && candidate.id === id);
    if (frame.type !== 'result') throw new Error('unreachable');
    return frame.result;
  }

  /** Frames received and not yet taken by next(). */
  get unread(): readonly ServerFrame[] {
    return this.frames;
  }

  /** Closes the socket at once. */
  terminate(): void {
    this.socket.terminate();
  }
}

/** The server answered the upgrade with an HTTP status instead of 101. */
export class RefusedUpgrade extends Error {
  constructor(readonly status: number) {
    super(`upgrade refused with HTTP ${status}`);
    this.name = 'RefusedUpgrade';
  }
}
