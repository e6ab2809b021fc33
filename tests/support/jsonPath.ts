/**
 * Sets the member at a dotted path (`AnalysisList.0.DetectedObjects.1.Probability`) of a parsed
 * JSON value in place, or deletes it when `replacement` is undefined; throws when the path does
 * not exist, so a test cannot silently mutate nothing.
 */
export function setAt(value: unknown, path: string, replacement: unknown): void {
  const parts = path.split('.');
  const last = parts.pop() as string;
  let node: unknown = value;
  for (const part of parts) {
    if (node === null || typeof node !== 'object' || !(part in node))
      throw new Error(`no ${path} in the value`);
    node = (node as Record<string, unknown>)[part];
  }
  if (node === null || typeof node !== 'object') throw new Error(`no ${path} in the value`);
  const target = node as Record<string, unknown>;
  if (replacement === undefined) Reflect.deleteProperty(target, last);
  else target[last] = replacement;
}
