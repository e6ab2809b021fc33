import type { IncomingCommand, NiceEndpoint, CommandResult } from '../core/nice/niceEndpoint';
import { NiceProtocolError } from '../core/nice/niceProtocolError';
import { isJsonObject } from '../core/nice/niceValidation';
import { parseSceneMode, type SceneMode } from '../core/nice/sceneMode';
import {
  DeviceQueryBody,
  NodeQueryBody,
  SetControlObjectBody,
  SetManagementObjectBody,
  SignalingBody,
  StartStreamingBody,
  StopStreamingBody,
  parseBody,
  type OpenControlSession,
  type StartStreamingBody as StartStreamingRequest,
} from './deviceBodies';
import type { NodeDefinition } from './deviceNodes';
import { StatusError } from './statusError';

/** What the command handlers need from the camera. */
export interface DeviceCommandHost {
  readonly deviceId: string;
  readonly nodes: readonly NodeDefinition[];
  manage(body: SetManagementObjectBody): Promise<'Bound' | 'Released'>;
  deviceStatus(): Record<string, unknown>;
  nodeStatus(node: NodeDefinition): Record<string, unknown>;
  capabilities(node: NodeDefinition): Record<string, unknown>;
  sceneMode(node: NodeDefinition): Record<string, unknown>;
  /** Applies a validated SceneMode; a string is the reason it is refused. */
  applySceneMode(node: NodeDefinition, mode: SceneMode): string | undefined;
  openSession(session: OpenControlSession, accessToken: string | undefined): void;
  closeSession(sessionId: string): Promise<void>;
  onSignal(source: string, body: SignalingBody): Promise<void>;
  /** Starts frames on the caller's session; throws NiceProtocolError / StatusError when it cannot. */
  startStreaming(caller: string, node: NodeDefinition, body: StartStreamingRequest): { trackId: string };
  stopStreaming(streamId: string): Promise<boolean>;
  warn(message: string): void;
}

const NIL_ID = '00000000-0000-0000-0000-000000000000';

/**
 * Registers every command of the profile's table that a device answers (NICE profile
 * "Entities and commands"): SetManagementObject, GetDeviceStatus, GetCapabilities, GetStatus,
 * SetSceneMode, GetSceneMode, StartStreaming, StopStreaming, SetControlObject and
 * WebRTCSignaling. Bodies are validated; a bad member is answered 400 naming it.
 */
