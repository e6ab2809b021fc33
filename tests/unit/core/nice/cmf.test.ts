import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildCmfRequest,
  buildCmfResponse,
  isResponseTo,
  parseCmfMessage,
  serializeCmfMessage,
  validateCmfMessage,
  type CmfMessage,
  type CmfRequest,
  type CmfResponse,
} from '../../../../src-main/core/nice/cmf';
import { NiceProtocolError } from '../../../../src-main/core/nice/niceProtocolError';

const device = '00000009-60fe-5e15-8002-000000001954';
const app = '00000002-5eab-2e10-8003-000000000007';
const token = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
const now = new Date(Date.UTC(2024, 5, 1, 8, 30, 0, 125));

const request: CmfRequest = {
  MessageType: 'request',
  SourceEndPointID: app,
  DestinationEndPointID: device,
  DateTimeStamp: '2024-06-01T08:30:00.125Z',
  CommandID: 7,
  CommandType: `1/${device}/control/0001/StartStreaming`,
  AccessToken: token,
  EncryptionOn: true,
  Payload: { Body: 'a.b.c.d.e' },
};

const response: CmfResponse = {
  MessageType: 'response',
  SourceEndPointID: app,
  DestinationEndPointID: device,
  DateTimeStamp: '2024-06-01T08:30:01.000Z',
  EncryptionOn: true,
  ReplyID: 7,
  ReplyStatusCode: 200,
  ReplyErrorCode: 0,
  ReplyStatusMessage: 'OK',
  Payload: { Body: 'a.b.c.d.e' },
};

function with_(base: CmfMessage, change: Record<string, unknown>, drop: string[] = []): string {
  const copy: Record<string, unknown> = { ...base, ...change };
  for (const key of drop) Reflect.deleteProperty(copy, key);
  return JSON.stringify(copy);
}

