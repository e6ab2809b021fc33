import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { installBridge } from '../../../../src-renderer/src/bridge/bridge';
import SceneMarksDetail from '../../../../src-renderer/src/features/sceneMarks/SceneMarksDetail.vue';
import { useDeviceDirectoryStore } from '../../../../src-renderer/src/features/devices/useDeviceDirectoryStore';
import type { GetSceneMarkResponse } from '../../../../src-shared/contract/sceneMarksContract';
import type { SessionHistoryRow } from '../../../../src-shared/contract/sessionHistoryContract';
import { FakeBridge } from '../../fakeBridge';
import { testRouter } from '../../testRouter';

const device = 'aaaaaaaa-0000-4000-8000-000000000001';
const timeMs = Date.UTC(2026, 11, 8, 9);

const detail: GetSceneMarkResponse = {
  sceneMark: {
    sceneMarkId: 'SMK_1',
    timeMs,
    deviceId: device,
    nodeId: '0001',
    portId: '0001',
    eventType: 'ItemPresence',
    status: 'Active',
    itemTypes: ['Human', 'Vehicle'],
    highestProbability: 0.9,
    revision: 1,
    source: 'mqtt:p1',
  } as GetSceneMarkResponse['sceneMark'],
  objects: [
    { ordinal: 0, itemType: 'Human', probability: 0.9, box: { x: 0.1, y: 0.2, width: 0.3, height: 0.4 } },
    { ordinal: 1, itemType: 'Vehicle', probability: null, box: null },
  ],
  originalText: '{"SceneMarkID":"SMK_1"}',
  sceneData: [
    {
      sceneDataId: 'SDT_1',
      listed: null,
      thumbnail: true,
      stored: null,
      dataUrl: 'data:image/png;base64,iVBORw0KGgo=',
    } as GetSceneMarkResponse['sceneData'][number],
  ],
};

const session: SessionHistoryRow = {
  sessionId: 's1',
  kind: 'control',
  peer: device,
  startedMs: timeMs - 60_000,
  endedMs: null,
  outcome: null,
  durationMs: null,
  reason: null,
  nodeId: '0001',
  streamed: null,
};

describe('SceneMarksDetail', () => {
  beforeEach(() => {
    installBridge(
      new FakeBridge().respond('devices:listDevices', () => ({
        ok: true,
        value: {
          devices: [
            {
              deviceId: device,
              name: 'CAM 01 Lobby',
              operatorName: null,
              siteName: 'CAM 01 Lobby',
              binding: 'bound',
              online: true,
              lastSeenMs: timeMs,
              nodes: ['0001'],
            },
          ],
        },
      })),
    );
    setActivePinia(createPinia());
  });

  async function mountDetail(props: Partial<{ session: SessionHistoryRow | undefined }> = {}) {
    await useDeviceDirectoryStore().load();
    const wrapper = mount(SceneMarksDetail, {
      props: { detail, session: undefined, timeDisplay: 'utc', ...props },
      global: { plugins: [testRouter()] },
      attachTo: document.body,
    });
    await flushPromises();
    return wrapper;
  }

  it('draws each boxed object on the thumbnail with its label', async () => {
    const wrapper = await mountDetail();
    const boxes = [...document.querySelectorAll<HTMLElement>('[data-testid=scenemark-box]')];
    expect(boxes).toHaveLength(1);
    expect(boxes[0]?.style.left).toBe('10%');
    expect(boxes[0]?.style.top).toBe('20%');
    expect(boxes[0]?.style.width).toBe('30%');
    expect(boxes[0]?.style.height).toBe('40%');
    expect(boxes[0]?.textContent).toBe('Human 90 %');
    wrapper.unmount();
  });

  it('links to the device, its live view and the session that holds the SceneMark', async () => {
    const wrapper = await mountDetail({ session });
    const href = (id: string) => document.querySelector(`[data-testid=${id}]`)?.getAttribute('href');
    expect(href('scenemark-device-link')).toBe(`/devices?deviceId=${device}`);
    expect(href('scenemark-live-link')).toBe(`/live?deviceId=${device}`);
    expect(href('scenemark-session-link')).toBe(`/sessions?peer=${device}`);
    expect(document.querySelector('[data-testid=scenemark-session]')?.textContent).toContain('(open)');
    wrapper.unmount();
  });

  it('says when no recorded session holds it', async () => {
    const wrapper = await mountDetail();
    expect(document.querySelector('[data-testid=scenemark-session]')?.textContent).toContain(
      'No recorded session with this device holds this time.',
    );
    wrapper.unmount();
  });
});
