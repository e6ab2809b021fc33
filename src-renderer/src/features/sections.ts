import {
  Bell,
  Clock,
  Connection,
  Monitor,
  Setting,
  Tickets,
  VideoCamera,
  VideoPlay,
} from '@element-plus/icons-vue';
import type { Component } from 'vue';

/** One section of the console, as the navigation and the router know it. */
export interface ConsoleSection {
  name: string;
  path: string;
  title: string;
  icon: Component;
  /** One line under the page title saying what the section is for. */
  summary: string;
  /** Set while the section is not built: what it needs first and what it will do. */
  pending?: { needs: string; planned: string[] };
}

/** The console's sections in navigation order. */
export const consoleSections: readonly ConsoleSection[] = [
  {
    name: 'liveWall',
    path: '/live',
    title: 'Live wall',
    icon: Monitor,
    summary: 'Every bound camera live over WebRTC, each tile its own session; press ? for the keys.',
  },
  {
    name: 'devices',
    path: '/devices',
    title: 'Devices',
    icon: VideoCamera,
    summary: 'NICE devices, their nodes and ports, status, capabilities and SceneModes.',
  },
  {
    name: 'sceneMarks',
    path: '/scenemarks',
    title: 'SceneMarks',
    icon: Tickets,
    summary: 'Search what the cameras reported, inspect detections and export evidence.',
  },
  {
    name: 'alerts',
    path: '/alerts',
    title: 'Alerts',
    icon: Bell,
    summary:
      'Rules that call you when a camera reports what you are waiting for, and the alerts they raised.',
  },
  {
    name: 'sessions',
    path: '/sessions',
    title: 'Sessions',
    icon: Clock,
    summary:
      'History of the camera sessions this console opened and how they ended; the command audit log comes later.',
  },
  {
    name: 'webcast',
    path: '/webcast',
    title: 'Webcast',
    icon: VideoPlay,
    summary: 'Direct live webcasts over WHISP: pull, switch, merge and hand over channels.',
    pending: {
      needs: 'the WHISP client and a media gateway',
      planned: [
        'pull a stream into a channel and switch what a channel shows',
        'merge two streams by a layout template',
        'let a new publisher session take a channel over',
      ],
    },
  },
  {
    name: 'connections',
    path: '/connections',
    title: 'Connections',
    icon: Connection,
    summary: 'MQTT brokers, NICE account services and the embedded local site.',
  },
  {
    name: 'settings',
    path: '/settings',
    title: 'Settings',
    icon: Setting,
    summary: 'Appearance, time display, diagnostics and what this console is running on.',
  },
];
