import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SecretCipherError, type SecretCipher } from './secretCipher';

/** File name of the key inside the console's data folder. */
export const secretKeyFileName = 'secrets.key';

const keyLength = 32;
const ivLength = 12;
const tagLength = 16;
/** First byte of every ciphertext, so a later format can be told apart. */
const formatVersion = 0x01;
/** Binds ciphertexts to this purpose: a blob encrypted elsewhere with the same key will not open. */
const associatedData = Buffer.from('nice-console secret v1', 'utf8');

/**
 * AES-256-GCM with a 32-byte key kept in a file beside the database (the web shell's cipher,
 * where Electron's `safeStorage` is not available). Every secret gets a fresh random 12-byte IV;
 * the layout is `0x01 | IV (12) | tag (16) | ciphertext`. The key file is created with mode
 * 0600, and a key file that group or others can read or write is refused rather than used.
 */
export class FileKeyCipher implements SecretCipher {
  readonly description: string;

  private constructor(
    private readonly key: Buffer,
    readonly keyFile: string,
  ) {
    this.description = `AES-256-GCM, key file ${keyFile}`;
  }

  /** Opens the key in `<dataDir>/secrets.key`, creating it on first use. */
  static inDataDir(dataDir: string): FileKeyCipher {
    return FileKeyCipher.open(join(dataDir, secretKeyFileName));
  }

  /** Opens an existing key file (checking its permissions) or creates one with mode 0600. */
  static open(keyFile: string): FileKeyCipher {
    mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
    let fd: number;
    try {
      // 'wx' fails if the file exists, so two processes never both write a key.
      fd = openSync(keyFile, 'wx', 0o600);
      try {
        const key = randomBytes(keyLength);
        writeSync(fd, key);
        return new FileKeyCipher(key, keyFile);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new SecretCipherError(
          'KEY_FILE',
          `cannot create the key file ${keyFile}: ${errorText(error)}`,
          {
            cause: error,
          },
        );
      }
    }
    return new FileKeyCipher(readKeyFile(keyFile), keyFile);
  }

  isAvailable(): boolean {
    return true;
  }

  encrypt(plain: string): Buffer {
    const iv = randomBytes(ivLength);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: tagLength });
    cipher.setAAD(associatedData);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.of(formatVersion), iv, cipher.getAuthTag(), body]);
  }

  decrypt(ciphertext: Uint8Array): string {
    const data = Buffer.from(ciphertext);
    if (data.length < 1 + ivLength + tagLength || data[0] !== formatVersion) {
      throw new SecretCipherError('TAMPERED', 'stored secret is not in the AES-256-GCM v1 format');
    }
    const iv = data.subarray(1, 1 + ivLength);
    const tag = data.subarray(1 + ivLength, 1 + ivLength + tagLength);
    const body = data.subarray(1 + ivLength + tagLength);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: tagLength });
      decipher.setAAD(associatedData);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new SecretCipherError(
        'TAMPERED',
        `stored secret failed authentication (altered, or encrypted with another key than ${this.keyFile})`,
        { cause: error },
      );
    }
  }
}

function readKeyFile(keyFile: string): Buffer {
  let fd: number;
  try {
    fd = openSync(keyFile, 'r');
  } catch (error) {
    throw new SecretCipherError('KEY_FILE', `cannot open the key file ${keyFile}: ${errorText(error)}`, {
      cause: error,
    });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new SecretCipherError('KEY_FILE', `key file ${keyFile} is not a regular file`);
    // POSIX permissions only; Windows protects the data folder through its ACLs.
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new SecretCipherError(
        'KEY_FILE',
        `key file ${keyFile} has mode ${mode}, so group or others can access it; ` +
          `it was not used. Restrict it with "chmod 600 ${keyFile}" and start again.`,
      );
    }
    if (stat.size !== keyLength) {
      throw new SecretCipherError(
        'KEY_FILE',
        `key file ${keyFile} holds ${stat.size} bytes, expected ${keyLength}; it was not used or changed`,
      );
    }
    const key = Buffer.alloc(keyLength);
    if (readSync(fd, key, 0, keyLength, 0) !== keyLength) {
      throw new SecretCipherError('KEY_FILE', `key file ${keyFile} could not be read completely`);
    }
    return key;
  } finally {
    closeSync(fd);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