function expectMalformed(input: string | Uint8Array, field: string): void {
  let caught: unknown;
  try {
    parseCmfMessage(input);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(NiceProtocolError);
  expect(caught).toMatchObject({ code: 'MALFORMED', field });
}

describe('parseCmfMessage: good messages', () => {
  it('parses a v0.9 request and response', () => {
    expect(parseCmfMessage(JSON.stringify(request))).toEqual(request);
    expect(parseCmfMessage(JSON.stringify(response))).toEqual(response);
  });

  it('accepts UTF-8 bytes', () => {
    expect(parseCmfMessage(new TextEncoder().encode(JSON.stringify(response)))).toEqual(response);
  });

  it('normalises what it accepts leniently (uppercase ids, missing millis, VERSION 1.0, leading slash)', () => {
    const message = parseCmfMessage(
      with_(request, {
        SourceEndPointID: app.toUpperCase(),
        DateTimeStamp: '2024-06-01T08:30:00Z',
        CommandType: `/1.0/${device.toUpperCase()}/control/0001/StartStreaming`,
      }),
    );
    expect(message).toMatchObject({
      SourceEndPointID: app,
      DateTimeStamp: '2024-06-01T08:30:00.000Z',
      CommandType: request.CommandType,
    });
  });

  it('accepts an empty AccessToken and Body, and a 256-byte UTF-8 status message', () => {
    expect(parseCmfMessage(with_(request, { AccessToken: '', Payload: { Body: '' } }))).toMatchObject({
      AccessToken: '',
    });
    const message = 'é'.repeat(128);
    expect(
      parseCmfMessage(with_(response, { ReplyStatusCode: 400, ReplyStatusMessage: message })),
    ).toMatchObject({
      ReplyStatusMessage: message,
    });
  });
});

describe('parseCmfMessage: bad messages name the field', () => {
  it.each<[string, string, string]>([
    ['not JSON', '{"MessageType":', '$'],
    ['an array', '[]', '$'],
    ['a string', '"request"', '$'],
    ['null', 'null', '$'],
    ['missing MessageType', with_(request, {}, ['MessageType']), 'MessageType'],
    ['MessageType in capitals', with_(request, { MessageType: 'Request' }), 'MessageType'],
    ['MessageType too long', with_(request, { MessageType: 'requestXX' }), 'MessageType'],
    ['missing SourceEndPointID', with_(request, {}, ['SourceEndPointID']), 'SourceEndPointID'],
    ['short SourceEndPointID', with_(request, { SourceEndPointID: app.slice(1) }), 'SourceEndPointID'],
    ['numeric DestinationEndPointID', with_(request, { DestinationEndPointID: 5 }), 'DestinationEndPointID'],
    [
      'DateTimeStamp with offset',
      with_(request, { DateTimeStamp: '2024-06-01T08:30:00.125+00' }),
      'DateTimeStamp',
    ],
    ['DateTimeStamp Feb 30', with_(request, { DateTimeStamp: '2024-02-30T08:30:00.125Z' }), 'DateTimeStamp'],
    [
      'DateTimeStamp too long',
      with_(request, { DateTimeStamp: '2024-06-01T08:30:00.125000Z' }),
      'DateTimeStamp',
    ],
    ['missing CommandID', with_(request, {}, ['CommandID']), 'CommandID'],
    ['negative CommandID', with_(request, { CommandID: -1 }), 'CommandID'],
    ['fractional CommandID', with_(request, { CommandID: 1.5 }), 'CommandID'],
    ['string CommandID', with_(request, { CommandID: '7' }), 'CommandID'],
    ['unsafe CommandID', '{"MessageType":"request","CommandID":1e300}', 'SourceEndPointID'],
    [
      'CommandType with scheme',
      with_(request, { CommandType: `mqtt://h/1/${device}/control/0001/X` }),
      'CommandType',
    ],
    [
      'CommandType too long',
      with_(request, { CommandType: `1/${device}/management/${'A'.repeat(100)}` }),
      'CommandType',
    ],
    [
      'CommandType control without node',
      with_(request, { CommandType: `1/${device}/control/StartStreaming` }),
      'CommandType',
    ],
    ['AccessToken null', with_(request, { AccessToken: null }), 'AccessToken'],
    ['EncryptionOn as 1', with_(request, { EncryptionOn: 1 }), 'EncryptionOn'],
    ['EncryptionOn as "true"', with_(request, { EncryptionOn: 'true' }), 'EncryptionOn'],
    ['missing Payload', with_(request, {}, ['Payload']), 'Payload'],
    ['Payload a string', with_(request, { Payload: 'x' }), 'Payload'],
    ['missing Body', with_(request, { Payload: {} }), 'Payload.Body'],
    ['Body an object', with_(request, { Payload: { Body: { a: 1 } } }), 'Payload.Body'],
    ['unknown Payload member', with_(request, { Payload: { Body: '', Extra: 1 } }), 'Payload.Extra'],
    ['unknown top-level member', with_(request, { Version: '1.0' }), 'Version'],
    ['empty member name', with_(request, { '': 1 }), '""'],
    ['dotted member name', with_(request, { 'a.b': 1 }), '"a.b"'],
    ['__proto__ member', `{"__proto__":{"x":1},${JSON.stringify(request).slice(1)}`, '__proto__'],
    ['response member on a request', with_(request, { ReplyID: 1 }), 'ReplyID'],
    ['request member on a response', with_(response, { CommandID: 1 }), 'CommandID'],
    ['missing ReplyID', with_(response, {}, ['ReplyID']), 'ReplyID'],
    ['ReplyStatusCode 0 (NICE 1.1 style)', with_(response, { ReplyStatusCode: 0 }), 'ReplyStatusCode'],
    ['ReplyStatusCode 600', with_(response, { ReplyStatusCode: 600 }), 'ReplyStatusCode'],
    ['ReplyErrorCode string', with_(response, { ReplyErrorCode: 'E1' }), 'ReplyErrorCode'],
    [
      'ReplyStatusMessage 257 bytes',
      with_(response, { ReplyStatusMessage: `${'é'.repeat(128)}x` }),
      'ReplyStatusMessage',
    ],
    [
      'ReplyStatusMessage lone surrogate',
      with_(response, { ReplyStatusMessage: '\ud800' }),
      'ReplyStatusMessage',
    ],
    ['missing ReplyStatusMessage', with_(response, {}, ['ReplyStatusMessage']), 'ReplyStatusMessage'],
  ])('%s', (_name, input, field) => {
    expectMalformed(input, field);
  });

  it('refuses invalid UTF-8 bytes and oversized messages', () => {
    expectMalformed(new Uint8Array([0x7b, 0xff, 0x7d]), '$');
    const text = JSON.stringify(request);
    expect(() => parseCmfMessage(text, { maxBytes: text.length - 1 })).toThrow(
      expect.objectContaining({ code: 'MALFORMED', field: '$' }),
    );
    expect(() => parseCmfMessage(new TextEncoder().encode(text), { maxBytes: 10 })).toThrow(
      NiceProtocolError,
    );
    const multibyte = with_(response, { ReplyStatusMessage: 'é'.repeat(100) });
    expect(() => parseCmfMessage(multibyte, { maxBytes: multibyte.length + 50 })).toThrow(NiceProtocolError);
    expect(parseCmfMessage(multibyte, { maxBytes: multibyte.length + 100 })).toBeTruthy();
  });

  it('does not echo long attacker input in error messages', () => {
    const key = 'K'.repeat(5000);
    try {
      parseCmfMessage(with_(request, { [key]: 1 }));
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message.length).toBeLessThan(200 + key.length);
      expect((error as NiceProtocolError).message).toContain('unknown member');
    }
  });
});

