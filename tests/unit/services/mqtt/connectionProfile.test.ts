import { describe, expect, it } from 'vitest';
import {
  ConnectionProfileInput,
  ConnectionProfilePatch,
  parseProfile,
  ProfileValidationError,
} from '../../../../src-main/services/mqtt/connectionProfile';

function refusal(
  value: unknown,
  schema: typeof ConnectionProfileInput | typeof ConnectionProfilePatch = ConnectionProfileInput,
) {
  try {
    parseProfile(schema, value);
  } catch (error) {
    expect(error).toBeInstanceOf(ProfileValidationError);
    const { field, message } = error as ProfileValidationError;
    return { field, message };
  }
  throw new Error(`accepted ${JSON.stringify(value)}`);
}

describe('connection profile schema', () => {
  it('fills defaults for a minimal profile', () => {
    expect(
      parseProfile(ConnectionProfileInput, { name: ' Site A ', url: 'mqtts://broker.example:8883' }),
    ).toEqual({
      name: 'Site A',
      url: 'mqtts://broker.example:8883',
      clientId: '',
      keepalive: 60,
      protocolVersion: 5,
      cleanSession: true,
      tls: { rejectUnauthorized: true },
      allowPlainBodies: false,
    });
  });

  it.each([
    'mqtt://127.0.0.1:1883',
    'mqtts://broker.example',
    'ws://host:8080/mqtt',
    'wss://[::1]:8884/mqtt',
  ])('accepts %s', (url) => {
    expect(parseProfile(ConnectionProfileInput, { name: 'a', url }).url).toBe(url);
  });

  it.each([
    ['http://broker.example', /scheme http:\/\/ is not supported/],
    ['tcp://broker.example:1883', /use mqtt:\/\/, mqtts:\/\/, ws:\/\/ or wss:\/\//],
    ['not a url', /not a valid URL/],
    ['mqtts://user:secret@broker.example', /must not contain credentials/],
    ['mqtt://broker.example/some/path', /no path or query/],
    ['wss://broker.example/mqtt#x', /fragment/],
    ['', /is required/],
  ])('refuses the URL %s naming the url field', (url, reason) => {
    const { field, message } = refusal({ name: 'a', url });
    expect(field).toBe('url');
    expect(message).toMatch(/^url: /);
    expect(message).toMatch(reason);
    // The refused value, which may hold a password, is never echoed back.
    expect(message).not.toContain('secret');
  });

  it.each([
    [{ keepalive: 1.5 }, 'keepalive', /whole number/],
    [{ keepalive: 70_000 }, 'keepalive', /at most 65535/],
    [{ protocolVersion: 3 }, 'protocolVersion', /4 \(MQTT 3\.1\.1\) or 5/],
    [{ name: '' }, 'name', /required/],
    [{ name: undefined }, 'name', /required/],
    [{ clientId: 'a\nb' }, 'clientId', /control characters/],
    [{ cleanSession: false }, 'clientId', /persistent session/],
    [{ password: 'secret' }, 'username', /required when a password is set/],
    [{ tls: { caFile: 'relative/ca.pem' }, url: 'mqtts://h' }, 'tls.caFile', /absolute path/],
    [{ tls: { caFile: '/etc/ca.pem' } }, 'tls.caFile', /only to mqtts:\/\/ and wss:\/\//],
    [{ tls: { certFile: '/c.pem' }, url: 'wss://h/mqtt' }, 'tls.keyFile', /client certificate/],
    [{ tls: { keyFile: '/k.pem' }, url: 'wss://h/mqtt' }, 'tls.certFile', /client key/],
    [{ tls: { rejectUnauthorized: 'no' }, url: 'mqtts://h' }, 'tls.rejectUnauthorized', /boolean/],
    [{ colour: 'red' }, 'colour', /not a known setting/],
  ])('refuses %j naming %s', (change, expectedField, reason) => {
    const { field, message } = refusal({ name: 'a', url: 'mqtt://h', ...change });
    expect(field).toBe(expectedField);
    expect(message.startsWith(`${expectedField}: `)).toBe(true);
    expect(message).toMatch(reason);
  });

  it('validates patches member by member, allowing null to clear username and password', () => {
    expect(parseProfile(ConnectionProfilePatch, { username: null, password: null })).toEqual({
      username: null,
      password: null,
    });
    expect(refusal({ url: 'ftp://x' }, ConnectionProfilePatch).field).toBe('url');
    expect(refusal({ id: 'x' }, ConnectionProfilePatch).field).toBe('id');
  });
});
