import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { installBridge } from '../../../../src-renderer/src/bridge/bridge';
import SettingsPage from '../../../../src-renderer/src/features/settings/SettingsPage.vue';
import { useSettingsStore } from '../../../../src-renderer/src/features/settings/useSettingsStore';
import { defaultSettings, type Settings } from '../../../../src-shared/contract/settingsContract';
import { FakeBridge } from '../../fakeBridge';

describe('SettingsPage', () => {
  let bridge: FakeBridge;
  let stored: Settings;

  beforeEach(() => {
    stored = { ...defaultSettings };
    bridge = new FakeBridge()
      .respond('settings:getSettings', () => ({ ok: true, value: stored }))
      .respond('settings:updateSettings', (patch) => {
        stored = { ...stored, ...(patch as Partial<Settings>) };
        return { ok: true, value: stored };
      })
      .respond('diagnostics:listEntries', () => ({
        ok: true,
        value: {
          entries: [
            {
              seq: 1,
              time: new Date().toISOString(),
              level: 'info',
              source: 'console',
              message: 'services started',
            },
          ],
          discarded: 0,
        },
      }))
      .respond('app:getInfo', () => ({
        ok: false,
        error: { code: 'UNAVAILABLE', message: 'not in this test' },
      }));
    installBridge(bridge);
    setActivePinia(createPinia());
  });

  async function mountPage() {
    const store = useSettingsStore();
    store.start();
    const wrapper = mount(SettingsPage, { global: { stubs: { RouterLink: true } } });
    await flushPromises();
    return { wrapper, store };
  }

  it('saves a theme change through the bridge and shows the stored value', async () => {
    const { wrapper } = await mountPage();
    const light = wrapper
      .get('[data-testid=setting-theme]')
      .findAll('label')
      .find((label) => label.text() === 'Light');
    await light?.get('input').setValue(true);
    await flushPromises();
    expect(bridge.calls).toContainEqual({ channel: 'settings:updateSettings', request: { theme: 'light' } });
    expect(stored.theme).toBe('light');
    expect(wrapper.get('[data-testid=setting-theme] .is-active').text()).toBe('Light');
    wrapper.unmount();
  });

  it('shows main refusing a change and keeps the previous value', async () => {
    bridge.respond('settings:updateSettings', () => ({
      ok: false,
      error: { code: 'UNAVAILABLE', message: 'database is locked' },
    }));
    const { wrapper, store } = await mountPage();
    await store.update({ timeDisplay: 'utc' });
    await flushPromises();
    expect(wrapper.get('[data-testid=settings-error]').text()).toContain('database is locked');
    expect(store.settings?.timeDisplay).toBe('local');
    wrapper.unmount();
  });

  it('follows settings changed elsewhere', async () => {
    const { wrapper, store } = await mountPage();
    bridge.emit('settings:changed', [{ ...defaultSettings, theme: 'light' }]);
    await flushPromises();
    expect(store.settings?.theme).toBe('light');
    wrapper.unmount();
  });
});