describe('serializeCmfMessage', () => {
  it('emits members in v0.9 §4.1 order and refuses invalid messages', () => {
    const shuffled = Object.fromEntries(Object.entries(request).reverse()) as unknown as CmfRequest;
    expect(Object.keys(JSON.parse(serializeCmfMessage(shuffled)) as object)).toEqual([
      'MessageType',
      'SourceEndPointID',
      'DestinationEndPointID',
      'DateTimeStamp',
      'CommandID',
      'CommandType',
      'AccessToken',
      'EncryptionOn',
      'Payload',
    ]);
    expect(() => serializeCmfMessage({ ...response, ReplyStatusCode: 42 })).toThrow(
      expect.objectContaining({ field: 'ReplyStatusCode' }),
    );
    expect(() => serializeCmfMessage({ ...request, Extra: 1 } as CmfRequest)).toThrow(
      expect.objectContaining({ field: 'Extra' }),
    );
  });
});

describe('buildCmfRequest and buildCmfResponse', () => {
  it('builds a request with a canonical CommandType and 24-character DateTimeStamp', () => {
    const built = buildCmfRequest({
      source: app.toUpperCase(),
      destination: device,
      commandType: `1.0/${device}/control/0001/StartStreaming`,
      commandId: 7,
      accessToken: token,
      encryptionOn: true,
      body: 'a.b.c.d.e',
      now,
    });
    expect(built).toEqual(request);
    expect(() => buildCmfRequest({ ...fieldsOf(), commandId: -1 })).toThrow(
      expect.objectContaining({ field: 'CommandID' }),
    );
  });

  it('builds a success response copying the request (ReplyID, endpoints, EncryptionOn)', () => {
    const built = buildCmfResponse(request, { statusCode: 200, body: 'x.y.z.w.v', now });
    expect(built).toEqual({
      MessageType: 'response',
      SourceEndPointID: app,
      DestinationEndPointID: device,
      DateTimeStamp: '2024-06-01T08:30:00.125Z',
      EncryptionOn: true,
      ReplyID: 7,
      ReplyStatusCode: 200,
      ReplyErrorCode: 0,
      ReplyStatusMessage: 'OK',
      Payload: { Body: 'x.y.z.w.v' },
    });
    expect(isResponseTo(request, built)).toBe(true);
  });

  it('builds error responses: ReplyErrorCode = status unless given, message cut to 256 bytes', () => {
    const forbidden = buildCmfResponse(request, { statusCode: 403, body: '', now });
    expect(forbidden).toMatchObject({
      ReplyErrorCode: 403,
      ReplyStatusMessage: 'Forbidden',
      Payload: { Body: '' },
    });
    const specific = buildCmfResponse(request, {
      statusCode: 400,
      errorCode: 1001,
      statusMessage: 'bad SceneMode',
      body: '',
    });
    expect(specific).toMatchObject({ ReplyErrorCode: 1001, ReplyStatusMessage: 'bad SceneMode' });
    const long = buildCmfResponse(request, { statusCode: 500, statusMessage: '€'.repeat(200), body: '' });
    expect(Buffer.byteLength(long.ReplyStatusMessage)).toBeLessThanOrEqual(256);
    expect(long.ReplyStatusMessage).toBe('€'.repeat(85));
    expect(() => buildCmfResponse(request, { statusCode: 99, body: '' })).toThrow(
      expect.objectContaining({ field: 'ReplyStatusCode' }),
    );
  });

  it('matches responses with the same or swapped endpoints (profile) and the same id', () => {
    const swapped = { ...response, SourceEndPointID: device, DestinationEndPointID: app };
    expect(isResponseTo(request, response)).toBe(true);
    expect(isResponseTo(request, swapped)).toBe(true);
    expect(isResponseTo(request, { ...response, ReplyID: 8 })).toBe(false);
    expect(
      isResponseTo(request, { ...response, SourceEndPointID: device, DestinationEndPointID: device }),
    ).toBe(false);
  });
});

function fieldsOf() {
  return {
    source: app,
    destination: device,
    commandType: request.CommandType,
    commandId: 1,
    accessToken: token,
    encryptionOn: true,
    body: '',
    now,
  };
}

// Generators of canonical messages for the property tests.
const hex = (length: number) =>
  fc.integer({ min: 0, max: 16 ** length - 1 }).map((value) => value.toString(16).padStart(length, '0'));
const endPointIdArb = fc.tuple(hex(8), hex(4), hex(4), hex(4), hex(12)).map((parts) => parts.join('-'));
const stampArb = fc
  .date({
    min: new Date('2000-01-01T00:00:00.000Z'),
    max: new Date('2100-01-01T00:00:00.000Z'),
    noInvalidDate: true,
  })
  .map((date) => date.toISOString());
