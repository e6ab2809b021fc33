import { SecretCipherError, type SecretCipher } from '../../src-main/services/secrets/secretCipher';

/**
 * A reversible, keyless stand-in for tests: bytes are XOR-ed and prefixed, so stored
 * ciphertext is never the plain text, and `available` can be switched off to test refusal.
 */
export class FakeSecretCipher implements SecretCipher {
  readonly description = 'fake cipher (tests only)';
  available = true;
  encryptCalls = 0;

  isAvailable(): boolean {
    return this.available;
  }

  async encrypt(plain: string): Promise<Buffer> {
    this.encryptCalls += 1;
    await Promise.resolve();
    return Buffer.concat([Buffer.from('fake1:'), xor(Buffer.from(plain, 'utf8'))]);
  }

  async decrypt(ciphertext: Uint8Array): Promise<string> {
    await Promise.resolve();
    const data = Buffer.from(ciphertext);
    if (!data.subarray(0, 6).equals(Buffer.from('fake1:'))) {
      throw new SecretCipherError('TAMPERED', 'not a fake ciphertext');
    }
    return xor(data.subarray(6)).toString('utf8');
  }
}

function xor(bytes: Buffer): Buffer {
  return Buffer.from(bytes.map((byte) => byte ^ 0x5a));
}
