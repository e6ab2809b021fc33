import { NICE_PATH_VERSION, isEndPointId, parseEndPointId, parseNodeId, parsePortId } from './endPointId';
import { NiceProtocolError } from './niceProtocolError';

/**
 * The schemes a Destination ID may carry (v0.9 §3 names mqtt, webrtc, https and local; the
 * profile adds mqtts and MQTT over WebSocket, ws and wss, which v0.9 §8.1 requires).
 */
export const DESTINATION_SCHEMES = ['mqtt', 'mqtts', 'ws', 'wss', 'https', 'webrtc', 'local'] as const;

/** One of the Destination ID schemes (v0.9 §3 [Scheme]). */
export type DestinationScheme = (typeof DESTINATION_SCHEMES)[number];

/** The three interfaces of a NICE entity (v0.9 §2) as they appear in a path. */
export type NiceInterface = 'management' | 'control' | 'data';

/**
 * The [Path] of a Destination ID without its VERSION (always emitted as `1`), one variant per
 * row of the v0.9 §3 table. `controlChannel` is the WebRTC control DataChannel label
 * `/{V}/{EndPointID}/control` (v0.9 §3, §9.3), which has neither NodeID nor API.
 */
export type DestinationPath =
  | { kind: 'management'; endPointId: string; api: string }
  | { kind: 'control'; endPointId: string; nodeId: string; api: string }
  | { kind: 'controlChannel'; endPointId: string }
  | { kind: 'data'; endPointId: string; nodeId: string; portId: string };

/** A parsed Destination ID, `[Scheme][Authority][Path]` (v0.9 §3); authority is '' for webrtc. */
export interface DestinationId {
  scheme: DestinationScheme;
  authority: string;
  path: DestinationPath;
}

/** Maximum length of a CommandType (v0.9 §4.1: String, 128 max). */
export const COMMAND_TYPE_MAX_LENGTH = 128;

/** API names: an identifier, so they can never carry MQTT wildcards or path separators. */
const API_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/** Host names, IPv4 and bracketed IPv6 literals, with an optional port; no userinfo. */
const AUTHORITY =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62}))*|\[[0-9A-Fa-f:.]{2,45}\])(?::(\d{1,5}))?$/;
const MAX_DESTINATION_LENGTH = 2048;

function fail(field: string, message: string): never {
  throw new NiceProtocolError('MALFORMED', message, field);
}

/** Parses an API name (v0.9 §3 [API_NAME]); throws NiceProtocolError('MALFORMED') naming `field`. */
export function parseApiName(value: unknown, field = 'API'): string {
  if (typeof value !== 'string' || !API_NAME.test(value)) {
    fail(field, 'expected an API name (a letter then up to 63 letters, digits or underscores)');
  }
  return value;
}

/** Builds the management path `/{V}/{EndPointID}/management/{API}` (v0.9 §3), normalised. */
export function managementPath(
  endPointId: string,
  api: string,
): Extract<DestinationPath, { kind: 'management' }> {
  return { kind: 'management', endPointId: parseEndPointId(endPointId), api: parseApiName(api) };
}

/** Builds the control path `/{V}/{EndPointID}/control/{NodeID}/{API}` (v0.9 §3), normalised. */
export function controlPath(
  endPointId: string,
  nodeId: string,
  api: string,
): Extract<DestinationPath, { kind: 'control' }> {
  return {
    kind: 'control',
    endPointId: parseEndPointId(endPointId),
    nodeId: parseNodeId(nodeId),
    api: parseApiName(api),
  };
}

/** Builds the WebRTC control DataChannel path `/{V}/{EndPointID}/control` (v0.9 §3, §9.3). */
export function controlChannelPath(endPointId: string): Extract<DestinationPath, { kind: 'controlChannel' }> {
  return { kind: 'controlChannel', endPointId: parseEndPointId(endPointId) };
}

/** Builds the data path `/{V}/{EndPointID}/data/{NodeID}/{PortID}` (v0.9 §3), normalised. */
export function dataPath(
  endPointId: string,
  nodeId: string,
  portId: string,
): Extract<DestinationPath, { kind: 'data' }> {
  return {
    kind: 'data',
    endPointId: parseEndPointId(endPointId),
    nodeId: parseNodeId(nodeId),
    portId: parsePortId(portId),
  };
}

