import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { installBridge } from '../../../../src-renderer/src/bridge/bridge';
import { ArrivalRate } from '../../../../src-renderer/src/features/sceneMarks/arrivalRate';
import SceneMarksLiveFeed from '../../../../src-renderer/src/features/sceneMarks/SceneMarksLiveFeed.vue';
import {
  liveFeedCapacity,
  useLiveFeedStore,
} from '../../../../src-renderer/src/features/sceneMarks/useLiveFeedStore';
import type { IngestedSceneMark } from '../../../../src-shared/contract/ingestContract';
import { FakeBridge } from '../../fakeBridge';

const device = 'aaaaaaaa-0000-4000-8000-000000000001';
const startMs = Date.UTC(2026, 11, 8, 9);

function batch(from: number, count: number): IngestedSceneMark[] {
  return Array.from({ length: count }, (_, offset) => ({
    sceneMarkId: `SMK_${from + offset}`,
    time: startMs + (from + offset) * 10,
    deviceId: device,
    nodeId: '0001',
    eventType: 'ItemPresence',
    itemTypes: ['Human'],
    highestProbability: 0.9,
    status: 'Active',
  }));
}

/** Waits for the animation frame the feed renders in. */
const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve(undefined)));

describe('SceneMarksLiveFeed', () => {
  let bridge: FakeBridge;
  beforeEach(() => {
    bridge = new FakeBridge()
      .respond('devices:listDevices', () => ({ ok: true, value: { devices: [] } }))
      .respond('alerts:listRules', () => ({ ok: true, value: { rules: [] } }))
      .respond('alerts:listAlerts', () => ({ ok: true, value: { alerts: [], unacknowledged: 0 } }));
    installBridge(bridge);
    setActivePinia(createPinia());
  });

  it('shows the newest SceneMarks first, with only the rows in view in the DOM', async () => {
    const wrapper = mount(SceneMarksLiveFeed, { props: { timeDisplay: 'utc' } });
    expect(wrapper.find('[data-testid="live-feed-empty"]').exists()).toBe(true);
    for (let index = 0; index < 30; index++) bridge.emit('scenemarks:ingested', batch(index * 100, 100));
    await nextFrame();
    await flushPromises();
    const rows = wrapper.findAll('[data-testid="live-feed-row"]');
    // 3,000 held, at most the viewport plus the overscan rendered.
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThanOrEqual(18);
    expect(rows[0]?.text()).toContain('09:00:29.990Z');
    expect(wrapper.get('[data-testid="live-feed-received"]').text()).toBe('3,000 received');
    // The frame's stop releases the subscription.
    wrapper.unmount();
    expect(bridge.listenerCount('scenemarks:ingested')).toBe(1);
    useLiveFeedStore().stop();
    expect(bridge.listenerCount('scenemarks:ingested')).toBe(0);
  });

  it('pause freezes the rows and counts what arrives; resume shows it', async () => {
    const wrapper = mount(SceneMarksLiveFeed, { props: { timeDisplay: 'utc' } });
    bridge.emit('scenemarks:ingested', batch(0, 5));
    await nextFrame();
    await flushPromises();
    await wrapper.get('[data-testid="live-feed-toggle"]').trigger('click');
    bridge.emit('scenemarks:ingested', batch(5, 7));
    await nextFrame();
    await flushPromises();
    expect(wrapper.findAll('[data-testid="live-feed-row"]')[0]?.text()).toContain('09:00:00.040Z');
    expect(wrapper.get('[data-testid="live-feed-waiting"]').text()).toBe('paused · 7 new');
    await wrapper.get('[data-testid="live-feed-toggle"]').trigger('click');
    await flushPromises();
    expect(wrapper.findAll('[data-testid="live-feed-row"]')[0]?.text()).toContain('09:00:00.110Z');
    expect(wrapper.find('[data-testid="live-feed-waiting"]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('keeps at most its capacity of SceneMarks', async () => {
    const wrapper = mount(SceneMarksLiveFeed, { props: { timeDisplay: 'utc' } });
    const total = liveFeedCapacity * 3 + 17;
    for (let from = 0; from < total; from += 1000)
      bridge.emit('scenemarks:ingested', batch(from, Math.min(1000, total - from)));
    await nextFrame();
    await flushPromises();
    const spacer = wrapper.get('.live-feed__spacer').attributes('style') ?? '';
    expect(spacer).toContain(`height: ${liveFeedCapacity * 26}px`);
    wrapper.unmount();
  });
});

describe('ArrivalRate', () => {
  it('is the mean over the completed seconds of its window', () => {
    const rate = new ArrivalRate(5);
    for (let second = 0; second < 10; second++) rate.add(2000, startMs + second * 1000 + 500);
    expect(rate.perSecond(startMs + 10_000)).toBe(2000);
    rate.add(10, startMs + 10_100);
    expect(rate.perSecond(startMs + 10_200)).toBe(2000);
    expect(rate.perSecond(startMs + 15_000)).toBe(2);
    expect(rate.perSecond(startMs + 30_000)).toBe(0);
  });

  it('reads the seconds seen so far while the window is still filling', () => {
    const rate = new ArrivalRate(5);
    expect(rate.perSecond(startMs)).toBe(0);
    rate.add(1500, startMs + 100);
    expect(rate.perSecond(startMs + 900)).toBe(0);
    rate.add(2500, startMs + 1100);
    expect(rate.perSecond(startMs + 2000)).toBe(2000);
  });
});
