import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateEndpointKeyPair } from '../../../src-main/core/nice/endpointKeys';
import { NiceProtocolError } from '../../../src-main/core/nice/niceProtocolError';
import {
  CloseControlSessionBody,
  EstablishControlSessionBody,
  GetManagementEndPointBody,
  parseBody,
  parseDeviceJwk,
} from '../../../src-main/embedded/accountService/bodies';

function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(NiceProtocolError);
    expect((error as NiceProtocolError).code).toBe('MALFORMED');
    return (error as Error).message;
  }
  throw new Error('expected a failure');
}

const deviceId = randomUUID();
const session = {
  Version: '1.0',
  SessionID: randomUUID(),
  DeviceID: deviceId.toUpperCase(),
  ControlProtocol: 'WebRTC',
  Purpose: ['Control'],
  SignalingTopic: `1/${randomUUID()}/management/WebRTCSignaling`,
};

describe('account service bodies', () => {
  it('normalises what it accepts', () => {
    const parsed = parseBody(EstablishControlSessionBody, { ...session, NodeID: '00A1' });
    expect(parsed.DeviceID).toBe(deviceId);
    expect(parsed.NodeID).toBe('00a1');
    expect(parsed.IceServers).toBeUndefined();
    expect(parseBody(CloseControlSessionBody, { Version: '1', SessionID: 'abc_1' })).toEqual({
      Version: '1',
      SessionID: 'abc_1',
    });
  });

  it('names the member at fault, nested members by their dotted path', () => {
    expect(failure(() => parseBody(EstablishControlSessionBody, { ...session, DeviceID: 7 }))).toBe(
      'DeviceID: must be an EndPointID',
    );
    expect(failure(() => parseBody(EstablishControlSessionBody, { ...session, Purpose: [] }))).toBe(
      'Purpose: must name at least one purpose',
    );
    expect(
      failure(() => parseBody(EstablishControlSessionBody, { ...session, Purpose: ['Control', 'Control'] })),
    ).toBe('Purpose: must not list a purpose twice');
    expect(
      failure(() => parseBody(EstablishControlSessionBody, { ...session, IceServers: [{ urls: 5 }] })),
    ).toBe('IceServers.0.urls: must be a URL or a list of URLs');
    expect(
      failure(() =>
        parseBody(EstablishControlSessionBody, {
          ...session,
          IceServers: [{ urls: 'stun:x', password: 'p' }],
        }),
      ),
    ).toBe('IceServers.0.password: is not a member of this body');
    expect(failure(() => parseBody(CloseControlSessionBody, { Version: '1.0' }))).toBe(
      'SessionID: is required',
    );
    expect(failure(() => parseBody(CloseControlSessionBody, { Version: '1.0', SessionID: 'a b' }))).toBe(
      'SessionID: must be 1 to 64 letters, digits, "-" or "_"',
    );
    expect(failure(() => parseBody(GetManagementEndPointBody, [1]))).toBe(
      'Payload.Body: must be a JSON object',
    );
    // Profile "Bootstrap and binding": the request body is {"Version", "DeviceID"}; the key is optional.
    expect(parseBody(GetManagementEndPointBody, { Version: '1.0', DeviceID: deviceId })).toEqual({
      Version: '1.0',
      DeviceID: deviceId,
    });
    expect(failure(() => parseBody(GetManagementEndPointBody, { Version: '1.0' }))).toBe(
      'DeviceID: is required',
    );
    expect(
      failure(() =>
        parseBody(GetManagementEndPointBody, { Version: '1.0', DeviceID: deviceId, DeviceJWK: 'k' }),
      ),
    ).toBe('DeviceJWK: must be a JWK object');
  });

  it('takes the device key only with kid = DeviceID', async () => {
    const keys = await generateEndpointKeyPair(deviceId);
    expect(parseDeviceJwk(keys.publicJwk, deviceId)).toEqual(keys.publicJwk);
    expect(failure(() => parseDeviceJwk(keys.publicJwk, randomUUID()))).toBe(
      'DeviceJWK.kid: must equal DeviceID',
    );
    expect(failure(() => parseDeviceJwk(keys.privateJwk, deviceId))).toMatch(/^DeviceJWK\.d: /);
  });
});
