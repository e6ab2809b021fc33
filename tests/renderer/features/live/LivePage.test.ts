import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import { defaultSettings, type Settings } from '../../../../src-shared/contract/settingsContract';
import { installBridge } from '../../../../src-renderer/src/bridge/bridge';
import LivePage from '../../../../src-renderer/src/features/live/LivePage.vue';
import { useCameraSessionsStore } from '../../../../src-renderer/src/features/live/useCameraSessionsStore';
import { useDeviceDirectoryStore } from '../../../../src-renderer/src/features/devices/useDeviceDirectoryStore';
import { useSettingsStore } from '../../../../src-renderer/src/features/settings/useSettingsStore';
import { FakeBridge } from '../../fakeBridge';
import {
  directoryDevice,
  FakeLocalSiteMain,
  runningSite,
  siteDevice,
  stoppedSite,
} from '../localSite/localSiteFixtures';
import { FakePeerConnection } from './fakePeerConnection';
import { FakeSessionsMain } from './fakeSessionsMain';
import { requestsOn } from './sessionFixtures';

/** Five bound cameras, CAM 1 … CAM 5, and one pending device. */
const cameraIds = [1, 2, 3, 4, 5].map((n) => `0a1b2c3d-0000-4000-8000-00000000000${n}`);
const pendingId = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

