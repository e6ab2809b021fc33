import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import { consoleSections } from './features/sections';
import PendingSectionPage from './features/pending/PendingSectionPage.vue';
import AlertsPage from './features/alerts/AlertsPage.vue';
import ConnectionsPage from './features/connections/ConnectionsPage.vue';
import DevicesPage from './features/devices/DevicesPage.vue';
import LivePage from './features/live/LivePage.vue';
import SceneMarksPage from './features/sceneMarks/SceneMarksPage.vue';
import SessionsPage from './features/sessions/SessionsPage.vue';
import SettingsPage from './features/settings/SettingsPage.vue';

const views: Record<string, RouteRecordRaw['component']> = {
  alerts: AlertsPage,
  connections: ConnectionsPage,
  devices: DevicesPage,
  liveWall: LivePage,
  sceneMarks: SceneMarksPage,
  sessions: SessionsPage,
  settings: SettingsPage,
};

/**
 * Hash history: the same URLs work from Electron's file:// page and the web shell, and no
 * server-side fallback route is needed.
 */
export function createConsoleRouter() {
  return createRouter({
    history: createWebHashHistory(),
    routes: [
      { path: '/', redirect: '/live' },
      ...consoleSections.map((section) => ({
        path: section.path,
        name: section.name,
        component: views[section.name] ?? PendingSectionPage,
        meta: { title: section.title },
      })),
      { path: '/:unknown(.*)*', redirect: '/live' },
    ],
  });
}
