import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Paths of a throw-away PKI made with `openssl`: a CA, a server cert for 127.0.0.1 and a client cert. */
export interface TestCertificates {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/** A throwaway certificate for 127.0.0.1 and its key, PEM. */
export interface SelfSignedCertificate {
  cert: string;
  key: string;
}

/** Runs the openssl CLI in `cwd`; its stderr is kept for the error when it fails. */
function openssl(cwd: string, args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A new EC P-256 key, unencrypted (ECDSA, so the v0.9 §5 ECDHE-ECDSA suites apply). */
const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * Generates EC P-256 certificates (ECDSA, so the v0.9 §5 ECDHE-ECDSA suites apply) valid for
 * two days: the server certificate carries SAN IP:127.0.0.1 and DNS:localhost.
 */
export function generateTestCertificates(dir: string): TestCertificates {
  mkdirSync(dir, { recursive: true });
  openssl(dir, [
    'req',
    '-x509',
    ...ecKey,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=NICE Console Test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const issue = (name: string, subject: string, extensions: string): void => {
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl(dir, ['req', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-sha256',
      '-extfile',
      `${name}.ext`,
    ]);
  };
  issue(
    'server',
    '/CN=127.0.0.1',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n',
  );
  issue(
    'client',
    '/CN=nice-console-test',
    'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n',
  );
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.crt'),
    clientKey: join(dir, 'client.key'),
  };
}

/**
 * Makes a self-signed certificate (EC P-256 by default, or RSA 2048) for 127.0.0.1 / localhost,
 * valid for one day, in a temporary folder (removed again), so TLS tests use a real certificate
 * and no fixed secret.
 */
export function createSelfSignedCertificate(keyType: 'ec' | 'rsa' = 'ec'): SelfSignedCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'nice-tls-'));
  try {
    openssl(dir, [
      'req',
      '-x509',
      ...(keyType === 'ec' ? ecKey : ['-newkey', 'rsa:2048', '-nodes']),
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      'key.pem',
      '-out',
      'cert.pem',
    ]);
    return {
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