const apiArb = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,30}$/);
const commandTypeArb = fc.oneof(
  fc.tuple(endPointIdArb, apiArb).map(([id, api]) => `1/${id}/management/${api}`),
  fc.tuple(endPointIdArb, hex(4), apiArb).map(([id, node, api]) => `1/${id}/control/${node}/${api}`),
  fc.tuple(endPointIdArb, hex(4), hex(4)).map(([id, node, port]) => `1/${id}/data/${node}/${port}`),
);
const idArb = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const requestArb: fc.Arbitrary<CmfRequest> = fc.record({
  MessageType: fc.constant('request' as const),
  SourceEndPointID: endPointIdArb,
  DestinationEndPointID: endPointIdArb,
  DateTimeStamp: stampArb,
  CommandID: idArb,
  CommandType: commandTypeArb,
  AccessToken: fc.string({ maxLength: 60 }),
  EncryptionOn: fc.boolean(),
  Payload: fc.record({ Body: fc.string({ unit: 'binary', maxLength: 80 }) }),
});
const responseArb: fc.Arbitrary<CmfResponse> = fc.record({
  MessageType: fc.constant('response' as const),
  SourceEndPointID: endPointIdArb,
  DestinationEndPointID: endPointIdArb,
  DateTimeStamp: stampArb,
  EncryptionOn: fc.boolean(),
  ReplyID: idArb,
  ReplyStatusCode: fc.integer({ min: 100, max: 599 }),
  ReplyErrorCode: fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
  ReplyStatusMessage: fc.string({ unit: 'grapheme', maxLength: 60 }),
  Payload: fc.record({ Body: fc.string({ maxLength: 80 }) }),
});
const messageArb: fc.Arbitrary<CmfMessage> = fc.oneof(requestArb, responseArb);

/** One mutation of a valid message: drop or retype a member, add an unknown one, overlong text. */
const mutationArb = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('retype' as const), pick: fc.nat(), value: fc.jsonValue() }),
  fc.record({ op: fc.constant('add' as const), key: fc.string({ maxLength: 12 }), value: fc.jsonValue() }),
  fc.record({
    op: fc.constant('overlong' as const),
    pick: fc.nat(),
    length: fc.integer({ min: 1, max: 400 }),
  }),
  fc.record({ op: fc.constant('payload' as const), key: fc.string({ maxLength: 8 }), value: fc.jsonValue() }),
);

function mutate(message: CmfMessage, mutation: MutationOf): unknown {
  const copy = structuredClone(message) as unknown as Record<string, unknown>;
  const keys = Object.keys(copy);
  const keyAt = (pick: number) => keys[pick % keys.length] ?? 'MessageType';
  switch (mutation.op) {
    case 'drop':
      Reflect.deleteProperty(copy, keyAt(mutation.pick));
      break;
    case 'retype':
      copy[keyAt(mutation.pick)] = mutation.value;
      break;
    case 'add':
      copy[mutation.key] = mutation.value;
      break;
    case 'overlong': {
      const key = keyAt(mutation.pick);
      copy[key] = `${String(copy[key])}${'x'.repeat(mutation.length)}`;
      break;
    }
    case 'payload':
      (copy.Payload as Record<string, unknown>)[mutation.key] = mutation.value;
      break;
  }
  return copy;
}
type MutationOf = typeof mutationArb extends fc.Arbitrary<infer T> ? T : never;

function parsesOrNamesField(input: string | Uint8Array): void {
  try {
    const message = parseCmfMessage(input);
    // Whatever parses must serialise and parse back to itself.
    expect(parseCmfMessage(serializeCmfMessage(message))).toEqual(message);
  } catch (error) {
    if (!(error instanceof NiceProtocolError) || error.code !== 'MALFORMED' || !error.field) throw error;
  }
}

describe('CMF properties', () => {
  it('round-trips valid generated messages through serialize and parse', () => {
    fc.assert(
      fc.property(messageArb, (message) => {
        const text = serializeCmfMessage(message);
        expect(parseCmfMessage(text)).toEqual(message);
        expect(validateCmfMessage(JSON.parse(text))).toEqual(message);
      }),
      { numRuns: 300 },
    );
  });

  it('never crashes on mutated valid messages, and names the field it refuses', () => {
    fc.assert(
      fc.property(messageArb, mutationArb, (message, mutation) => {
        parsesOrNamesField(JSON.stringify(mutate(message, mutation)));
      }),
      { numRuns: 400 },
    );
  });

  it('never crashes on random strings, bytes and JSON values', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.uint8Array({ maxLength: 200 }),
          fc.jsonValue().map((value) => JSON.stringify(value)),
          fc
            .dictionary(fc.constantFrom('MessageType', 'Payload', 'CommandID', 'x'), fc.jsonValue())
            .map((value) => JSON.stringify({ MessageType: 'request', ...value })),
        ),
        (input) => parsesOrNamesField(input),
      ),
      { numRuns: 300 },
    );
  });
});
