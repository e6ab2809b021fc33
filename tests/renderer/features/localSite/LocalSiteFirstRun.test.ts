import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { defineComponent, h } from 'vue';
import { createMemoryHistory, createRouter, type Router } from 'vue-router';
import { installBridge } from '../../../../src-renderer/src/bridge/bridge';
import ConsoleFrame from '../../../../src-renderer/src/features/frame/ConsoleFrame.vue';
import { consoleSections } from '../../../../src-renderer/src/features/sections';
import LocalSiteFirstRun from '../../../../src-renderer/src/features/localSite/LocalSiteFirstRun.vue';
import type { LocalSiteStatus } from '../../../../src-shared/contract/localSiteContract';
import { FakeBridge } from '../../fakeBridge';
import { runningSite, siteActions, stoppedSite } from './localSiteFixtures';

const blank = defineComponent({ render: () => h('div') });

describe('LocalSiteFirstRun', () => {
  let bridge: FakeBridge;
  let router: Router;
  let status: LocalSiteStatus;

  beforeEach(async () => {
    status = stoppedSite({ firstRun: true });
    bridge = new FakeBridge()
      .respond('localSite:start', (request) => {
        status = runningSite((request as { cameras: number }).cameras);
        return { ok: true, value: status };
      })
      .respond('localSite:declineFirstRun', () => {
        status = { ...status, firstRun: false };
        return { ok: true, value: status };
      });
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
    bridge.respond('localSite:getStatus', () => ({ ok: true, value: status }));
    bridge.respond('localSite:listDevices', () => ({ ok: true, value: { devices: [] } }));
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
