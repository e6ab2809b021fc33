import { describe, expect, it } from 'vitest';
import {
  classifyConnack,
  classifyConnectionError,
  ConnectionSetupError,
} from '../../../../src-main/services/mqtt/connectionState';
import { defaultBackoffPolicy, reconnectDelay } from '../../../../src-main/services/mqtt/reconnectBackoff';
import { niceTlsCiphers } from '../../../../src-main/core/nice/tlsProfile';
import { buildTlsOptions } from '../../../../src-main/services/mqtt/tlsOptions';
import { topicMatches } from '../../../../src-main/services/mqtt/topicFilter';

describe('reconnectDelay', () => {
  const policy = { ...defaultBackoffPolicy, initialDelayMs: 500, maxDelayMs: 30_000, jitter: 0.5 };

  it('doubles per retry up to the cap without jitter', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 20].map((retry) => reconnectDelay(retry, policy, () => 0));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('takes at most the jitter fraction off, so the cap holds and the delay never reaches zero', () => {
    expect(reconnectDelay(1, policy, () => 0.999999)).toBe(250);
    expect(reconnectDelay(30, policy, () => 0.5)).toBe(22_500);
    for (let index = 0; index < 200; index += 1) {
      const delay = reconnectDelay(1 + (index % 12), policy);
      expect(delay).toBeGreaterThanOrEqual(250);
      expect(delay).toBeLessThanOrEqual(30_000);
    }
  });
});

describe('classifyConnectionError', () => {
  it.each([
    [4, 'BAD_CREDENTIALS', true],
    [0x86, 'BAD_CREDENTIALS', true],
    [5, 'NOT_AUTHORIZED', true],
    [0x87, 'NOT_AUTHORIZED', true],
    [0x8a, 'NOT_AUTHORIZED', true],
    [1, 'REFUSED', true],
    [0x85, 'REFUSED', true],
    [3, 'REFUSED', false],
    [0x89, 'REFUSED', false],
  ] as const)('CONNACK %i is %s (fatal: %s)', (reasonCode, code, fatal) => {
    const classified = classifyConnack(reasonCode);
    expect(classified.failure).toMatchObject({ code, reasonCode });
    expect(classified.fatal).toBe(fatal);
    expect(classified.failure.message).toContain(`CONNACK ${reasonCode}`);
  });

  it('reads MQTT.js refusals, network and TLS errors', () => {
    const refused = Object.assign(new Error('Connection refused: Bad username or password'), { code: 4 });
    expect(classifyConnectionError(refused)).toMatchObject({
      fatal: true,
      failure: { code: 'BAD_CREDENTIALS' },
    });
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(classifyConnectionError(reset)).toMatchObject({ fatal: false, failure: { code: 'NETWORK' } });
    const oldTls = Object.assign(
      new Error('write EPROTO 80:error:0A00042E:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version'),
      { code: 'EPROTO' },
    );
    expect(classifyConnectionError(oldTls)).toMatchObject({ fatal: true, failure: { code: 'TLS' } });
    expect(classifyConnectionError(oldTls).failure.message).toMatch(/TLS 1\.2 or later/);
    const noCipher = Object.assign(new Error('sslv3 alert handshake failure'), {
      code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
    });
    expect(classifyConnectionError(noCipher).failure.message).toMatch(/cipher suite of v0\.9 §5\.2/);
    const untrusted = Object.assign(new Error('self-signed certificate'), {
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
    expect(classifyConnectionError(untrusted)).toMatchObject({ fatal: true, failure: { code: 'TLS' } });
    expect(classifyConnectionError(new ConnectionSetupError('tls.caFile', 'cannot read /x'))).toMatchObject({
      fatal: true,
      failure: { code: 'CONFIGURATION', field: 'tls.caFile' },
    });
  });
});

describe('buildTlsOptions', () => {
  it('sets TLS 1.2 minimum and exactly the v0.9 §5 suites (plus TLS 1.3 AES-GCM)', () => {
    const options = buildTlsOptions({ rejectUnauthorized: true }, () => Buffer.alloc(0));
    expect(options.minVersion).toBe('TLSv1.2');
    expect(options.ciphers.split(':')).toEqual([
      'TLS_AES_256_GCM_SHA384',
      'TLS_AES_128_GCM_SHA256',
      'ECDHE-ECDSA-AES256-GCM-SHA384',
      'ECDHE-RSA-AES256-GCM-SHA384',
      'ECDHE-ECDSA-AES128-GCM-SHA256',
      'ECDHE-RSA-AES128-GCM-SHA256',
      'DHE-RSA-AES256-GCM-SHA384',
    ]);
    expect(options.ciphers).toBe(niceTlsCiphers);
    expect(options).not.toHaveProperty('ca');
  });

  it('reads the files when building, naming the field of one that cannot be read', () => {
    const files: Record<string, string> = { '/ca.pem': 'CA', '/c.pem': 'CERT', '/k.pem': 'KEY' };
    const read = (path: string): Buffer => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
      return Buffer.from(text);
    };
    const options = buildTlsOptions(
      { caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem', rejectUnauthorized: false },
      read,
    );
    expect([options.ca?.toString(), options.cert?.toString(), options.key?.toString()]).toEqual([
      'CA',
      'CERT',
      'KEY',
    ]);
    expect(options.rejectUnauthorized).toBe(false);
    expect(() => buildTlsOptions({ caFile: '/missing.pem', rejectUnauthorized: true }, read)).toThrow(
      /^tls\.caFile: cannot read \/missing\.pem/,
    );
  });
});

describe('topicMatches', () => {
  it.each([
    ['1/a/data/+/+', '1/a/data/0001/0002', true],
    ['1/a/data/+/+', '1/a/data/0001', false],
    ['1/a/#', '1/a/data/0001/0002', true],
    ['1/a/#', '1/a', true],
    ['#', '$SYS/broker', false],
    ['$share/g/1/a/+', '1/a/x', true],
    ['1/a/control/0001/GetStatus', '1/a/control/0001/GetStatus', true],
    ['1/a/control/0001/GetStatus', '1/b/control/0001/GetStatus', false],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});
