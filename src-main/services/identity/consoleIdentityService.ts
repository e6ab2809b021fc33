import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import {
  generateEndpointKeyPair,
  parseEndpointPrivateJwk,
  parseEndpointPublicJwk,
  type EndpointPrivateJwk,
  type EndpointPublicJwk,
} from '../../core/nice/endpointKeys';
import type { Logger } from '../../core/util/logger';
import { SecretCipherError, type SecretCipher } from '../secrets/secretCipher';

/** The console as a NICE endpoint (PEER2 / app): who it is and the key others encrypt to. */
export interface ConsoleIdentity {
  endPointId: string;
  publicJwk: EndpointPublicJwk;
}

/** CommandIDs reserved per database write. */
const commandIdBlock = 1000;

interface IdentityRow {
  endpoint_id: string;
  public_jwk: string;
  private_jwk_ciphertext: Buffer;
}

/**
 * Creates the console's EndPointID and EC P-256 key pair on first use and keeps them in SQLite,
 * the private key encrypted by the SecretCipher (profile "Tokens and keys"). The private key is
 * decrypted only when a body must be opened or a message signed, and never leaves main.
 */
export class ConsoleIdentityService {
  private cached: ConsoleIdentity | undefined;
  private commandIdCursor = 0;
  private reservedUpTo = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly cipher: SecretCipher,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The console's identity, created and stored the first time it is asked for. */
  async identity(): Promise<ConsoleIdentity> {
    if (this.cached) return this.cached;
    const row = this.read();
    if (row) {
      this.cached = {
        endPointId: row.endpoint_id,
        publicJwk: parseEndpointPublicJwk(JSON.parse(row.public_jwk), 'console_identity.public_jwk'),
      };
      return this.cached;
    }
    if (!this.cipher.isAvailable()) {
      throw new SecretCipherError(
        'UNAVAILABLE',
        `cannot create the console's key pair: secrets cannot be protected here (${this.cipher.description})`,
      );
    }
    const endPointId = randomUUID();
    const { publicJwk, privateJwk } = await generateEndpointKeyPair(endPointId);
    const ciphertext = await this.cipher.encrypt(JSON.stringify(privateJwk));
    this.db
      .prepare(
        `INSERT INTO console_identity (singleton, endpoint_id, public_jwk, private_jwk_ciphertext, created_at)
         VALUES (1, ?, ?, ?, ?) ON CONFLICT(singleton) DO NOTHING`,
      )
      .run(endPointId, JSON.stringify(publicJwk), ciphertext, this.now().toISOString());
    // Another caller may have won the race; whatever is stored is the identity.
    this.cached = undefined;
    const stored = await this.identity();
    if (stored.endPointId === endPointId) {
      this.logger.log('info', 'identity', `created the console endpoint ${endPointId}`);
    }
    return stored;
  }

  /** The private key, decrypted for one use. */
  async privateJwk(): Promise<EndpointPrivateJwk> {
    await this.identity();
    const row = this.read();
    if (!row) throw new Error('console identity vanished from the database');
    const plain = await this.cipher.decrypt(row.private_jwk_ciphertext);
    return parseEndpointPrivateJwk(JSON.parse(plain), 'console_identity.private_jwk');
  }

  /**
   * The next CommandID of this sender (v0.9 §4.1: per sender, increasing). IDs are reserved in
   * blocks in the database so a restart continues above every ID already used.
   */
  async nextCommandId(): Promise<number> {
    await this.identity();
    if (this.commandIdCursor >= this.reservedUpTo) {
      const reserve = this.db.transaction(() => {
        const row = this.db
          .prepare('SELECT command_id_reserved AS reserved FROM console_identity WHERE singleton = 1')
          .get() as { reserved: number };
        const upTo = row.reserved + commandIdBlock;
        this.db.prepare('UPDATE console_identity SET command_id_reserved = ? WHERE singleton = 1').run(upTo);
        return row.reserved;
      });
      this.commandIdCursor = reserve();
      this.reservedUpTo = this.commandIdCursor + commandIdBlock;
    }
    return this.commandIdCursor++;
  }

  private read(): IdentityRow | undefined {
    return this.db
      .prepare(
        'SELECT endpoint_id, public_jwk, private_jwk_ciphertext FROM console_identity WHERE singleton = 1',
      )
      .get() as IdentityRow | undefined;
  }
}
