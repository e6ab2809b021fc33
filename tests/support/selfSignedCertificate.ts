import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway certificate for 127.0.0.1 and its key, PEM. */
export interface SelfSignedCertificate {
  cert: string;
  key: string;
}

/**
 * Makes a self-signed EC P-256 certificate for 127.0.0.1 / localhost with the openssl CLI in a
 * temporary folder (removed again), so TLS tests use a real certificate and no fixed secret.
 */
export function createSelfSignedCertificate(keyType: 'ec' | 'rsa' = 'ec'): SelfSignedCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'nice-tls-'));
  try {
    const keyOptions =
      keyType === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        ...keyOptions,
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'pipe' },
    );
    return {
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
