import { flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { installBridge } from '../../../../src-renderer/src/bridge/bridge';
import { useLocalSiteStore } from '../../../../src-renderer/src/features/localSite/useLocalSiteStore';
import { FakeBridge } from '../../fakeBridge';
import { FakeLocalSiteMain, runningSite, siteDevice, stoppedSite } from './localSiteFixtures';

const cameraA = '0a1b2c3d-0000-4000-8000-00000000000a';
const cameraB = '0a1b2c3d-0000-4000-8000-00000000000b';

describe('useLocalSiteStore', () => {
  let bridge: FakeBridge;
  let site: FakeLocalSiteMain;

  beforeEach(() => {
    site = new FakeLocalSiteMain(stoppedSite({ firstRun: true }));
    bridge = site.answer(new FakeBridge());
    installBridge(bridge);
    setActivePinia(createPinia());
  });

  it('loads the status and the devices when subscribed', async () => {
    site.devices = [siteDevice(cameraA)];
    const store = useLocalSiteStore();
    store.subscribe();
    await flushPromises();
    expect(store.status?.firstRun).toBe(true);
    expect(store.devices.map((device) => device.deviceId)).toEqual([cameraA]);
    store.unsubscribe();
  });

  it('follows localSite:changed and fetches the devices again', async () => {
    const store = useLocalSiteStore();
    store.subscribe();
    await flushPromises();
    site.devices = [siteDevice(cameraA), siteDevice(cameraB, { binding: 'pending' })];
    bridge.emit('localSite:changed', [runningSite(1, { state: 'starting' }), runningSite(2)]);
    await flushPromises();
    expect(store.status?.state).toBe('running');
    expect(store.running).toBe(true);
    expect(store.devices).toHaveLength(2);
    expect(store.boundDevices.map((device) => device.deviceId)).toEqual([cameraA]);
    store.unsubscribe();
  });

  it('fetches the devices once more, not once per change, when changes come while a fetch runs', async () => {
    const store = useLocalSiteStore();
    store.subscribe();
    await flushPromises();
    const before = bridge.calls.filter((call) => call.channel === 'localSite:listDevices').length;
    void store.refreshDevices();
    void store.refreshDevices();
    void store.refreshDevices();
    await flushPromises();
    const after = bridge.calls.filter((call) => call.channel === 'localSite:listDevices').length;
    expect(after - before).toBe(2);
    store.unsubscribe();
  });

  it('starts, stops and declines through main and keeps the status main answered', async () => {
    const store = useLocalSiteStore();
    const started = await store.start(6);
    expect(started.ok).toBe(true);
    expect(store.status?.simulator?.cameras).toBe(6);
    await store.stop();
    expect(store.status?.state).toBe('stopped');
    await store.declineFirstRun();
    expect(bridge.calls.map((call) => call.channel)).toEqual(
      expect.arrayContaining(['localSite:start', 'localSite:stop', 'localSite:declineFirstRun']),
    );
    expect(bridge.calls.find((call) => call.channel === 'localSite:start')?.request).toEqual({ cameras: 6 });
  });

  it('keeps the error main gave and the previous status when starting fails', async () => {
    bridge.respond('localSite:start', () => ({
      ok: false,
      error: { code: 'CONFLICT', message: 'port 1883 is in use' },
    }));
    const store = useLocalSiteStore();
    await store.load();
    const outcome = await store.start(4);
    expect(outcome).toEqual({ ok: false, error: { code: 'CONFLICT', message: 'port 1883 is in use' } });
    expect(store.status?.state).toBe('stopped');
  });

  it('releases its subscriptions', async () => {
    const store = useLocalSiteStore();
    store.subscribe();
    store.subscribe();
    expect(bridge.listenerCount('localSite:changed')).toBe(1);
    store.$dispose();
    expect(bridge.listenerCount('localSite:changed')).toBe(0);
  });
});
