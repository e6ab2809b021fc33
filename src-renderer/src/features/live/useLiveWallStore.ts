import { defineStore } from 'pinia';
import { computed, onScopeDispose, reactive, ref, watch } from 'vue';
import type { DirectoryDevice } from '../../../../src-shared/contract/devicesContract';
import type { ErrorCode } from '../../../../src-shared/contract/result';
import type { LiveWallLayout } from '../../../../src-shared/contract/settingsContract';
import { useDeviceDirectoryStore } from '../devices/useDeviceDirectoryStore';
import { useSettingsStore } from '../settings/useSettingsStore';
import {
  columnsOf,
  moveSelection,
  nextLayout,
  pageCount,
  pageItems,
  tilesPerPage,
  type GridMove,
} from './liveWallLayout';
import { isLive, liveWallTileState, STALL_MS, type LiveWallTileState } from './liveWallTileState';
import { reconnectDelayMs, type BackoffPolicy, defaultBackoff } from './reconnectBackoff';
import { useCameraSessionsStore, type StreamWish } from './useCameraSessionsStore';

/** A tile's bookkeeping: its session, and its failures since it was last live. */
interface TileRuntime {
  deviceId: string;
  nodeId: string;
  sessionId: string | null;
  opening: boolean;
  failures: number;
  nextTryAtMs: number | null;
  timer: ReturnType<typeof setTimeout> | undefined;
  lastReason: string | null;
  error: string | null;
  /** When the current attempt opened or the stream was last resumed: frames are due from then. */
  waitingSinceMs: number;
  /** The stream is stopped because nobody sees the tile. */
  paused: boolean;
  /** Since when the peer connection is `disconnected` (it may come back by itself briefly). */
  disconnectedSinceMs: number | null;
}

/** One tile on the page, for the view. */
export interface LiveWallTile {
  deviceId: string;
  nodeId: string;
  name: string;
  online: boolean | null;
  sessionId: string | null;
  state: LiveWallTileState;
}

/** Options of {@link useLiveWallStore}'s `start`. */
export interface LiveWallOptions {
  backoff?: BackoffPolicy;
  /** How long a new attempt may take to show its first frame before it counts as failed. */
  firstFrameTimeoutMs?: number;
  /** How long a `disconnected` peer connection is given to come back by itself. */
  disconnectedGraceMs?: number;
  /** How often tiles check their health and countdowns refresh. */
  tickMs?: number;
}

/** Failures retrying cannot mend: the request itself is wrong or the device is unknown. */
const permanentCodes: readonly ErrorCode[] = ['INVALID_REQUEST', 'NOT_FOUND', 'UNKNOWN_CHANNEL'];
const reasonMaxChars = 256;

/** The NodeID a tile opens: the device's first listed node, `0001` when it lists none. */
export function nodeOf(device: Pick<DirectoryDevice, 'nodes'>): string {
  return device.nodes.find((node) => /^[0-9a-fA-F]{4}$/.test(node)) ?? '0001';
}

/**
 * The Live wall: every bound camera of the directory on pages of the saved layout; each tile on
 * the current page holds its own control session and peer connection, reconnects by itself with
 * capped exponential backoff, asks for the small stream in the grid and the large one when
 * enlarged or fullscreen, and stops its stream while out of view (another tile fills the wall,
 * the window is hidden). Tiles on other pages hold no session at all.
 */