describe('LivePage (the wall)', () => {
  let bridge: FakeBridge;
  let site: FakeLocalSiteMain;
  let main: FakeSessionsMain;
  let stored: Settings;
  let wrapper: VueWrapper | undefined;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    FakePeerConnection.created = [];
    site = new FakeLocalSiteMain(runningSite(5), [
      ...cameraIds.map((id, index) => siteDevice(id, { name: `CAM ${index + 1}` })),
      siteDevice(pendingId, { binding: 'pending', nodes: [] }),
    ]);
    bridge = site.answer(new FakeBridge());
    main = new FakeSessionsMain(bridge);
    stored = { ...defaultSettings };
    bridge
      .respond('settings:getSettings', () => ({ ok: true, value: stored }))
      .respond('settings:updateSettings', (patch) => {
        stored = { ...stored, ...(patch as Partial<Settings>) };
        return { ok: true, value: stored };
      });
    installBridge(bridge);
    setActivePinia(createPinia());
    // What the console frame does for every page.
    useSettingsStore().start();
    useDeviceDirectoryStore().subscribe();
    useCameraSessionsStore().start({ createPeerConnection: (config) => new FakePeerConnection(config) });
  });

  afterEach(() => {
    wrapper?.unmount();
    wrapper = undefined;
    vi.useRealTimers();
  });

  async function mountPage(): Promise<VueWrapper> {
    wrapper = mount(LivePage, { global: { stubs: { RouterLink: true } }, attachTo: document.body });
    await flushPromises();
    return wrapper;
  }

  const tiles = (page: VueWrapper) => page.findAll('[data-testid=live-tile]');
  const tileOf = (page: VueWrapper, deviceId: string) =>
    page.get(`[data-testid=live-tile][data-device-id="${deviceId}"]`);
  const stateOf = (page: VueWrapper, deviceId: string) => tileOf(page, deviceId).attributes('data-state');

  /** One health tick and stats sample of every store. */
  async function tick(ms = 1000): Promise<void> {
    await vi.advanceTimersByTimeAsync(ms);
    await flushPromises();
  }

  async function press(key: string): Promise<void> {
    window.dispatchEvent(new KeyboardEvent('keydown', { key }));
    await flushPromises();
  }

  it('shows each bound camera by name in its own session, on pages of the layout', async () => {
    const page = await mountPage();
    expect(page.get('[data-testid=live-wall]').attributes('data-layout')).toBe('2x2');
    expect(tiles(page).map((tile) => tile.get('[data-testid=live-tile-name]').text())).toEqual([
      'CAM 1',
      'CAM 2',
      'CAM 3',
      'CAM 4',
    ]);
    expect(page.get('[data-testid=live-page-label]').text()).toBe('Page 1 of 2');
    // One session per tile on this page; none for the camera on page 2 or the pending device.
    expect(requestsOn(bridge, 'sessions:openSession')).toEqual(
      cameraIds.slice(0, 4).map((deviceId) => ({ deviceId, nodeId: '0001' })),
    );
    expect(main.openCount()).toBe(4);

    await page.get('[data-testid=live-page-next]').trigger('click');
    await flushPromises();
    expect(tiles(page).map((tile) => tile.get('[data-testid=live-tile-name]').text())).toEqual(['CAM 5']);
    // The first page's sessions are closed: nothing streams unseen.
    expect(main.openCount()).toBe(1);
    expect(main.openSessionOf(cameraIds[4] as string)).toBeDefined();
  });

  it('shows the page of the camera a link names (a SceneMark detail links ?deviceId=)', async () => {
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [{ path: '/live', component: LivePage }],
    });
    await router.push(`/live?deviceId=${(cameraIds[4] as string).toUpperCase()}`);
    wrapper = mount(LivePage, {
      global: { plugins: [router], stubs: { RouterLink: true } },
      attachTo: document.body,
    });
    await flushPromises();
    expect(wrapper.get('[data-testid=live-page-label]').text()).toBe('Page 2 of 2');
    expect(tiles(wrapper).map((tile) => tile.get('[data-testid=live-tile-name]').text())).toEqual(['CAM 5']);
  });

  it('a tile is live only once frames decode; small stream in the grid, large when enlarged', async () => {
    const page = await mountPage();
    const [first, second] = cameraIds as [string, string];
    expect(stateOf(page, first)).toBe('connecting');
    await main.decode(first);
    await tick();
    // Streaming, but the first sample is what shows frames advanced.
    expect(stateOf(page, first)).toBe('live');
    expect(tileOf(page, first).attributes('data-stream-size')).toBe('small');
    expect(main.streaming.get(main.openSessionOf(first)?.sessionId ?? '')).toBe('small');
    await main.decode(second);
    await tick();

    await tileOf(page, first).trigger('dblclick');
    await flushPromises();
    expect(page.get('[data-testid=live-wall]').classes()).toContain('live-wall--focused');
    expect(main.streaming.get(main.openSessionOf(first)?.sessionId ?? '')).toBe('large');
    // The other tiles are out of view: their cameras stop sending, their sessions stay.
    expect(main.streaming.get(main.openSessionOf(second)?.sessionId ?? '')).toBeNull();
    expect(stateOf(page, second)).toBe('paused');

    await press('Escape');
    expect(page.get('[data-testid=live-wall]').classes()).not.toContain('live-wall--focused');
    expect(main.streaming.get(main.openSessionOf(first)?.sessionId ?? '')).toBe('small');
    expect(main.streaming.get(main.openSessionOf(second)?.sessionId ?? '')).toBe('small');
  });

  it("shows a tile's stream figures from getStats on request", async () => {
    const page = await mountPage();
    const first = cameraIds[0] as string;
    await main.decode(first);
    await tick();
    const pc = main.peerOf(first);
    if (!pc) throw new Error('no peer connection');
    pc.statsReport = new Map([
      [
        'IT01V',
        {
          type: 'inbound-rtp',
          kind: 'video',
          timestamp: Date.now(),
          framesDecoded: 45,
          framesPerSecond: 15,
          frameWidth: 320,
          frameHeight: 180,
          bytesReceived: 0,
          packetsReceived: 198,
          packetsLost: 2,
          jitter: 0.003,
          decoderImplementation: 'libvpx',
        },
      ],
    ]);
    await tick();
    const tile = tileOf(page, first);
    expect(tile.find('[data-testid=live-tile-stats]').exists()).toBe(false);
    await tile.get('[data-testid=live-tile-stats-toggle]').trigger('click');
    const stat = (name: string) => tile.get(`[data-testid=live-tile-stat-${name}]`).text();
    expect(stat('resolution')).toBe('320×180');
    expect(stat('frame-rate')).toBe('15.0 fps');
    expect(stat('jitter')).toBe('3.0 ms');
    expect(stat('decoder')).toBe('libvpx');
    // 2 lost of 200 expected since the last sample.
    expect(stat('packet-loss')).toBe('1.0 % (2 lost)');
    // Only that tile's panel opened.
    expect(page.findAll('[data-testid=live-tile-stats]')).toHaveLength(1);
  });

  it('keeps the layout the operator picked in the settings, for the next visit', async () => {
    const page = await mountPage();
    await page.get('[data-testid=live-layout-3x3] input').setValue(true);
    await flushPromises();
    expect(requestsOn(bridge, 'settings:updateSettings')).toEqual([{ liveWallLayout: '3x3' }]);
    expect(tiles(page)).toHaveLength(5);
    expect(page.get('[data-testid=live-page-label]').text()).toBe('Page 1 of 1');
    page.unmount();
    wrapper = undefined;

    // A reload: a fresh renderer reads the layout from main.
    setActivePinia(createPinia());
    useSettingsStore().start();
    useDeviceDirectoryStore().subscribe();
    useCameraSessionsStore().start({ createPeerConnection: (config) => new FakePeerConnection(config) });
    const again = await mountPage();
    expect(again.get('[data-testid=live-wall]').attributes('data-layout')).toBe('3x3');
  });

  it('reconnects a failed session by itself with capped backoff, then is live again', async () => {
    const page = await mountPage();
    const first = cameraIds[0] as string;
    await main.decode(first);
    await tick();
    expect(stateOf(page, first)).toBe('live');

    const lost = main.openSessionOf(first)?.sessionId ?? '';
    main.end(lost, 'failed', 'the WebRTC connection failed');
    main.openError = { code: 'UNAVAILABLE', message: 'the account service did not answer' };
    await tick();
    expect(stateOf(page, first)).toBe('reconnecting');
    expect(tileOf(page, first).get('[data-testid=live-tile-state]').text()).toBe('Reconnecting · attempt 1');
    expect(tileOf(page, first).get('[data-testid=live-tile-detail]').text()).toMatch(
      /the WebRTC connection failed; next try at .* \(in 1 s\)/,
    );

    // Attempt 1 after 1 s fails (main cannot open), attempt 2 waits 2 s, attempt 3 4 s.
    const opensBefore = requestsOn(bridge, 'sessions:openSession').length;
    await tick(1000);
    expect(requestsOn(bridge, 'sessions:openSession')).toHaveLength(opensBefore + 1);
    expect(tileOf(page, first).get('[data-testid=live-tile-state]').text()).toBe('Reconnecting · attempt 2');
    expect(tileOf(page, first).get('[data-testid=live-tile-detail]').text()).toContain(
      'the account service did not answer',
    );
    await tick(1000);
    expect(requestsOn(bridge, 'sessions:openSession')).toHaveLength(opensBefore + 1);
    main.openError = undefined;
    await tick(1000);
    expect(requestsOn(bridge, 'sessions:openSession')).toHaveLength(opensBefore + 2);
    expect(stateOf(page, first)).toBe('reconnecting');

    await main.decode(first);
    await tick();
    expect(stateOf(page, first)).toBe('live');
    expect(main.sessionsOf(first).map((session) => session.state)).toEqual(['failed', 'streaming']);
  });

  it('notices video that stopped without a word and a peer that stays disconnected', async () => {
    const page = await mountPage();
    const [first, second] = cameraIds as [string, string];
    await main.decode(first);
    await main.decode(second);
    await tick();
    // No new frames on the first camera for more than 5 s: not live, and it reconnects.
    for (let second_ = 0; second_ < 6; second_ += 1) {
      await main.decode(second);
      await tick();
    }
    expect(stateOf(page, first)).toBe('reconnecting');
    expect(tileOf(page, first).get('[data-testid=live-tile-detail]').text()).toContain(
      'no video frame for 5 s',
    );
    expect(stateOf(page, second)).toBe('live');

    main.peerOf(second)?.setConnectionState('disconnected');
    await tick();
    await tick();
    await tick();
    expect(stateOf(page, second)).toBe('reconnecting');
    expect(main.sessionsOf(second)[0]?.state).toBe('closed');
  });

  it('shows an offline camera as offline and connects as soon as it is back', async () => {
    site.devices = site.devices.map((device) =>
      device.deviceId === cameraIds[0]
        ? { ...device, online: false, lastSeenMs: Date.now() - 60_000 }
        : device,
    );
    await useDeviceDirectoryStore().load();
    const page = await mountPage();
    const first = cameraIds[0] as string;
    expect(stateOf(page, first)).toBe('offline');
    expect(tileOf(page, first).get('[data-testid=live-tile-detail]').text()).toContain(
      'not connected to its broker (last seen 1 min ago)',
    );
    expect(main.sessionsOf(first)).toEqual([]);

    const back = site.devices.find((device) => device.deviceId === first);
    if (!back) throw new Error('no such device');
    bridge.emit('devices:changed', [directoryDevice({ ...back, online: true })]);
    await flushPromises();
    expect(main.sessionsOf(first)).toHaveLength(1);
    expect(stateOf(page, first)).toBe('connecting');
  });

  it('says why a camera cannot be watched when retrying would not help, and tries again on request', async () => {
    main.openError = { code: 'NOT_FOUND', message: 'deviceId: not a device the account service knows' };
    const page = await mountPage();
    const first = cameraIds[0] as string;
    expect(stateOf(page, first)).toBe('error');
    expect(tileOf(page, first).get('[data-testid=live-tile-detail]').text()).toContain(
      'not a device the account service knows',
    );
    await tick(20_000);
    expect(
      requestsOn(bridge, 'sessions:openSession').filter(
        (r) => (r as { deviceId: string }).deviceId === first,
      ),
    ).toHaveLength(1);
    main.openError = undefined;
    await tileOf(page, first).get('[data-testid=live-tile-retry]').trigger('click');
    await flushPromises();
    expect(stateOf(page, first)).toBe('connecting');
  });

  it('stops every stream while the window is hidden and resumes them when it is seen', async () => {
    await mountPage();
    const first = cameraIds[0] as string;
    await main.decode(first);
    await tick();
    const hidden = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    document.dispatchEvent(new Event('visibilitychange'));
    await flushPromises();
    expect(main.streaming.get(main.openSessionOf(first)?.sessionId ?? '')).toBeNull();
    expect(main.openCount()).toBe(4);
    hidden.mockReturnValue('visible');
    document.dispatchEvent(new Event('visibilitychange'));
    await flushPromises();
    expect(main.streaming.get(main.openSessionOf(first)?.sessionId ?? '')).toBe('small');
    hidden.mockRestore();
  });

  it('answers the keyboard: digits, arrows, Enter, L and ? with every shortcut listed', async () => {
    const page = await mountPage();
    const selectedName = () => page.get('.live-tile--selected [data-testid=live-tile-name]').text();
    expect(selectedName()).toBe('CAM 1');
    await press('4');
    expect(selectedName()).toBe('CAM 4');
    await press('ArrowUp');
    expect(selectedName()).toBe('CAM 2');
    await press('ArrowLeft');
    expect(selectedName()).toBe('CAM 1');
    await press('ArrowDown');
    expect(selectedName()).toBe('CAM 3');
    await press('Enter');
    expect(page.get('[data-testid=live-wall]').classes()).toContain('live-wall--focused');
    await press('Escape');
    expect(page.get('[data-testid=live-wall]').classes()).not.toContain('live-wall--focused');

    await press('L');
    expect(page.get('[data-testid=live-wall]').attributes('data-layout')).toBe('3x3');
    expect(stored.liveWallLayout).toBe('3x3');
    await press('L');
    await press('L');
    expect(page.get('[data-testid=live-wall]').attributes('data-layout')).toBe('1x1');
    // The selected camera stays in view through layout changes.
    expect(tiles(page).map((tile) => tile.get('[data-testid=live-tile-name]').text())).toEqual(['CAM 3']);
    expect(page.get('[data-testid=live-page-label]').text()).toBe('Page 3 of 5');
    await press('PageDown');
    expect(page.get('[data-testid=live-page-label]').text()).toBe('Page 4 of 5');

    await press('?');
    const rows = document.body.querySelectorAll('[data-testid=live-help-row]');
    expect([...rows].map((row) => row.querySelector('kbd')?.textContent)).toEqual([
      '1 … 9',
      '← → ↑ ↓',
      'Enter',
      'F',
      'Esc',
      'L',
      'Page Down / Page Up',
      '?',
    ]);
    // Keys typed into a field are the field's.
    const input = document.createElement('input');
    document.body.append(input);
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'L', bubbles: true }));
    await flushPromises();
    expect(page.get('[data-testid=live-wall]').attributes('data-layout')).toBe('1x1');
    input.remove();
  });

  it('lists the devices of the local site with their binding; only bound ones have a tile', async () => {
    const page = await mountPage();
    const rows = page.findAll('[data-testid=live-device-row]');
    expect(rows.map((row) => row.attributes('data-device-id'))).toEqual([...cameraIds, pendingId]);
    expect(rows[5]?.get('[data-testid=live-device-binding]').text()).toBe('pending');
    expect(rows[5]?.get('[data-testid=live-device-show]').attributes('disabled')).toBeDefined();
    // Show goes to the page that holds the camera.
    await rows[4]?.get('[data-testid=live-device-show]').trigger('click');
    await flushPromises();
    expect(page.get('[data-testid=live-page-label]').text()).toBe('Page 2 of 2');
    expect(page.get('.live-tile--selected [data-testid=live-tile-name]').text()).toBe('CAM 5');
  });

  it('closes every session when the page goes away', async () => {
    const page = await mountPage();
    expect(main.openCount()).toBe(4);
    page.unmount();
    wrapper = undefined;
    await flushPromises();
    expect(main.openCount()).toBe(0);
    expect(bridge.listenerCount('sessions:signaled')).toBe(0);
  });

  it('says when the local site is not running and offers to start it', async () => {
    site.status = stoppedSite();
    site.devices = [];
    bridge.respond('localSite:listDevices', () => ({
      ok: false,
      error: { code: 'UNAVAILABLE', message: 'the account service is not running' },
    }));
    const page = await mountPage();
    expect(page.get('[data-testid=live-no-site]').text()).toContain('The local site is not running');
    expect(page.findAll('[data-testid=live-device-row]')).toHaveLength(0);

    site.devices = [siteDevice(cameraIds[0] as string)];
    site.answerReads(bridge);
    await page.get('[data-testid=live-start-site]').trigger('click');
    await flushPromises();
    expect(requestsOn(bridge, 'localSite:start')).toEqual([{ cameras: 4 }]);
    expect(page.find('[data-testid=live-no-site]').exists()).toBe(false);
    expect(page.findAll('[data-testid=live-device-row]')).toHaveLength(1);
  });
});
