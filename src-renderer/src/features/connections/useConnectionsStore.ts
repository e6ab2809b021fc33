import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type {
  ConnectionProfile,
  ConnectionProfileInput,
  ConnectionProfilePatch,
  ConnectionState,
  TestProfileResponse,
} from '../../../../src-shared/contract/connectionsContract';
import type { ContractError, Result } from '../../../../src-shared/contract/result';
import { useBridge } from '../../bridge/bridge';

/** What an action reports back to the view: done, or the error main gave. */
export type ActionOutcome<T = void> = { ok: true; value: T } | { ok: false; error: ContractError };

/**
 * Broker connection profiles and their live states. States arrive as `connections:statusChanged`
 * batches; the list is fetched again after a reconnect to main.
 */
export const useConnectionsStore = defineStore('connections', () => {
  const bridge = useBridge();
  const profiles = ref<ConnectionProfile[]>([]);
  const states = ref<Record<string, ConnectionState>>({});
  const loaded = ref(false);
  const error = ref<string>();
  const busyIds = ref(new Set<string>());
  const releases: Array<() => void> = [];

  const connectedCount = computed(
    () => Object.values(states.value).filter((state) => state.status === 'connected').length,
  );

  async function load(): Promise<void> {
    const result = await bridge.invoke('connections:listProfiles', {});
    if (!result.ok) {
      error.value = result.error.message;
      return;
    }
    profiles.value = result.value.profiles;
    states.value = Object.fromEntries(
      result.value.statuses.map((status) => [status.profileId, status.state]),
    );
    error.value = undefined;
    loaded.value = true;
  }

  /** Whether an action on the profile is under way. */
  function isBusy(profileId: string): boolean {
    return busyIds.value.has(profileId);
  }

  function stateOf(profileId: string): ConnectionState {
    return states.value[profileId] ?? { status: 'disconnected' };
  }

  async function track<T>(profileId: string, work: () => Promise<Result<T>>): Promise<ActionOutcome<T>> {
    busyIds.value.add(profileId);
    try {
      return await work();
    } finally {
      busyIds.value.delete(profileId);
    }
  }

  async function create(input: ConnectionProfileInput): Promise<ActionOutcome<ConnectionProfile>> {
    const result = await bridge.invoke('connections:createProfile', input);
    if (result.ok) await load();
    return result;
  }

  async function update(
    id: string,
    patch: ConnectionProfilePatch,
  ): Promise<ActionOutcome<ConnectionProfile>> {
    const result = await track(id, () => bridge.invoke('connections:updateProfile', { id, patch }));
    if (result.ok) await load();
    return result;
  }

  async function remove(id: string): Promise<ActionOutcome<unknown>> {
    const result = await track(id, () => bridge.invoke('connections:deleteProfile', { id }));
    if (result.ok) await load();
    return result;
  }

  async function connect(id: string): Promise<ActionOutcome<unknown>> {
    const result = await track(id, () => bridge.invoke('connections:connectProfile', { id }));
    if (result.ok) states.value = { ...states.value, [id]: result.value.state };
    return result;
  }

  async function disconnect(id: string): Promise<ActionOutcome<unknown>> {
    const result = await track(id, () => bridge.invoke('connections:disconnectProfile', { id }));
    if (result.ok) states.value = { ...states.value, [id]: result.value.state };
    return result;
  }

  function test(id: string): Promise<ActionOutcome<TestProfileResponse>> {
    return track(id, () => bridge.invoke('connections:testProfile', { id }));
  }

  function start(): void {
    releases.push(
      bridge.on('connections:statusChanged', (items) => {
        const next = { ...states.value };
        for (const item of items) next[item.profileId] = item.state;
        states.value = next;
        // A profile made in main (the local site's) is not in the list yet: fetch the list.
        if (items.some((item) => !profiles.value.some((profile) => profile.id === item.profileId)))
          void load();
      }),
      bridge.onStateChange((state) => {
        if (state === 'connected') void load();
      }),
    );
    void load();
  }

  function stop(): void {
    for (const release of releases.splice(0)) release();
  }

  return {
    profiles,
    states,
    loaded,
    error,
    isBusy,
    connectedCount,
    stateOf,
    load,
    create,
    update,
    remove,
    connect,
    disconnect,
    test,
    start,
    stop,
  };
});
