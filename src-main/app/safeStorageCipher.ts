import { safeStorage } from 'electron';
import { SecretCipherError, type SecretCipher } from '../services/secrets/secretCipher';

/**
 * Credentials encrypted by the operating system's keychain through Electron's safeStorage
 * (Keychain, DPAPI, libsecret or KWallet). On Linux without a keyring Electron falls back to
 * `basic_text`, a fixed key that protects nothing: that counts as unavailable, and the console
 * then refuses to store a secret rather than pretending to protect it.
 */
export class SafeStorageCipher implements SecretCipher {
  get description(): string {
    const backend =
      process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : 'system keychain';
    return `Electron safeStorage (${backend})`;
  }

  isAvailable(): boolean {
    if (!safeStorage.isEncryptionAvailable()) return false;
    return process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text';
  }

  encrypt(plain: string): Buffer {
    this.assertAvailable();
    return safeStorage.encryptString(plain);
  }

  decrypt(ciphertext: Uint8Array): string {
    this.assertAvailable();
    try {
      return safeStorage.decryptString(Buffer.from(ciphertext));
    } catch (error) {
      throw new SecretCipherError('TAMPERED', 'a stored secret could not be decrypted with this keychain', {
        cause: error,
      });
    }
  }

  private assertAvailable(): void {
    if (!this.isAvailable()) {
      throw new SecretCipherError(
        'UNAVAILABLE',
        'no system keychain is available to protect secrets (on Linux install and unlock a Secret Service keyring such as GNOME Keyring or KWallet)',
      );
    }
  }
}
