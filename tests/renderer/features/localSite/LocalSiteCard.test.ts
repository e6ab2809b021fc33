import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { installBridge } from '../../../../src-renderer/src/bridge/bridge';
import LocalSiteCard from '../../../../src-renderer/src/features/localSite/LocalSiteCard.vue';
import { useLocalSiteStore } from '../../../../src-renderer/src/features/localSite/useLocalSiteStore';
import { FakeBridge } from '../../fakeBridge';
import { FakeLocalSiteMain, runningSite, siteActions, stoppedSite } from './localSiteFixtures';

describe('LocalSiteCard', () => {
  let bridge: FakeBridge;
  let site: FakeLocalSiteMain;

  beforeEach(() => {
    site = new FakeLocalSiteMain(runningSite(3));
    bridge = site.answer(new FakeBridge());
    installBridge(bridge);
    setActivePinia(createPinia());
  });

  async function mountCard() {
    const store = useLocalSiteStore();
    store.subscribe();
    const wrapper = mount(LocalSiteCard);
    await flushPromises();
    return { wrapper, store };
  }

  it('shows where the running site listens and what it runs', async () => {
    const { wrapper, store } = await mountCard();
    expect(wrapper.get('[data-testid=local-site-state]').attributes('data-state')).toBe('running');
    expect(wrapper.get('[data-testid=local-site-state]').text()).toBe('Running');
    expect(wrapper.get('[data-testid=local-site-tcp-url]').text()).toBe('mqtt://127.0.0.1:41883');
    expect(wrapper.get('[data-testid=local-site-ws-url]').text()).toBe('ws://127.0.0.1:41884/mqtt');
    expect(wrapper.get('[data-testid=local-site-tls-url]').text()).toBe('mqtts://127.0.0.1:48883');
    expect(wrapper.get('[data-testid=local-site-username]').text()).toBe('nice-console');
    expect(wrapper.get('[data-testid=local-site-endpoint-id]').text()).toBe(
      '9e0c5a9a-1b2c-4d3e-8f40-5a6b7c8d9e0f',
    );
    expect(wrapper.get('[data-testid=local-site-bootstrap-url]').text()).toBe(
      'https://127.0.0.1:48443/1/9e0c5a9a-1b2c-4d3e-8f40-5a6b7c8d9e0f',
    );
    expect(wrapper.get('[data-testid=local-site-devices]').text()).toContain('3 bound, 1 pending');
    expect(wrapper.get('[data-testid=local-site-devices]').text()).toContain('auto-bind on');
    expect(wrapper.get('[data-testid=local-site-simulator]').text()).toContain('3 · simulator running');
    expect(wrapper.find('[data-testid=local-site-error]').exists()).toBe(false);
    wrapper.unmount();
    store.unsubscribe();
  });

  it('shows what went wrong when the site failed', async () => {
    site.status = stoppedSite({
      state: 'failed',
      error: 'the embedded broker could not listen on 127.0.0.1:1883: EADDRINUSE',
    });
    const { wrapper, store } = await mountCard();
    expect(wrapper.get('[data-testid=local-site-state]').text()).toBe('Failed');
    expect(wrapper.get('[data-testid=local-site-error]').text()).toContain(
      'the embedded broker could not listen on 127.0.0.1:1883: EADDRINUSE',
    );
    wrapper.unmount();
    store.unsubscribe();
  });

  it('follows status changes main pushes', async () => {
    const { wrapper, store } = await mountCard();
    bridge.emit('localSite:changed', [
      runningSite(3, { simulator: { running: false, cameras: 3, exitReason: 'exited with code 1' } }),
    ]);
    await flushPromises();
    expect(wrapper.get('[data-testid=local-site-simulator]').text()).toContain('simulator not running');
    expect(wrapper.get('[data-testid=local-site-simulator]').text()).toContain('ended: exited with code 1');
    wrapper.unmount();
    store.unsubscribe();
  });

  it('stops the site and starts it again with the chosen number of cameras', async () => {
    const { wrapper, store } = await mountCard();
    expect(wrapper.get('[data-testid=local-site-start]').attributes('disabled')).toBeDefined();
    await wrapper.get('[data-testid=local-site-stop]').trigger('click');
    await flushPromises();
    expect(wrapper.get('[data-testid=local-site-state]').text()).toBe('Stopped');

    const input = wrapper.get('[data-testid=local-site-cameras] input');
    expect((input.element as HTMLInputElement).value).toBe('3');
    await input.setValue('8');
    await input.trigger('change');
    await wrapper.get('[data-testid=local-site-start]').trigger('click');
    await flushPromises();
    expect(siteActions(bridge)).toEqual([
      { channel: 'localSite:stop', request: {} },
      { channel: 'localSite:start', request: { cameras: 8 } },
    ]);
    expect(wrapper.get('[data-testid=local-site-state]').text()).toBe('Running');
    wrapper.unmount();
    store.unsubscribe();
  });
});
