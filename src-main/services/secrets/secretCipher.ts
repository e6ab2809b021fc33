/**
 * The port through which main encrypts credentials before they reach SQLite: Electron's
 * `safeStorage` in the app layer, `FileKeyCipher` for the web shell, a fake in tests.
 * Implementations never log the plain text they are given.
 */
export interface SecretCipher {
  /** Names the mechanism for the UI and logs (`AES-256-GCM, key file …/secrets.key`); no key material. */
  readonly description: string;
  /** False when secrets cannot be protected (for example Linux `basic_text`); callers then refuse to store one. */
  isAvailable(): boolean;
  /** Encrypts a UTF-8 secret into an opaque byte string. */
  encrypt(plain: string): Promise<Buffer> | Buffer;
  /** Reverses `encrypt`; throws `SecretCipherError` on tampered or foreign ciphertext. */
  decrypt(ciphertext: Uint8Array): Promise<string> | string;
}

/** Why a secret could not be protected or recovered. */
export type SecretCipherErrorCode = 'UNAVAILABLE' | 'KEY_FILE' | 'TAMPERED';

/** A typed failure of a `SecretCipher`; its message never contains the secret. */
export class SecretCipherError extends Error {
  constructor(
    readonly code: SecretCipherErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SecretCipherError';
  }
}
