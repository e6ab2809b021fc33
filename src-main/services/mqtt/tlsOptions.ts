import { niceTlsCiphers, niceTlsMinVersion } from '../../core/nice/tlsProfile';
import type { ConnectionProfile } from './connectionProfile';
import { ConnectionSetupError } from './connectionState';

/** The TLS options the hub gives MQTT.js (for mqtts://) or `ws` (for wss://). */
export interface NiceTlsOptions {
  minVersion: typeof niceTlsMinVersion;
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
    minVersion: niceTlsMinVersion,
    ciphers: niceTlsCiphers,
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
  };
}
