import type { SceneItemType } from './scene/sceneModel';

/** One node of a simulated camera: what it analyses and which ports it has. */
export interface NodeDefinition {
  nodeId: string;
  /** The Video output port, when the node streams (v0.9 §9.5). */
  videoPortId?: string;
  /** The port its SceneMarks leave on. */
  sceneMarkPortId: string;
  /** Item types the node's detector reports. */
  itemTypes: readonly SceneItemType[];
  description: string;
}

/** Firmware version the cameras report (GetDeviceStatus). */
export const SIMULATOR_FIRMWARE = 'nice-console-simulator 1.0.0';

/**
 * The nodes of every simulated camera: `0001` is the camera with its video and a people and
 * vehicle detector; `0002` is a second analysis node on the same sensor that counts vehicles,
 * so the console sees a device with more than one node.
 */
export const CAMERA_NODES: readonly NodeDefinition[] = [
  {
    nodeId: '0001',
    videoPortId: '0001',
    sceneMarkPortId: '0002',
    itemTypes: ['Human', 'Vehicle'],
    description: 'People and vehicle detection',
  },
  { nodeId: '0002', sceneMarkPortId: '0002', itemTypes: ['Vehicle'], description: 'Vehicle counting' },
];

/** Frame sizes the video port offers (GetCapabilities); StartStreaming may ask for any of them. */
export const VIDEO_RESOLUTIONS: readonly { Width: number; Height: number }[] = [
  { Width: 320, Height: 180 },
  { Width: 640, Height: 360 },
  { Width: 960, Height: 540 },
  { Width: 1280, Height: 720 },
];
