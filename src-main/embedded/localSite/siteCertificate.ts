import { generate } from 'selfsigned';

/** A TLS certificate and key in PEM, for the local site's HTTPS and MQTTS listeners. */
export interface SiteCertificate {
  cert: string;
  key: string;
}

/**
 * A fresh self-signed P-256 certificate for 127.0.0.1 and localhost, made on each start so no
 * private key is ever stored: the simulator and the console receive it as their CA in memory.
 */
export async function createSiteCertificate(now = new Date()): Promise<SiteCertificate> {
  const notAfter = new Date(now.getTime() + 30 * 24 * 60 * 60 * 1000);
  const pems = await generate([{ name: 'commonName', value: 'NICE Console local site' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