/** Parses path segments (no leading slash) into a DestinationPath, accepting VERSION `1.0`. */
function parseSegments(text: string, field: string): DestinationPath {
  const segments = text.split('/');
  const [version, endPointId, iface] = segments;
  if (segments.length < 3 || version === undefined || endPointId === undefined) {
    fail(field, 'expected {VERSION}/{EndPointID}/{interface}/…');
  }
  // Predicates rather than the throwing parsers: this runs on every message and error path.
  if (version !== '1' && version !== '1.0') fail(field, "VERSION must be '1' (or '1.0')");
  if (!isEndPointId(endPointId)) fail(field, 'the EndPointID element is not 8-4-4-4-12 hex digits');
  const id = endPointId.toLowerCase();
  const rest = segments.slice(3);
  const need = (count: number, shape: string): void => {
    if (rest.length !== count) fail(field, `a ${iface} path is ${shape}`);
  };
  const nodeOf = (value: string | undefined, name: string): string => {
    if (value === undefined || !/^[0-9a-fA-F]{4}$/.test(value))
      fail(field, `${name} must be four hex digits`);
    return value.toLowerCase();
  };
  const apiOf = (value: string | undefined): string => {
    if (value === undefined || !API_NAME.test(value)) fail(field, 'the API element is not a valid API name');
    return value;
  };
  switch (iface) {
    case 'management':
      need(1, '{V}/{EndPointID}/management/{API}');
      return { kind: 'management', endPointId: id, api: apiOf(rest[0]) };
    case 'control':
      if (rest.length === 0) return { kind: 'controlChannel', endPointId: id };
      need(2, '{V}/{EndPointID}/control/{NodeID}/{API}');
      return { kind: 'control', endPointId: id, nodeId: nodeOf(rest[0], 'NodeID'), api: apiOf(rest[1]) };
    case 'data':
      need(2, '{V}/{EndPointID}/data/{NodeID}/{PortID}');
      return {
        kind: 'data',
        endPointId: id,
        nodeId: nodeOf(rest[0], 'NodeID'),
        portId: nodeOf(rest[1], 'PortID'),
      };
    default:
      fail(field, "the interface must be 'management', 'control' or 'data'");
  }
}

function requireString(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string') fail(field, 'expected a string');
  if (value.length > max) fail(field, `longer than ${max} characters`);
  return value;
}

/**
 * Parses a Destination ID path with its leading slash (`/1/{id}/management/GetDeviceStatus`,
 * v0.9 §3); accepts VERSION `1.0` and uppercase hex; throws NiceProtocolError naming `field`.
 */
export function parseDestinationPath(path: unknown, field = 'DestinationID'): DestinationPath {
  const text = requireString(path, field, MAX_DESTINATION_LENGTH);
  if (!text.startsWith('/')) fail(field, "a Destination ID path starts with '/'");
  return parseSegments(text.slice(1), field);
}

/** Formats a path in its canonical Destination ID form, with the leading slash (v0.9 §3). */
export function formatDestinationPath(path: DestinationPath): string {
  return `/${formatMqttTopic(path)}`;
}

/**
 * Formats the MQTT topic of a path: the path without its leading slash (v0.9 §3, §8.3), e.g.
 * `1/{id}/control/0001/GetStatus`.
 */
export function formatMqttTopic(path: DestinationPath): string {
  const head = `${NICE_PATH_VERSION}/${path.endPointId}`;
  switch (path.kind) {
    case 'management':
      return `${head}/management/${path.api}`;
    case 'control':
      return `${head}/control/${path.nodeId}/${path.api}`;
    case 'controlChannel':
      return `${head}/control`;
    case 'data':
      return `${head}/data/${path.nodeId}/${path.portId}`;
  }
}

/** Parses an MQTT topic (a path without the leading slash, v0.9 §3) into a DestinationPath. */
export function parseMqttTopic(topic: unknown, field = 'topic'): DestinationPath {
  const text = requireString(topic, field, MAX_DESTINATION_LENGTH);
  return parseSegments(text, field);
}

/**
 * Formats a DataChannel label (v0.9 §3, §9.3–9.4): the path without its leading slash; only the
 * control channel and data paths name DataChannels.
 */
export function formatDataChannelLabel(path: DestinationPath & { kind: 'controlChannel' | 'data' }): string {
  return formatMqttTopic(path);
}

/** Parses a DataChannel label (`1/{id}/control` or `1/{id}/data/{NodeID}/{PortID}`, v0.9 §3). */
export function parseDataChannelLabel(
  label: unknown,
  field = 'label',
): DestinationPath & { kind: 'controlChannel' | 'data' } {
  const path = parseMqttTopic(label, field);
  if (path.kind !== 'controlChannel' && path.kind !== 'data') {
    fail(field, 'a DataChannel label names the control channel or a data port');
  }
  return path;
}

/**
 * Formats a CommandType (v0.9 §4.1 "Refer to Destination ID"; profile: no scheme, no authority,
 * no leading slash), e.g. `1/{callee}/control/0001/StartStreaming`.
 */
