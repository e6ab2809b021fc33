import { describe, expect, it } from 'vitest';
import {
  profileFormModel,
  splitFieldError,
  toProfileInput,
  toProfilePatch,
} from '../../../../src-renderer/src/features/connections/connectionProfileForm';
import {
  ConnectionProfileInput,
  ConnectionProfilePatch,
} from '../../../../src-shared/contract/connectionsContract';

describe('connection profile form', () => {
  it('leaves empty optional fields out of a new profile, and main accepts it', () => {
    const model = { ...profileFormModel(), name: ' Site ', url: ' mqtts://broker.example:8883 ' };
    const input = toProfileInput(model);
    expect(input).toMatchObject({
      url: 'mqtts://broker.example:8883',
      username: undefined,
      password: undefined,
    });
    expect(input.tls).toEqual({
      caFile: undefined,
      certFile: undefined,
      keyFile: undefined,
      rejectUnauthorized: true,
    });
    expect(ConnectionProfileInput.safeParse(input).success).toBe(true);
  });

  it('sends the password in a change only when typed or cleared', () => {
    const base = { ...profileFormModel(), name: 'Site', url: 'mqtts://broker.example:8883', username: 'op' };
    expect(toProfilePatch(base)).not.toHaveProperty('password');
    expect(toProfilePatch({ ...base, password: 's3cret' }).password).toBe('s3cret');
    expect(toProfilePatch({ ...base, password: 's3cret', clearPassword: true }).password).toBeNull();
    expect(toProfilePatch({ ...base, username: '' }).username).toBeNull();
    expect(ConnectionProfilePatch.safeParse(toProfilePatch(base)).success).toBe(true);
  });

  it('finds the field an error from main names', () => {
    expect(splitFieldError('connections:updateProfile: patch.tls.caFile: must be an absolute path')).toEqual({
      field: 'tls.caFile',
      reason: 'must be an absolute path',
    });
    expect(splitFieldError('url: scheme http:// is not supported')).toEqual({
      field: 'url',
      reason: 'scheme http:// is not supported',
    });
    expect(splitFieldError('connection profile x does not exist')).toEqual({
      reason: 'connection profile x does not exist',
    });
  });
});
