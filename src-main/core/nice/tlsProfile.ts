import type { SecureVersion } from 'node:tls';

/** Lowest TLS version (v0.9 §5.1: TLS 1.2 mandatory, SSL and TLS 1.0/1.1 prohibited). */
export const niceTlsMinVersion = 'TLSv1.2' satisfies SecureVersion;

/**
 * The TLS 1.2 cipher suites v0.9 §5.2 makes mandatory, by IANA name, with the OpenSSL name
 * Node's `ciphers` option takes. All are ECDHE/DHE (forward secrecy) with AES-GCM, so PFS and
 * AEAD as §5.2.1/§5.2.3 require; DHE is only negotiated when a ≥2048-bit `dhparam` is
 * configured (§5.2.1).
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

/**
 * The `ciphers` string for Node's TLS (MQTT over TLS and the WebAPI server and client alike): the
 * TLS 1.3 AES-GCM suites, then the v0.9 §5.2 suites, nothing else.
 */
export const niceTlsCiphers = [
  ...niceTls13CipherSuites,
  ...niceTls12CipherSuites.map((suite) => suite.openssl),
].join(':');
