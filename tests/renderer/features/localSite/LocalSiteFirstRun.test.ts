import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { defineComponent, h } from 'vue';
import { createMemoryHistory, createRouter, type Router } from 'vue-router';
import { installBridge } from '../../../../src-renderer/src/bridge/bridge';
import ConsoleFrame from '../../../../src-renderer/src/features/frame/ConsoleFrame.vue';
import { consoleSections } from '../../../../src-renderer/src/features/sections';
import LocalSiteFirstRun from '../../../../src-renderer/src/features/localSite/LocalSiteFirstRun.vue';
import { FakeBridge } from '../../fakeBridge';
import { FakeLocalSiteMain, siteActions, stoppedSite } from './localSiteFixtures';

const blank = defineComponent({ render: () => h('div') });

describe('LocalSiteFirstRun', () => {
  let bridge: FakeBridge;
  let router: Router;
  let site: FakeLocalSiteMain;

  beforeEach(async () => {
    site = new FakeLocalSiteMain(stoppedSite({ firstRun: true }));
    bridge = site.answerActions(new FakeBridge());
    installBridge(bridge);
    setActivePinia(createPinia());
    router = createRouter({
      history: createMemoryHistory(),
      routes: consoleSections.map((section) => ({
        path: section.path,
        name: section.name,
        component: blank,
      })),
    });
    await router.push('/settings');
  });

  function mountPanel() {
    return mount(LocalSiteFirstRun, { global: { plugins: [router] } });
  }

  it('explains the local site and offers four cameras by default', () => {
    const wrapper = mountPanel();
    const text = wrapper.text();
    expect(text).toContain('MQTT broker');
    expect(text).toContain('NICE account service');
    expect(text).toContain('4 simulated cameras');
    expect(text).toContain('loopback');
    expect((wrapper.get('[data-testid=first-run-cameras] input').element as HTMLInputElement).value).toBe(
      '4',
    );
    wrapper.unmount();
  });

  it('starts the local site with the chosen number of cameras and opens the live page', async () => {
    const wrapper = mountPanel();
    const input = wrapper.get('[data-testid=first-run-cameras] input');
    await input.setValue('6');
    await input.trigger('change');
    await wrapper.get('[data-testid=first-run-start]').trigger('click');
    await flushPromises();
    expect(siteActions(bridge)).toEqual([{ channel: 'localSite:start', request: { cameras: 6 } }]);
    expect(router.currentRoute.value.path).toBe('/live');
    wrapper.unmount();
  });

  it('records the decline and opens the connections page', async () => {
    const wrapper = mountPanel();
    await wrapper.get('[data-testid=first-run-decline]').trigger('click');
    await flushPromises();
    expect(siteActions(bridge)).toEqual([{ channel: 'localSite:declineFirstRun', request: {} }]);
    expect(router.currentRoute.value.path).toBe('/connections');
    wrapper.unmount();
  });

  it('stays and says why when the site cannot start', async () => {
    bridge.respond('localSite:start', () => ({
      ok: false,
      error: { code: 'UNAVAILABLE', message: 'the simulator could not be started: ENOENT' },
    }));
    const wrapper = mountPanel();
    await wrapper.get('[data-testid=first-run-start]').trigger('click');
    await flushPromises();
    expect(wrapper.get('[data-testid=first-run-error]').text()).toContain(
      'Could not start the local site: the simulator could not be started: ENOENT',
    );
    expect(router.currentRoute.value.path).toBe('/settings');
    wrapper.unmount();
  });

  it('is shown by the console frame until the operator has chosen', async () => {
    site.answerReads(bridge);
    const frame = mount(ConsoleFrame, { global: { plugins: [router] } });
    await flushPromises();
    expect(frame.find('[data-testid=first-run]').exists()).toBe(true);

    await frame.get('[data-testid=first-run-decline]').trigger('click');
    await flushPromises();
    expect(frame.find('[data-testid=first-run]').exists()).toBe(false);
    expect(router.currentRoute.value.path).toBe('/connections');

    // A later session of the console does not ask again.
    frame.unmount();
    setActivePinia(createPinia());
    const again = mount(ConsoleFrame, { global: { plugins: [router] } });
    await flushPromises();
    expect(again.find('[data-testid=first-run]').exists()).toBe(false);
    again.unmount();
  });
});
