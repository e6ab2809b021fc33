import { NiceProtocolError } from './niceProtocolError';

/** The NICE VERSION path element we emit in Destination IDs, topics and CommandTypes (profile). */
export const NICE_PATH_VERSION = '1';

/** The NodeID / PortID that means "not applicable" (v0.9 §3). */
export const NOT_APPLICABLE_ID = '0000';

/** Length of an EndPointID in CMF headers (v0.9 §4.1: String, size 36). */
export const END_POINT_ID_LENGTH = 36;

/** UUID-shaped 8-4-4-4-12 hex (v0.9 §4.1, digest §3.6), either case: we parse leniently. */
const END_POINT_ID_INPUT = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** The strict form we emit: lowercase hex only. */
const END_POINT_ID_CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** NodeID / PortID: four hex digits (digest §3.6); uppercase accepted on input. */
const FOUR_HEX_INPUT = /^[0-9a-fA-F]{4}$/;

/** Whether `value` is an EndPointID in any letter case (v0.9 §4.1, 8-4-4-4-12 hex). */
export function isEndPointId(value: unknown): value is string {
  return typeof value === 'string' && END_POINT_ID_INPUT.test(value);
}

/** Whether `value` is an EndPointID in the lowercase form this project emits. */
export function isCanonicalEndPointId(value: unknown): value is string {
  return typeof value === 'string' && END_POINT_ID_CANONICAL.test(value);
}

/**
 * Parses an EndPointID (v0.9 §4.1), accepting uppercase hex, and returns it in lowercase; throws
 * NiceProtocolError('MALFORMED') naming `field` otherwise.
 */
export function parseEndPointId(value: unknown, field = 'EndPointID'): string {
  if (typeof value !== 'string') throw new NiceProtocolError('MALFORMED', 'expected a string', field);
  if (!END_POINT_ID_INPUT.test(value)) {
    throw new NiceProtocolError('MALFORMED', 'expected an EndPointID (8-4-4-4-12 hex digits)', field);
  }
  return value.toLowerCase();
}

/** Whether `value` is a NodeID or PortID: four hex digits in any case (v0.9 §3). */
export function isNodeId(value: unknown): value is string {
  return typeof value === 'string' && FOUR_HEX_INPUT.test(value);
}

/**
 * Parses a NodeID (v0.9 §3, four hex digits, `0000` when not applicable), accepting uppercase,
 * and returns it in lowercase; throws NiceProtocolError('MALFORMED') naming `field` otherwise.
 */
export function parseNodeId(value: unknown, field = 'NodeID'): string {
  if (typeof value !== 'string' || !FOUR_HEX_INPUT.test(value)) {
    throw new NiceProtocolError('MALFORMED', 'expected four hex digits', field);
  }
  return value.toLowerCase();
}

/** Parses a PortID exactly like a NodeID (v0.9 §3: four hex digits, `0000` when not applicable). */
export function parsePortId(value: unknown, field = 'PortID'): string {
  return parseNodeId(value, field);
}

/**
 * Parses the VERSION element of a path (v0.9 §3): `1` as we emit it, or `1.0` as NICE 1.x
 * implementations send it (digest §6); returns the canonical `1`.
 */
export function parseVersion(value: unknown, field = 'VERSION'): typeof NICE_PATH_VERSION {
  if (value === '1' || value === '1.0') return NICE_PATH_VERSION;
  throw new NiceProtocolError('MALFORMED', "expected version '1' (or '1.0')", field);
}
