import { formatDateTimeStamp } from '../core/nice/dateTimeStamp';
import { SIMULATOR_FIRMWARE, type NodeDefinition } from './deviceNodes';
import type { ResourceSample } from './resourceSampler';

/** A node's live figures, as GetDeviceStatus and GetStatus report them. */
export interface NodeFigures {
  node: NodeDefinition;
  status: 'Connected' | 'Disconnected' | 'Error';
  /** Frames per second the node delivered over the last second. */
  fps: number;
  sceneModeId: string;
  streaming: boolean;
  activeSessions: string[];
}

/** One NodeList element (profile GetDeviceStatus). */
function nodeListElement(figures: NodeFigures): Record<string, unknown> {
  return {
    NodeID: figures.node.nodeId,
    Status: figures.status,
    Fps: figures.fps,
    SceneModeID: figures.sceneModeId,
  };
}

/** GetDeviceStatus answer (profile "Device and node queries"). */
export function deviceStatusBody(input: {
  deviceId: string;
  uptimeSec: number;
  resources: ResourceSample;
  nodes: NodeFigures[];
  now: Date;
}): Record<string, unknown> {
  return {
    Version: '1.0',
    DeviceID: input.deviceId,
    FirmwareVersion: SIMULATOR_FIRMWARE,
    ReportTime: formatDateTimeStamp(input.now),
    Uptime: Math.floor(input.uptimeSec),
    Resources: {
      CPU: [{ Usage: [input.resources.cpuPercent] }],
      Memory: { Total: input.resources.memoryTotalBytes, Used: input.resources.memoryUsedBytes },
    },
    NodeList: input.nodes.map(nodeListElement),
  };
}

/** GetStatus answer: the node's NodeList element plus streaming state and sessions. */
export function nodeStatusBody(figures: NodeFigures): Record<string, unknown> {
  return {
    Version: '1.0',
    ...nodeListElement(figures),
    Streaming: figures.streaming,
    ActiveSessions: figures.activeSessions,
  };
}

/** GetCapabilities answer (profile "Device and node queries"). */
export function capabilitiesBody(
  node: NodeDefinition,
  frameRates: readonly number[],
  resolutions: readonly { Width: number; Height: number }[],
): Record<string, unknown> {
  const outputs: Record<string, unknown>[] = [];
  if (node.videoPortId) {
    outputs.push({
      PortID: node.videoPortId,
      Type: 'Video',
      Resolutions: resolutions,
      MediaFormats: ['VP8'],
      FrameRates: frameRates,
    });
  }
  outputs.push({
    PortID: node.sceneMarkPortId,
    Type: 'SceneMark',
    Resolutions: [],
    MediaFormats: ['JSON', 'JPEG'],
    FrameRates: [],
  });
  return {
    Version: '1.0',
    NodeID: node.nodeId,
    Outputs: outputs,
    AnalysisStages: ['Detect'],
    NICEItemTypes: node.itemTypes,
    EventTypes: ['ItemPresence', 'RegionOfInterest'],
    Transports: ['MQTT', 'WebAPI', 'WebRTC'],
    Encryption: { SceneMarkJWE: ['ECDH-ES+A256KW/A256GCM'] },
  };
}
