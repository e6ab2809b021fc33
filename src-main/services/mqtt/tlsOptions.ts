import type { ConnectionProfile } from './connectionProfile';
import { ConnectionSetupError } from './connectionState';

/**
 * The TLS 1.2 cipher suites v0.9 §5.2 makes mandatory, by IANA name, with the OpenSSL name
 * Node's `ciphers` option takes. All are ECDHE/DHE (forward secrecy) with AES-GCM.
 */
export const niceTls12CipherSuites = [
  { iana: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', openssl: 'ECDHE-ECDSA-AES256-GCM-SHA384' },
  { iana: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', openssl: 'ECDHE-RSA-AES256-GCM-SHA384' },
  { iana: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256' },
  { iana: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', openssl: 'ECDHE-RSA-AES128-GCM-SHA256' },
  { iana: 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', openssl: 'DHE-RSA-AES256-GCM-SHA384' },
] as const;

/** TLS 1.3 is optional in v0.9 §5.1; when negotiated, only its AES-GCM suites are offered (§5.2.3). */
export const niceTls13CipherSuites = ['TLS_AES_256_GCM_SHA384', 'TLS_AES_128_GCM_SHA256'] as const;

/** The `ciphers` string for Node's TLS: the §5 list, nothing else. */
export const niceCipherList = [
  ...niceTls13CipherSuites,
  ...niceTls12CipherSuites.map((suite) => suite.openssl),
].join(':');

/** The TLS options the hub gives MQTT.js (for mqtts://) or `ws` (for wss://). */
export interface NiceTlsOptions {
  minVersion: 'TLSv1.2';
  ciphers: string;
  rejectUnauthorized: boolean;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/**
 * Builds TLS options from a profile: TLS 1.2 minimum and the v0.9 §5 suites, the CA,
 * client certificate and key read from their files now (so a renewed certificate is picked
 * up on the next connection). A file that cannot be read fails with the profile field named.
 */
export function buildTlsOptions(
  tls: ConnectionProfile['tls'],
  readFile: (path: string) => Buffer,
): NiceTlsOptions {
  const read = (field: 'caFile' | 'certFile' | 'keyFile'): Buffer | undefined => {
    const path = tls[field];
    if (path === undefined) return undefined;
    try {
      return readFile(path);
    } catch (error) {
      throw new ConnectionSetupError(
        `tls.${field}`,
        `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
  const ca = read('caFile');
  const cert = read('certFile');
  const key = read('keyFile');
  return {
    minVersion: 'TLSv1.2',
    ciphers: niceCipherList,
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
  };
}
