import type { z } from 'zod';
import { NiceProtocolError } from './niceProtocolError';

/** Field name used when the whole input (not one member) is to blame: not JSON, not an object. */
export const rootField = '$';

/** Dotted path of a zod issue (`AnalysisList.0.EventType`), or {@link rootField} for the root. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? rootField : path.map((part) => String(part)).join('.');
}

/**
 * Turns the first issue of a failed zod parse into a MALFORMED {@link NiceProtocolError} whose
 * `field` names the offending member, so operators see exactly what was wrong.
 */
export function toNiceProtocolError(error: z.ZodError, what: string): NiceProtocolError {
  const issue = error.issues[0];
  if (!issue) return new NiceProtocolError('MALFORMED', `invalid ${what}`, rootField);
  const field = issuePath(issue.path);
  return new NiceProtocolError('MALFORMED', `invalid ${what}: ${issue.message}`, field);
}

/** Parses `value` with `schema` or throws a MALFORMED NiceProtocolError naming the field. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw toNiceProtocolError(result.error, what);
  return result.data;
}

/** Shared: a decode without `stream` keeps no state between calls, even after a failure. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes UTF-8 JSON text (or takes a string) and parses it, refusing inputs larger than
 * `maxBytes`. Every failure is a MALFORMED NiceProtocolError on the root field.
 */
export function parseJsonInput(input: Uint8Array | string, maxBytes: number, what: string): unknown {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (size > maxBytes) {
    throw new NiceProtocolError(
      'MALFORMED',
      `${what} is ${size} bytes, above the limit of ${maxBytes}`,
      rootField,
    );
  }
  let text: string;
  try {
    text = typeof input === 'string' ? input : utf8.decode(input);
  } catch {
    throw new NiceProtocolError('MALFORMED', `${what} is not valid UTF-8`, rootField);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const detail = error instanceof Error ? error.message : 'syntax error';
    throw new NiceProtocolError('MALFORMED', `${what} is not JSON (${detail})`, rootField);
  }
}

/**
 * The JSON object of an input given as text or UTF-8 bytes (read by {@link parseJsonInput} up to
 * `maxBytes`) or as an already parsed value; anything but an object is a MALFORMED
 * NiceProtocolError on the root field (`a SceneMode must be a JSON object`).
 */
export function parseJsonObjectInput(
  input: unknown,
  maxBytes: number,
  what: string,
): Record<string, unknown> {
  const value =
    typeof input === 'string' || input instanceof Uint8Array ? parseJsonInput(input, maxBytes, what) : input;
  if (!isJsonObject(value))
    throw new NiceProtocolError('MALFORMED', `a ${what} must be a JSON object`, rootField);
  return value;
}

/** A plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The lowercase letters and digits of a spelling: `H.264` and `h264` both give `h264`. */
export function spellingKey(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * Maps a received enumeration spelling onto its canonical value: exact match, then the
 * explicit aliases, then a match ignoring case and punctuation (`H264` → `H.264`,
 * `active` → `Active`). Anything else is returned unchanged so validation can name it.
 */
export function canonicalEnum(
  value: unknown,
  values: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): unknown {
  if (typeof value !== 'string') return value;
  if (values.includes(value)) return value;
  const key = spellingKey(value);
  const aliased = Object.hasOwn(aliases, key) ? aliases[key] : undefined;
  if (aliased !== undefined) return aliased;
  return values.find((candidate) => spellingKey(candidate) === key) ?? value;
}

const numericText = /^\s*-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

/** A number sent as text (`"0.73"`, `"1"`) becomes a number; anything else is unchanged. */
export function numericValue(value: unknown): unknown {
  if (typeof value === 'string' && numericText.test(value)) {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : value;
  }
  return value;
}

interface MemberTable {
  names: ReadonlySet<string>;
  byLowerCase: ReadonlyMap<string, string>;
}
const memberTables = new WeakMap<readonly string[], MemberTable>();

function memberTable(canonical: readonly string[]): MemberTable {
  let table = memberTables.get(canonical);
  if (!table) {
    table = {
      names: new Set(canonical),
      byLowerCase: new Map(canonical.map((name) => [name.toLowerCase(), name])),
    };
    memberTables.set(canonical, table);
  }
  return table;
}

/**
 * Renames the members of `value` to their canonical spelling: explicit aliases first, then a
 * case-insensitive match (`Timestamp` → `TimeStamp`, `ProbabilityofAttribute` →
 * `ProbabilityOfAttribute`). A canonical member already present wins over a variant. Unknown
 * members are kept. Built with Object.fromEntries, so a `__proto__` member stays plain data;
 * an object already in canonical spelling is returned as it is.
 */
export function canonicalMembers(
  value: Record<string, unknown>,
  canonical: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): Record<string, unknown> {
  const { names, byLowerCase } = memberTable(canonical);
  const keys = Object.keys(value);
  if (keys.every((key) => names.has(key))) return value;
  const entries: [string, unknown][] = [];
  const taken = new Set(keys.filter((key) => names.has(key)));
  for (const key of keys) {
    const member = value[key];
    if (names.has(key)) {
      entries.push([key, member]);
      continue;
    }
    const target =
      (Object.hasOwn(aliases, key) ? aliases[key] : undefined) ?? byLowerCase.get(key.toLowerCase());
    if (target !== undefined && !taken.has(target)) {
      taken.add(target);
      entries.push([target, member]);
    } else {
      entries.push([key, member]);
    }
  }
  return Object.fromEntries(entries);
}

/** Applies `map` to the named members that are present, leaving the others alone. */
export function mapMembers(
  value: Record<string, unknown>,
  names: readonly string[],
  map: (member: unknown) => unknown,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value).map(([key, member]) => [key, names.includes(key) ? map(member) : member]),
  );
}

/** A single object where a list is expected becomes a one-element list. */
export function asList(value: unknown): unknown {
  return isJsonObject(value) ? [value] : value;
}

const nodeOrPortText = /^[0-9a-fA-F]{1,4}$/;

/**
 * NodeID / PortID parsed leniently (NICE profile: 4 lowercase hex digits): `"1"`, `1` and
 * `"0001"` all give `"0001"`, upper case becomes lower case. Anything else is unchanged.
 */
export function canonicalNodeOrPort(value: unknown): unknown {
  const text = typeof value === 'number' && Number.isInteger(value) && value >= 0 ? String(value) : value;
  if (typeof text === 'string' && nodeOrPortText.test(text)) return text.toLowerCase().padStart(4, '0');
  return value;
}

/** Object schema Version: `1`, `"1"` and `1.0` are read as `"1.0"`. */
export function canonicalVersion(value: unknown): unknown {
  if (value === 1 || value === '1') return '1.0';
  return value;
}