export const useLiveWallStore = defineStore('liveWall', () => {
  const sessions = useCameraSessionsStore();
  const directory = useDeviceDirectoryStore();
  const settings = useSettingsStore();

  /** The layout chosen here before main confirmed it; main's setting otherwise. */
  const chosenLayout = ref<LiveWallLayout>();
  const layout = computed<LiveWallLayout>(
    () => chosenLayout.value ?? settings.settings?.liveWallLayout ?? '2x2',
  );
  const layoutError = ref<string>();
  const page = ref(0);
  const selected = ref(0);
  const enlargedId = ref<string | null>(null);
  const fullscreenId = ref<string | null>(null);
  const documentHidden = ref(false);
  const helpOpen = ref(false);
  const nowMs = ref(Date.now());
  const tiles = reactive(new Map<string, TileRuntime>());

  let started = false;
  let backoff = defaultBackoff;
  let firstFrameTimeoutMs = 30_000;
  let disconnectedGraceMs = 2000;
  let ticker: ReturnType<typeof setInterval> | undefined;
  const releases: Array<() => void> = [];

  const cameras = computed(() => directory.devices.filter((device) => device.binding === 'bound'));
  const pages = computed(() => pageCount(cameras.value.length, layout.value));
  const pageCameras = computed(() => pageItems(cameras.value, layout.value, page.value));
  const columns = computed(() => columnsOf(layout.value));
  /** The tile that fills the wall: fullscreen first, else enlarged. */
  const focusId = computed(() => fullscreenId.value ?? enlargedId.value);

  function wishFor(deviceId: string): StreamWish {
    const focus = focusId.value;
    return {
      paused: documentHidden.value || (focus !== null && focus !== deviceId),
      size: focus === deviceId || layout.value === '1x1' ? 'large' : 'small',
    };
  }

  const pageTiles = computed<LiveWallTile[]>(() =>
    pageCameras.value.map((device) => {
      const runtime = tiles.get(device.deviceId);
      const view = runtime?.sessionId ? sessions.viewOf(runtime.sessionId) : undefined;
      return {
        deviceId: device.deviceId,
        nodeId: nodeOf(device),
        name: directory.label(device.deviceId),
        online: device.online,
        sessionId: runtime?.sessionId ?? null,
        state: liveWallTileState({
          online: device.online,
          lastSeenMs: device.lastSeenMs,
          view,
          failures: runtime?.failures ?? 0,
          nextTryAtMs: runtime?.nextTryAtMs ?? null,
          lastReason: runtime?.lastReason ?? null,
          error: runtime?.error ?? null,
          paused: wishFor(device.deviceId).paused,
          nowMs: nowMs.value,
        }),
      };
    }),
  );

  // ---- tiles and their sessions ----

  function closeSession(sessionId: string, reason: string): void {
    const close = sessions.isActive(sessionId)
      ? sessions.close(sessionId, reason.slice(0, reasonMaxChars))
      : Promise.resolve();
    void close.finally(() => sessions.forget(sessionId));
  }

  function release(runtime: TileRuntime, reason: string): void {
    clearTimeout(runtime.timer);
    runtime.timer = undefined;
    runtime.nextTryAtMs = null;
    runtime.disconnectedSinceMs = null;
    if (runtime.sessionId) closeSession(runtime.sessionId, reason);
    runtime.sessionId = null;
  }

  async function connect(runtime: TileRuntime): Promise<void> {
    runtime.opening = true;
    runtime.waitingSinceMs = Date.now();
    runtime.paused = wishFor(runtime.deviceId).paused;
    const outcome = await sessions.open(runtime.deviceId, runtime.nodeId, wishFor(runtime.deviceId));
    runtime.opening = false;
    if (tiles.get(runtime.deviceId) !== runtime || !started) {
      // The tile left the page (or the wall closed) while main was opening its session.
      if (outcome.ok) closeSession(outcome.value.sessionId, 'the tile left the wall');
      return;
    }
    if (!outcome.ok) {
      fail(runtime, outcome.error.message, permanentCodes.includes(outcome.error.code));
      return;
    }
    runtime.sessionId = outcome.value.sessionId;
  }

  /** A failed attempt or a lost session: close what is left and try again after the backoff. */
  function fail(runtime: TileRuntime, reason: string, permanent = false): void {
    release(runtime, reason);
    runtime.lastReason = reason;
    if (permanent) {
      runtime.error = reason;
      return;
    }
    runtime.failures += 1;
    const delay = reconnectDelayMs(runtime.failures, backoff);
    runtime.nextTryAtMs = Date.now() + delay;
    runtime.timer = setTimeout(() => {
      runtime.timer = undefined;
      runtime.nextTryAtMs = null;
      // An offline camera is not called: `reconcile` tries as soon as the directory sees it back.
      if (started && tiles.get(runtime.deviceId) === runtime) reconcile();
    }, delay);
  }

  /** Opens sessions for the page's tiles, closes those of tiles that left, passes stream wishes. */
  function reconcile(): void {
    if (!started) return;
    const onPage = new Map(pageCameras.value.map((device) => [device.deviceId, device]));
    for (const [deviceId, runtime] of tiles) {
      if (onPage.has(deviceId)) continue;
      release(runtime, 'the tile left the wall');
      tiles.delete(deviceId);
    }
    for (const device of onPage.values()) {
      let runtime = tiles.get(device.deviceId);
      if (!runtime) {
        runtime = {
          deviceId: device.deviceId,
          nodeId: nodeOf(device),
          sessionId: null,
          opening: false,
          failures: 0,
          nextTryAtMs: null,
          timer: undefined,
          lastReason: null,
          error: null,
          waitingSinceMs: Date.now(),
          paused: false,
          disconnectedSinceMs: null,
        };
        tiles.set(device.deviceId, runtime);
        runtime = tiles.get(device.deviceId) as TileRuntime;
      }
      if (runtime.sessionId) {
        const wish = wishFor(device.deviceId);
        // Frames are due again from the moment a paused stream is resumed.
        if (runtime.paused && !wish.paused) runtime.waitingSinceMs = Date.now();
        runtime.paused = wish.paused;
        sessions.wishStream(runtime.sessionId, wish);
      } else if (!runtime.opening && !runtime.timer && !runtime.error && device.online !== false) {
        void connect(runtime);
      }
    }
  }

  /** Once a tick: notices lost sessions, failed or lingering peer connections and stalled video. */
  function checkHealth(): void {
    const now = Date.now();
    nowMs.value = now;
    for (const runtime of tiles.values()) {
      const sessionId = runtime.sessionId;
      if (!sessionId) continue;
      const view = sessions.viewOf(sessionId);
      if (!view) {
        fail(runtime, 'the session was lost');
        continue;
      }
      const state = view.session.state;
      if (state === 'failed' || state === 'closed') {
        fail(runtime, view.lastError ?? view.session.reason ?? `the session ${state}`);
        continue;
      }
      if (view.peerState === 'failed') {
        fail(runtime, 'the WebRTC connection failed (ICE or DTLS)');
        continue;
      }
      if (view.peerState === 'disconnected') {
        runtime.disconnectedSinceMs ??= now;
        if (now - runtime.disconnectedSinceMs >= disconnectedGraceMs) {
          fail(runtime, 'the WebRTC connection was lost (disconnected)');
          continue;
        }
      } else {
        runtime.disconnectedSinceMs = null;
      }
      if (wishFor(runtime.deviceId).paused) continue;
      if (isLive(view, now)) {
        runtime.failures = 0;
        runtime.lastReason = null;
        continue;
      }
      const advanced = view.framesAdvancedAtMs ?? 0;
      if (advanced > runtime.waitingSinceMs) {
        fail(runtime, `no video frame for ${Math.round(STALL_MS / 1000)} s`);
      } else if (now - runtime.waitingSinceMs > firstFrameTimeoutMs) {
        fail(
          runtime,
          view.lastError ?? `no video within ${Math.round(firstFrameTimeoutMs / 1000)} s (${state})`,
        );
      }
    }
  }

  // ---- operator actions ----

  function clampPage(): void {
    page.value = Math.min(page.value, pages.value - 1);
    selected.value = Math.min(selected.value, Math.max(0, pageCameras.value.length - 1));
  }

  /** Switches the grid and saves it, so a reload or restart comes back to it. */
  async function setLayout(next: LiveWallLayout): Promise<void> {
    const firstShown = page.value * tilesPerPage(layout.value) + selected.value;
    chosenLayout.value = next;
    // Keep the selected camera in view: the page that holds it in the new grid.
    const perPage = tilesPerPage(next);
    page.value = Math.floor(firstShown / perPage);
    selected.value = firstShown % perPage;
    enlargedId.value = null;
    clampPage();
    const saved = await settings.update({ liveWallLayout: next });
    layoutError.value = saved ? undefined : `The layout was not saved: ${settings.error ?? 'unknown error'}`;
    if (saved) chosenLayout.value = undefined;
  }

  function cycleLayout(): Promise<void> {
    return setLayout(nextLayout(layout.value));
  }

  function goToPage(next: number): void {
    if (next < 0 || next >= pages.value || next === page.value) return;
    page.value = next;
    selected.value = 0;
    enlargedId.value = null;
  }

  /** Shows the page that holds a camera and selects its tile. */
  function reveal(deviceId: string): void {
    const index = cameras.value.findIndex((device) => device.deviceId === deviceId);
    if (index < 0) return;
    const perPage = tilesPerPage(layout.value);
    goToPage(Math.floor(index / perPage));
    selected.value = index % perPage;
  }

  function select(index: number): void {
    if (index >= 0 && index < pageCameras.value.length) selected.value = index;
  }

  function moveBy(move: GridMove): void {
    selected.value = moveSelection(selected.value, move, columns.value, pageCameras.value.length);
  }

  const selectedId = computed(() => pageCameras.value[selected.value]?.deviceId ?? null);

  /** Double-click: the tile fills the wall with the large stream; again to go back. */
  function toggleEnlarged(deviceId: string): void {
    const index = pageCameras.value.findIndex((device) => device.deviceId === deviceId);
    if (index >= 0) selected.value = index;
    enlargedId.value = enlargedId.value === deviceId ? null : deviceId;
  }

  /** Esc: closes the help, else leaves the enlarged tile. Fullscreen the browser leaves itself. */
  function back(): void {
    if (helpOpen.value) helpOpen.value = false;
    else enlargedId.value = null;
  }

  /** A tile's element entered or left fullscreen (the `fullscreenchange` event). */
  function setFullscreen(deviceId: string | null): void {
    fullscreenId.value = deviceId;
  }

  /** Tries an errored tile again (an error is what retrying by itself would not mend). */
  function retry(deviceId: string): void {
    const runtime = tiles.get(deviceId);
    if (!runtime) return;
    runtime.error = null;
    runtime.failures = 0;
    reconcile();
  }

  // ---- lifecycle ----

  function onVisibility(): void {
    documentHidden.value = document.visibilityState === 'hidden';
  }

  /** Starts the wall: sessions for the page's tiles, the health tick, visibility tracking. */
  function start(options: LiveWallOptions = {}): void {
    if (started) return;
    started = true;
    backoff = options.backoff ?? defaultBackoff;
    firstFrameTimeoutMs = options.firstFrameTimeoutMs ?? 30_000;
    disconnectedGraceMs = options.disconnectedGraceMs ?? 2000;
    sessions.start();
    onVisibility();
    document.addEventListener('visibilitychange', onVisibility);
    releases.push(() => document.removeEventListener('visibilitychange', onVisibility));
    ticker = setInterval(checkHealth, options.tickMs ?? 1000);
    releases.push(
      watch(
        [
          () => pageCameras.value.map((device) => `${device.deviceId}:${String(device.online)}`).join(),
          documentHidden,
          focusId,
          layout,
        ],
        () => {
          clampPage();
          reconcile();
        },
        { immediate: true },
      ),
    );
  }

  /** Closes every tile's session and releases timers and listeners. */
  function stop(): void {
    if (!started) return;
    started = false;
    clearInterval(ticker);
    ticker = undefined;
    for (const stopWatching of releases.splice(0)) stopWatching();
    for (const runtime of tiles.values()) release(runtime, 'the live wall was closed');
    tiles.clear();
    enlargedId.value = null;
    fullscreenId.value = null;
    helpOpen.value = false;
  }

  onScopeDispose(stop);

  return {
    layout,
    layoutError,
    page,
    pages,
    columns,
    cameras,
    pageTiles,
    selected,
    selectedId,
    enlargedId,
    fullscreenId,
    focusId,
    documentHidden,
    helpOpen,
    nowMs,
    start,
    stop,
    setLayout,
    cycleLayout,
    goToPage,
    reveal,
    select,
    moveBy,
    toggleEnlarged,
    back,
    setFullscreen,
    retry,
    wishFor,
  };
});
