import { describe, expect, it } from 'vitest';
import { buildCmfResponse, type CmfRequest } from '../../../../src-main/core/nice/cmf';
import { ReplayGuard } from '../../../../src-main/core/nice/replayGuard';

const app = '00000002-5eab-2e10-8003-000000000007';
const device = '00000009-60fe-5e15-8002-000000001954';
const request: CmfRequest = {
  MessageType: 'request',
  SourceEndPointID: app,
  DestinationEndPointID: device,
  DateTimeStamp: '2024-06-01T08:30:00.125Z',
  CommandID: 3,
  CommandType: `1/${device}/management/GetDeviceStatus`,
  AccessToken: 'a.b.c',
  EncryptionOn: false,
  Payload: { Body: '{}' },
};

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('ReplayGuard', () => {
  it('answers a repeat with the identical cached response, and a repeat in flight with pending', () => {
    const time = clock();
    const guard = new ReplayGuard({ now: time.now });
    expect(guard.lookup(app, 3)).toBeUndefined();
    guard.begin(app, 3);
    expect(guard.lookup(app, 3)).toBe('pending');
    const response = buildCmfResponse(request, { statusCode: 200, body: '{"Result":"OK"}' });
    guard.complete(app, 3, response);
    const first = guard.lookup(app, 3);
    expect(first).toEqual(response);
    expect(guard.lookup(app.toUpperCase(), 3)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(guard.lookup(app, 4)).toBeUndefined();
    expect(guard.lookup(device, 3)).toBeUndefined();
  });

  it('does not let a second begin() wipe a cached response', () => {
    const guard = new ReplayGuard();
    guard.begin(app, 1);
    guard.complete(app, 1, buildCmfResponse({ ...request, CommandID: 1 }, { statusCode: 200, body: '' }));
    guard.begin(app, 1);
    expect(guard.lookup(app, 1)).not.toBe('pending');
  });

  it('forgets pairs after 10 minutes', () => {
    const time = clock();
    const guard = new ReplayGuard({ now: time.now });
    guard.begin(app, 3);
    time.advance(10 * 60 * 1000 - 1);
    expect(guard.lookup(app, 3)).toBe('pending');
    time.advance(1);
    expect(guard.lookup(app, 3)).toBeUndefined();
    expect(guard.size).toBe(0);
  });

  it('keeps memory bounded, evicting the oldest pairs', () => {
    const guard = new ReplayGuard({ maxEntries: 100 });
    for (let id = 0; id < 1000; id += 1) guard.begin(app, id);
    expect(guard.size).toBe(100);
    expect(guard.lookup(app, 0)).toBeUndefined();
    expect(guard.lookup(app, 999)).toBe('pending');
  });

  it('forget() releases a pair whose execution failed', () => {
    const guard = new ReplayGuard();
    guard.begin(app, 9);
    guard.forget(app, 9);
    expect(guard.lookup(app, 9)).toBeUndefined();
  });

  it('refuses nonsensical options', () => {
    expect(() => new ReplayGuard({ windowMs: 0 })).toThrow(RangeError);
    expect(() => new ReplayGuard({ maxEntries: 0 })).toThrow(RangeError);
  });
});
