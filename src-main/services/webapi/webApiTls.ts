import type { SecureVersion } from 'node:tls';

/** Lowest TLS version (v0.9 §5.1: TLS 1.2 mandatory, SSL and TLS 1.0/1.1 prohibited). */
export const niceTlsMinVersion: SecureVersion = 'TLSv1.2';

/**
 * Cipher suites in OpenSSL spelling: the five v0.9 §5.2 suites for TLS 1.2 (all ECDHE/DHE with
 * AES-GCM, so PFS and AEAD as §5.2.1/§5.2.3 require) and the AES-GCM suites of TLS 1.3, which
 * §5.1 allows. DHE is only negotiated when a ≥2048-bit `dhparam` is configured (§5.2.1).
 */
export const niceTlsCiphers = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'DHE-RSA-AES256-GCM-SHA384',
].join(':');
