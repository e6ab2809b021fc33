import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileKeyCipher, secretKeyFileName } from '../../../../src-main/services/secrets/fileKeyCipher';
import { SecretCipherError } from '../../../../src-main/services/secrets/secretCipher';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nice-secrets-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function thrown(run: () => unknown): SecretCipherError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretCipherError);
    return error as SecretCipherError;
  }
  throw new Error('did not throw');
}

describe('FileKeyCipher', () => {
  it('round-trips secrets, with a fresh IV each time and no plain text in the output', () => {
    const cipher = FileKeyCipher.inDataDir(dir);
    expect(cipher.isAvailable()).toBe(true);
    expect(cipher.description).toContain(join(dir, secretKeyFileName));
    for (const secret of ['correct horse battery staple', '', 'ünïcødé 🔑'.repeat(50)]) {
      const first = cipher.encrypt(secret);
      const second = cipher.encrypt(secret);
      expect(first.equals(second)).toBe(false);
      expect(first.subarray(1, 13).equals(second.subarray(1, 13))).toBe(false); // IVs differ
      expect(first.length).toBe(1 + 12 + 16 + Buffer.byteLength(secret));
      if (secret) expect(first.includes(Buffer.from(secret))).toBe(false);
      expect(cipher.decrypt(first)).toBe(secret);
      expect(cipher.decrypt(second)).toBe(secret);
    }
  });

  it('creates the key file with mode 0600 and reuses it on the next start', () => {
    const first = FileKeyCipher.inDataDir(join(dir, 'nested'));
    const keyFile = join(dir, 'nested', secretKeyFileName);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile)).toHaveLength(32);
    const ciphertext = first.encrypt('kept across restarts');
    expect(FileKeyCipher.inDataDir(join(dir, 'nested')).decrypt(ciphertext)).toBe('kept across restarts');
  });

  it('detects any altered byte, and ciphertext from another key', () => {
    const cipher = FileKeyCipher.inDataDir(dir);
    const ciphertext = cipher.encrypt('secret');
    for (let index = 0; index < ciphertext.length; index += 1) {
      const tampered = Buffer.from(ciphertext);
      tampered[index] = (tampered[index] ?? 0) ^ 0x01;
      expect(thrown(() => cipher.decrypt(tampered)).code).toBe('TAMPERED');
    }
    expect(thrown(() => cipher.decrypt(ciphertext.subarray(0, 20))).code).toBe('TAMPERED');
    const other = FileKeyCipher.inDataDir(join(dir, 'other'));
    const error = thrown(() => other.decrypt(ciphertext));
    expect(error.code).toBe('TAMPERED');
    expect(error.message).not.toContain('secret"');
  });

  it.runIf(process.platform !== 'win32')('refuses a key file that group or others can read', () => {
    FileKeyCipher.inDataDir(dir);
    const keyFile = join(dir, secretKeyFileName);
    for (const mode of [0o640, 0o604, 0o660]) {
      chmodSync(keyFile, mode);
      const error = thrown(() => FileKeyCipher.open(keyFile));
      expect(error.code).toBe('KEY_FILE');
      expect(error.message).toContain(keyFile);
      expect(error.message).toContain(`mode 0${mode.toString(8)}`);
      expect(error.message).toContain('chmod 600');
    }
    chmodSync(keyFile, 0o400);
    expect(() => FileKeyCipher.open(keyFile)).not.toThrow();
  });

  it('refuses a key file of the wrong size without changing it', () => {
    const keyFile = join(dir, secretKeyFileName);
    writeFileSync(keyFile, 'short', { mode: 0o600 });
    const error = thrown(() => FileKeyCipher.open(keyFile));
    expect(error.code).toBe('KEY_FILE');
    expect(error.message).toMatch(/holds 5 bytes, expected 32/);
    expect(readFileSync(keyFile, 'utf8')).toBe('short');
  });
});
