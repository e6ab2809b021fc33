import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import ConsoleFrameStatusBar from '../../../../src-renderer/src/features/frame/ConsoleFrameStatusBar.vue';
import type { AppInfo } from '../../../../src-shared/contract/appContract';

const info: AppInfo = {
  name: 'NICE Console',
  version: '9.8.7',
  shell: 'electron',
  dataDir: '/data',
  databaseFile: '/data/nice-console.sqlite',
  schemaVersion: 1,
  runtime: 'Node 20',
  platform: 'linux x64',
  startedAt: new Date(0).toISOString(),
};

describe('ConsoleFrameStatusBar', () => {
  it('says which shell runs and that main is connected', () => {
    const wrapper = mount(ConsoleFrameStatusBar, {
      props: { bridgeState: 'connected', info, timeDisplay: 'local', brokers: { connected: 1, total: 2 } },
    });
    expect(wrapper.get('[data-testid=status-bridge]').text()).toBe('Console services connected');
    expect(wrapper.get('[data-testid=status-shell]').text()).toBe('Desktop app (Electron)');
    expect(wrapper.text()).toContain('v9.8.7');
    expect(wrapper.get('[data-testid=status-brokers]').text()).toBe('Brokers: 1 of 2 connected');
    wrapper.unmount();
  });

  it('shows a lost connection and UTC time when chosen', () => {
    const wrapper = mount(ConsoleFrameStatusBar, {
      props: {
        bridgeState: 'reconnecting',
        info: { ...info, shell: 'web' },
        timeDisplay: 'utc',
        brokers: { connected: 0, total: 0 },
      },
    });
    expect(wrapper.get('[data-testid=status-bridge]').attributes('data-state')).toBe('reconnecting');
    expect(wrapper.get('[data-testid=status-bridge]').text()).toContain('unreachable');
    expect(wrapper.get('[data-testid=status-shell]').text()).toMatch(/^Web shell · /);
    expect(wrapper.get('[data-testid=status-clock]').text()).toMatch(/^\d\d:\d\d:\d\dZ$/);
    expect(wrapper.get('[data-testid=status-brokers]').text()).toBe('No broker connections configured');
    wrapper.unmount();
  });
});