export function formatCommandType(path: DestinationPath): string {
  if (path.kind === 'controlChannel') {
    throw new NiceProtocolError('MALFORMED', 'the control channel is not a command', 'CommandType');
  }
  const text = formatMqttTopic(path);
  if (text.length > COMMAND_TYPE_MAX_LENGTH) {
    throw new NiceProtocolError(
      'MALFORMED',
      `longer than ${COMMAND_TYPE_MAX_LENGTH} characters`,
      'CommandType',
    );
  }
  return text;
}

/**
 * Parses a CommandType (v0.9 §4.1: ≤128 characters, a Destination ID path); accepts a leading
 * slash and VERSION `1.0` on input; refuses the bare control-channel path, which names no API.
 */
export function parseCommandType(
  value: unknown,
  field = 'CommandType',
): Exclude<DestinationPath, { kind: 'controlChannel' }> {
  const text = requireString(value, field, COMMAND_TYPE_MAX_LENGTH);
  const path = parseSegments(text.startsWith('/') ? text.slice(1) : text, field);
  if (path.kind === 'controlChannel') fail(field, 'a control CommandType names a NodeID and an API');
  return path;
}

/**
 * The topic on which the callee publishes its response to `request` (profile, v0.9 §8.1):
 * `1/{caller}/management/{API}` or `1/{caller}/control/{NodeID}/{API}` with the callee's NodeID
 * from the CommandType. Data messages are never answered over MQTT, so a data CommandType throws.
 */
export function responseTopicFor(request: { SourceEndPointID: string; CommandType: string }): string {
  const caller = parseEndPointId(request.SourceEndPointID, 'SourceEndPointID');
  const command = parseCommandType(request.CommandType);
  switch (command.kind) {
    case 'management':
      return formatMqttTopic({ kind: 'management', endPointId: caller, api: command.api });
    case 'control':
      return formatMqttTopic({
        kind: 'control',
        endPointId: caller,
        nodeId: command.nodeId,
        api: command.api,
      });
    case 'data':
      return fail('CommandType', 'data messages have no response topic');
  }
}

function parseAuthority(scheme: DestinationScheme, authority: string, field: string): string {
  if (scheme === 'webrtc') {
    if (authority !== '') fail(field, 'webrtc:// Destination IDs have no authority (webrtc:///1/…)');
    return '';
  }
  if (authority === '') {
    if (scheme === 'local') return '';
    fail(field, `${scheme}:// needs an authority (host[:port])`);
  }
  const match = AUTHORITY.exec(authority);
  if (!match) fail(field, 'the authority must be host[:port] without user information');
  const port = match[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    fail(field, 'the port must be 1 to 65535');
  }
  return authority.toLowerCase();
}

/**
 * Parses a Destination ID `[Scheme][Authority][Path]` (v0.9 §3) such as
 * `mqtts://broker:8883/1/{id}/control/0001/GetStatus` or `webrtc:///1/{id}/control`; scheme
 * and host are case-insensitive and EndPointIDs may be uppercase; throws NiceProtocolError
 * naming `field`.
 */
export function parseDestinationId(input: unknown, field = 'DestinationID'): DestinationId {
  const text = requireString(input, field, MAX_DESTINATION_LENGTH);
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(\/[^?#]*)?([?#].*)?$/s.exec(text);
  if (!match) fail(field, 'expected scheme://authority/path');
  const [, rawScheme = '', rawAuthority = '', rawPath, extra] = match;
  const scheme = rawScheme.toLowerCase();
  if (!(DESTINATION_SCHEMES as readonly string[]).includes(scheme)) {
    fail(
      field,
      `unknown scheme '${rawScheme.slice(0, 16)}'; expected one of ${DESTINATION_SCHEMES.join(', ')}`,
    );
  }
  if (extra !== undefined) fail(field, 'a Destination ID carries no query or fragment');
  if (rawPath === undefined) fail(field, 'missing the path /{VERSION}/{EndPointID}/…');
  const typedScheme = scheme as DestinationScheme;
  const authority = parseAuthority(typedScheme, rawAuthority, field);
  const path = parseSegments(rawPath.slice(1), field);
  if (path.kind === 'controlChannel' && typedScheme !== 'webrtc' && typedScheme !== 'local') {
    fail(field, 'only webrtc:// and local:// name the control channel without NodeID and API');
  }
  return { scheme: typedScheme, authority, path };
}

/** Formats a Destination ID in its canonical form (v0.9 §3), e.g. `webrtc:///1/{id}/control`. */
export function formatDestinationId(id: DestinationId): string {
  const authority = parseAuthority(id.scheme, id.authority, 'DestinationID');
  return `${id.scheme}://${authority}${formatDestinationPath(id.path)}`;
}
