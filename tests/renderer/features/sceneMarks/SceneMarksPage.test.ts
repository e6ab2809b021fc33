import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import { installBridge } from '../../../../src-renderer/src/bridge/bridge';
import SceneMarksPage from '../../../../src-renderer/src/features/sceneMarks/SceneMarksPage.vue';
import { FakeBridge } from '../../fakeBridge';
import { testRouter } from '../../testRouter';

const device = 'aaaaaaaa-0000-4000-8000-000000000001';

describe('SceneMarksPage links', () => {
  it("searches the span and device a session's link names", async () => {
    const bridge = new FakeBridge()
      .respond('scenemarks:querySceneMarks', () => ({ ok: true, value: { rows: [], nextCursor: null } }))
      .respond('scenemarks:listFacets', () => ({
        ok: true,
        value: { devices: [], itemTypes: [], eventTypes: [] },
      }));
    installBridge(bridge);
    setActivePinia(createPinia());
    const router = testRouter();
    await router.push(`/scenemarks?from=1000&to=5000&deviceId=${device}`);
    const wrapper = mount(SceneMarksPage, { global: { plugins: [router] } });
    await flushPromises();
    const queries = bridge.calls.filter((call) => call.channel === 'scenemarks:querySceneMarks');
    expect(queries.map((call) => call.request)).toEqual([
      { from: 1000, to: 5000, deviceIds: [device], pageSize: 200 },
    ]);
    wrapper.unmount();
  });
});
