import { flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { installBridge } from '../../../../src-renderer/src/bridge/bridge';
import { useConnectionsStore } from '../../../../src-renderer/src/features/connections/useConnectionsStore';
import type { ConnectionProfile } from '../../../../src-shared/contract/connectionsContract';
import { FakeBridge } from '../../fakeBridge';

const localSiteProfile: ConnectionProfile = {
  id: 'local-site',
  name: 'Local site (embedded broker)',
  url: 'mqtt://127.0.0.1:41000',
  clientId: '',
  keepalive: 60,
  protocolVersion: 4,
  cleanSession: true,
  username: 'console',
  tls: { rejectUnauthorized: true },
  allowPlainBodies: true,
  hasPassword: true,
  createdAt: '2026-11-22T07:00:00.000Z',
  updatedAt: '2026-11-22T07:00:00.000Z',
};

describe('useConnectionsStore', () => {
  let bridge: FakeBridge;
  let profiles: ConnectionProfile[];

  beforeEach(() => {
    profiles = [];
    bridge = new FakeBridge().respond('connections:listProfiles', () => ({
      ok: true,
      value: { profiles, statuses: [] },
    }));
    installBridge(bridge);
    setActivePinia(createPinia());
  });

  it('fetches the list again when main reports a profile it does not know (one the local site made)', async () => {
    const store = useConnectionsStore();
    store.start();
    await flushPromises();
    expect(store.profiles).toEqual([]);

    profiles = [localSiteProfile];
    bridge.emit('connections:statusChanged', [{ profileId: 'local-site', state: { status: 'connected' } }]);
    await flushPromises();
    expect(store.profiles.map((profile) => profile.id)).toEqual(['local-site']);
    const lists = bridge.calls.filter((call) => call.channel === 'connections:listProfiles').length;

    // A state change of a known profile does not refetch.
    bridge.emit('connections:statusChanged', [
      { profileId: 'local-site', state: { status: 'disconnected' } },
    ]);
    await flushPromises();
    expect(bridge.calls.filter((call) => call.channel === 'connections:listProfiles')).toHaveLength(lists);
    store.stop();
  });
});
