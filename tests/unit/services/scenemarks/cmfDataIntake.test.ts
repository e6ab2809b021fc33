import { beforeAll, describe, expect, it } from 'vitest';
import { buildCmfRequest, serializeCmfMessage } from '../../../../src-main/core/nice/cmf';
import { encodeBody } from '../../../../src-main/core/nice/cmfBody';
import {
  generateEndpointKeyPair,
  type EndpointKeyPair,
  type EndpointPrivateJwk,
} from '../../../../src-main/core/nice/endpointKeys';
import { CmfDataIntake } from '../../../../src-main/services/scenemarks/cmfDataIntake';

const consoleId = '00000002-5eab-2e10-8003-000000000007';
const device = '00000009-60fe-5e15-8002-000000001954';
const sceneMark = { Version: '1.0', SceneMarkID: 'SMK_1', Note: 'ünïcødé ✓' };

let current: EndpointKeyPair;
let next: EndpointKeyPair;
beforeAll(async () => {
  current = await generateEndpointKeyPair(consoleId);
  next = await generateEndpointKeyPair(consoleId);
});

interface Recorded {
  accepted: { text: string; source: string }[];
  rejected: { text: string; source: string; reason: string; field: string | null }[];
}

function intake(privateJwk: () => EndpointPrivateJwk): { intake: CmfDataIntake; recorded: Recorded } {
  const recorded: Recorded = { accepted: [], rejected: [] };
  const decoder = new TextDecoder();
  const ingest = {
    submit: (bytes: Uint8Array, source: string) => {
      recorded.accepted.push({ text: decoder.decode(bytes), source });
      return true;
    },
    submitRejected: (bytes: Uint8Array, source: string, reason: string, field: string | null) => {
      recorded.rejected.push({ text: decoder.decode(bytes), source, reason, field });
      return true;
    },
  };
  return {
    // A fresh copy per call, as the console identity service hands out its key.
    intake: new CmfDataIntake({
      ingest,
      consoleEndPointId: () => Promise.resolve(consoleId),
      privateJwk: () => Promise.resolve({ ...privateJwk() }),
    }),
    recorded,
  };
}

let commandId = 1;
async function delivery(to: EndpointKeyPair | undefined, target = consoleId): Promise<string> {
  const body = to
    ? await encodeBody(sceneMark, { encrypt: { recipientPublicJwk: to.publicJwk, kid: consoleId } })
    : JSON.stringify(sceneMark);
  return serializeCmfMessage(
    buildCmfRequest({
      source: device,
      destination: target,
      commandType: `1/${target}/data/0001/0001`,
      commandId: commandId++,
      accessToken: '',
      encryptionOn: to !== undefined,
      body,
    }),
  );
}

describe('CmfDataIntake', () => {
  it('hands ingest the decrypted SceneMark bytes, and plain bodies as sent', async () => {
    const { intake: data, recorded } = intake(() => current.privateJwk);
    await data.accept(await delivery(current), 'mqtt:site');
    await data.accept(new TextEncoder().encode(await delivery(undefined)), 'webrtc:cam');
    expect(recorded.rejected).toEqual([]);
    expect(recorded.accepted).toEqual([
      { text: JSON.stringify(sceneMark), source: 'mqtt:site' },
      { text: JSON.stringify(sceneMark), source: 'webrtc:cam' },
    ]);
  });

  it('opens many deliveries in flight at once', async () => {
    const { intake: data, recorded } = intake(() => current.privateJwk);
    const messages = await Promise.all(Array.from({ length: 20 }, () => delivery(current)));
    await Promise.all(messages.map((message) => data.accept(message, 'mqtt:site')));
    expect(recorded.accepted).toHaveLength(20);
    expect(recorded.rejected).toEqual([]);
  });

  it('sends unreadable envelopes to rejects with the reason, verbatim', async () => {
    const { intake: data, recorded } = intake(() => current.privateJwk);
    const wrongKey = await delivery(next);
    await data.accept(wrongKey, 'mqtt:site');
    const elsewhere = await delivery(current, device);
    await data.accept(elsewhere, 'mqtt:site');
    await data.accept('not json', 'mqtt:site');
    expect(recorded.accepted).toEqual([]);
    expect(recorded.rejected).toEqual([
      {
        text: wrongKey,
        source: 'mqtt:site',
        reason: 'Payload.Body: the body cannot be decrypted with our key',
        field: 'Payload.Body',
      },
      {
        text: elsewhere,
        source: 'mqtt:site',
        reason: 'CommandType: the data is addressed to another endpoint',
        field: 'CommandType',
      },
      expect.objectContaining({ text: 'not json', source: 'mqtt:site' }),
    ]);
  });

  it('uses the key the console holds now: after a rotation the old key no longer opens bodies', async () => {
    let key = current;
    const { intake: data, recorded } = intake(() => key.privateJwk);
    await data.accept(await delivery(current), 'mqtt:site');
    key = next;
    await data.accept(await delivery(current), 'mqtt:site');
    await data.accept(await delivery(next), 'mqtt:site');
    expect(recorded.accepted).toHaveLength(2);
    expect(recorded.rejected).toEqual([
      expect.objectContaining({
        reason: 'Payload.Body: the body cannot be decrypted with our key',
        field: 'Payload.Body',
      }),
    ]);
  });
});
