import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installBridge } from '../../../../src-renderer/src/bridge/bridge';
import LivePage from '../../../../src-renderer/src/features/live/LivePage.vue';
import { useCameraSessionsStore } from '../../../../src-renderer/src/features/live/useCameraSessionsStore';
import { FakeBridge } from '../../fakeBridge';
import { testRouter } from '../../testRouter';
import { FakeLocalSiteMain, runningSite, siteDevice, stoppedSite } from '../localSite/localSiteFixtures';
import { FakePeerConnection } from './fakePeerConnection';
import { deviceId, requestsOn, respondAsMain, sessionId } from './sessionFixtures';

const pendingId = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

describe('LivePage', () => {
  let bridge: FakeBridge;
  let site: FakeLocalSiteMain;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    FakePeerConnection.created = [];
    site = new FakeLocalSiteMain(runningSite(2), [
      // Offline, so the page does not open it by itself (see the one-step test below).
      siteDevice(deviceId, { name: 'Lobby camera', online: false }),
      siteDevice(pendingId, { binding: 'pending', nodes: [], online: false }),
    ]);
    bridge = site.answer(respondAsMain(new FakeBridge()));
    installBridge(bridge);
    setActivePinia(createPinia());
    useCameraSessionsStore().start({ createPeerConnection: (config) => new FakePeerConnection(config) });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  async function mountPage() {
    const wrapper = mount(LivePage, { global: { plugins: [testRouter()], stubs: { RouterLink: true } } });
    await flushPromises();
    return wrapper;
  }

  it('lists the devices of the local site with their binding; only bound ones can be watched', async () => {
    const wrapper = await mountPage();
    const rows = wrapper.findAll('[data-testid=live-device-row]');
    expect(rows.map((row) => row.attributes('data-device-id'))).toEqual([deviceId, pendingId]);
    expect(rows[0]?.text()).toContain('Lobby camera');
    expect(rows[0]?.get('[data-testid=live-device-binding]').text()).toBe('bound');
    expect(rows[1]?.get('[data-testid=live-device-binding]').text()).toBe('pending');
    expect(rows[0]?.get('[data-testid=live-device-online]').text()).toBe('offline');
    expect(rows[1]?.get('[data-testid=live-device-online]').text()).toBe('offline');
    expect(rows[0]?.get('[data-testid=live-device-watch]').attributes('disabled')).toBeUndefined();
    expect(rows[1]?.get('[data-testid=live-device-watch]').attributes('disabled')).toBeDefined();
    expect(wrapper.find('[data-testid=live-no-camera]').exists()).toBe(true);
    wrapper.unmount();
  });

  it('watches a camera: answers its offer, shows its video, state and stats, and closes it', async () => {
    const wrapper = await mountPage();
    await wrapper.get('[data-testid=live-device-watch]').trigger('click');
    await flushPromises();
    expect(requestsOn(bridge, 'sessions:openSession')).toEqual([{ deviceId, nodeId: '0001' }]);
    expect(wrapper.get('[data-testid=live-session-state]').attributes('data-state')).toBe('establishing');

    bridge.emit('sessions:signaled', [{ sessionId, type: 'offer', sdp: 'v=0\r\n' }]);
    await flushPromises();
    const pc = FakePeerConnection.created[0];
    if (!pc) throw new Error('no peer connection');
    pc.setConnectionState('connected');
    const stream = new MediaStream();
    pc.addRemoteTrack(stream);
    pc.setInboundVideo({
      timestamp: 1000,
      framesDecoded: 42,
      framesPerSecond: 29.97,
      frameWidth: 640,
      frameHeight: 360,
      bytesReceived: 50_000,
    });
    vi.advanceTimersByTime(1000);
    await flushPromises();

    const video = wrapper.get('[data-testid=live-video]').element as HTMLVideoElement;
    expect(video.srcObject).toBe(stream);
    expect(video.autoplay).toBe(true);
    expect(video.muted).toBe(true);
    expect(wrapper.get('[data-testid=live-session-state]').attributes('data-state')).toBe('streaming');
    expect(wrapper.get('[data-testid=live-session-state]').text()).toContain('Streaming');
    expect(wrapper.get('[data-testid=live-frames-decoded]').text()).toBe('42');
    expect(wrapper.get('[data-testid=live-fps]').text()).toBe('30.0');
    expect(wrapper.get('[data-testid=live-resolution]').text()).toBe('640×360');
    expect(
      wrapper.get('[data-testid=live-device-row][data-device-id="' + deviceId + '"]').classes(),
    ).toContain('live-devices__row--current');

    await wrapper.get('[data-testid=live-close]').trigger('click');
    await flushPromises();
    expect(requestsOn(bridge, 'sessions:closeSession')).toEqual([{ sessionId }]);
    expect(pc.closed).toBe(true);
    expect(video.srcObject).toBe(null);
    expect(wrapper.get('[data-testid=live-session-state]').text()).toContain('Closed');
    wrapper.unmount();
  });

  it('says what went wrong when the session cannot be opened', async () => {
    bridge.respond('sessions:openSession', () => ({
      ok: false,
      error: { code: 'UNAVAILABLE', message: 'the account service did not answer EstablishControlSession' },
    }));
    const wrapper = await mountPage();
    await wrapper.get('[data-testid=live-device-watch]').trigger('click');
    await flushPromises();
    expect(wrapper.get('[data-testid=live-open-error]').text()).toContain(
      'Could not open a session with Lobby camera: the account service did not answer EstablishControlSession',
    );
    wrapper.unmount();
  });

  it('shows a failed session with its reason', async () => {
    const wrapper = await mountPage();
    await wrapper.get('[data-testid=live-device-watch]').trigger('click');
    await flushPromises();
    bridge.emit('sessions:changed', [
      {
        sessionId,
        deviceId,
        nodeId: '0001',
        state: 'failed',
        reason: 'no offer from the camera within 15 s',
        startedAtMs: 0,
        endedAtMs: 15_000,
        streamId: null,
        trackIds: [],
      },
    ]);
    await flushPromises();
    expect(wrapper.get('[data-testid=live-session-state]').attributes('data-state')).toBe('failed');
    expect(wrapper.get('[data-testid=live-session-error]').text()).toContain(
      'no offer from the camera within 15 s',
    );
    wrapper.unmount();
  });

  it('opens the first bound, online camera by itself, once: one step to live video', async () => {
    site.devices = [
      siteDevice(pendingId, { binding: 'pending', nodes: [] }),
      siteDevice(deviceId, { name: 'Lobby camera' }),
    ];
    site.answerReads(bridge);
    const wrapper = await mountPage();
    expect(wrapper.findAll('[data-testid=live-device-online]').map((tag) => tag.text())).toEqual([
      'online',
      'online',
    ]);
    expect(requestsOn(bridge, 'sessions:openSession')).toEqual([{ deviceId, nodeId: '0001' }]);
    expect(wrapper.get('[data-testid=live-session-state]').attributes('data-state')).toBe('establishing');

    // Once the operator closes it, a device list refresh does not open it again.
    await wrapper.get('[data-testid=live-close]').trigger('click');
    await wrapper.get('[data-testid=live-refresh]').trigger('click');
    await flushPromises();
    expect(requestsOn(bridge, 'sessions:openSession')).toHaveLength(1);
    wrapper.unmount();
  });

  it('closes the open session when the page goes away', async () => {
    const wrapper = await mountPage();
    await wrapper.get('[data-testid=live-device-watch]').trigger('click');
    await flushPromises();
    wrapper.unmount();
    await flushPromises();
    expect(requestsOn(bridge, 'sessions:closeSession')).toEqual([
      { sessionId, reason: 'the live page was closed' },
    ]);
    expect(bridge.listenerCount('sessions:signaled')).toBe(0);
  });

  it('says when the local site is not running and offers to start it', async () => {
    site.status = stoppedSite();
    site.devices = [];
    bridge.respond('localSite:listDevices', () => ({
      ok: false,
      error: { code: 'UNAVAILABLE', message: 'the account service is not running' },
    }));
    const wrapper = await mountPage();
    expect(wrapper.get('[data-testid=live-no-site]').text()).toContain('The local site is not running');
    expect(wrapper.findAll('[data-testid=live-device-row]')).toHaveLength(0);

    site.devices = [siteDevice(deviceId)];
    site.answerReads(bridge);
    await wrapper.get('[data-testid=live-start-site]').trigger('click');
    await flushPromises();
    expect(requestsOn(bridge, 'localSite:start')).toEqual([{ cameras: 4 }]);
    expect(wrapper.find('[data-testid=live-no-site]').exists()).toBe(false);
    expect(wrapper.findAll('[data-testid=live-device-row]')).toHaveLength(1);
    wrapper.unmount();
  });
});