export function registerDeviceCommands(endpoint: NiceEndpoint, host: DeviceCommandHost): void {
  const guarded =
    (handler: (command: IncomingCommand) => Promise<CommandResult> | CommandResult) =>
    async (command: IncomingCommand): Promise<CommandResult> => {
      try {
        return await handler(command);
      } catch (error) {
        if (error instanceof StatusError) return { status: error.status, message: error.message };
        throw error;
      }
    };
  const nodeOf = ({ path }: Pick<IncomingCommand, 'path'>): NodeDefinition => {
    const nodeId = path.kind === 'control' ? path.nodeId : '';
    const node = host.nodes.find((candidate) => candidate.nodeId === nodeId);
    if (!node) throw new StatusError(404, `this device has no node ${nodeId}`);
    return node;
  };
  const checkDevice = (deviceId: string | undefined): void => {
    if (deviceId !== undefined && deviceId !== host.deviceId) {
      throw new NiceProtocolError('MALFORMED', 'names another device', 'DeviceID');
    }
  };
  const checkNode = (node: NodeDefinition, nodeId: string | undefined): void => {
    if (nodeId !== undefined && nodeId !== node.nodeId) {
      throw new NiceProtocolError(
        'MALFORMED',
        `differs from the CommandType's node ${node.nodeId}`,
        'NodeID',
      );
    }
  };

  endpoint.handle(
    'SetManagementObject',
    guarded(async ({ body }) => {
      const request = parseBody(SetManagementObjectBody, body);
      checkDevice(request.DeviceID);
      const result = await host.manage(request);
      return { body: { Version: '1.0', DeviceID: host.deviceId, Result: result } };
    }),
  );

  endpoint.handle('GetDeviceStatus', ({ body }) => {
    checkDevice(parseBody(DeviceQueryBody, body).DeviceID);
    return { body: host.deviceStatus() };
  });

  endpoint.handle(
    'GetCapabilities',
    guarded((command) => {
      const node = nodeOf(command);
      checkNode(node, parseBody(NodeQueryBody, command.body).NodeID);
      return { body: host.capabilities(node) };
    }),
  );

  endpoint.handle(
    'GetStatus',
    guarded((command) => {
      const node = nodeOf(command);
      checkNode(node, parseBody(NodeQueryBody, command.body).NodeID);
      return { body: host.nodeStatus(node) };
    }),
  );

  endpoint.handle(
    'GetSceneMode',
    guarded((command) => {
      const node = nodeOf(command);
      checkNode(node, parseBody(NodeQueryBody, command.body).NodeID);
      return { body: host.sceneMode(node) };
    }),
  );

  endpoint.handle(
    'SetSceneMode',
    guarded((command) => {
      const node = nodeOf(command);
      const raw = isJsonObject(command.body) ? command.body : {};
      const rawId = typeof raw.SceneModeID === 'string' ? raw.SceneModeID.toLowerCase() : NIL_ID;
      const rejected = (reason: string, status: number): CommandResult => ({
        status,
        message: reason,
        body: {
          Version: '1.0',
          NodeID: node.nodeId,
          SceneModeID: /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/.test(rawId) ? rawId : NIL_ID,
          Status: 'Rejected',
          Reason: reason,
        },
      });
      let mode: SceneMode;
      try {
        mode = parseSceneMode(command.body);
      } catch (error) {
        if (error instanceof NiceProtocolError) return rejected(error.message, 400);
        throw error;
      }
      if (mode.NodeID !== node.nodeId) {
        return rejected(`NodeID: differs from the CommandType's node ${node.nodeId}`, 400);
      }
      const refusal = host.applySceneMode(node, mode);
      if (refusal !== undefined) return rejected(refusal, 400);
      return {
        body: { Version: '1.0', NodeID: node.nodeId, SceneModeID: mode.SceneModeID, Status: 'Applied' },
      };
    }),
  );

  endpoint.handle(
    'StartStreaming',
    guarded((command) => {
      const { body, request } = command;
      const node = nodeOf(command);
      const start = parseBody(StartStreamingBody, body);
      checkNode(node, start.NodeID);
      const { trackId } = host.startStreaming(request.SourceEndPointID, node, start);
      return {
        body: {
          Version: '1.0',
          StreamID: start.StreamID,
          Status: 'Started',
          Tracks: [{ TrackID: trackId, Kind: 'video' }],
        },
      };
    }),
  );

  endpoint.handle(
    'StopStreaming',
    guarded(async ({ body }) => {
      const stop = parseBody(StopStreamingBody, body);
      if (!(await host.stopStreaming(stop.StreamID))) {
        throw new StatusError(404, `no stream ${stop.StreamID} is running`);
      }
      return { body: { Version: '1.0', StreamID: stop.StreamID, Status: 'Stopped' } };
    }),
  );

  endpoint.handle(
    'SetControlObject',
    guarded(async ({ body }) => {
      const request = parseBody(SetControlObjectBody, body);
      checkDevice(request.DeviceID);
      const session = request.ControlSession;
      if (session.Action === 'Open') {
        host.openSession(session, request.AccessToken);
        return { body: { Version: '1.0', SessionID: session.SessionID, Result: 'Opening' } };
      }
      await host.closeSession(session.SessionID);
      return { body: { Version: '1.0', SessionID: session.SessionID, Result: 'Closed' } };
    }),
  );

  // One-way (no response, profile): a bad message is logged, never answered.
  endpoint.handle('WebRTCSignaling', async ({ body, request }) => {
    try {
      await host.onSignal(request.SourceEndPointID, parseBody(SignalingBody, body));
    } catch (error) {
      host.warn(`WebRTCSignaling from ${request.SourceEndPointID} dropped: ${describe(error)}`);
    }
    return { noResponse: true };
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
