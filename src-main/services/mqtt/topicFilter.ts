/**
 * Whether an MQTT topic filter (`+` one level, `#` the rest, `$share/{group}/` prefix)
 * matches a topic name (MQTT 3.1.1 §4.7). Filters starting with a wildcard do not match
 * `$`-topics.
 */
export function topicMatches(filter: string, topic: string): boolean {
  const shared = /^\$share\/[^/]+\/(.*)$/.exec(filter);
  const pattern = shared?.[1] ?? filter;
  if (pattern === topic) return true;
  const filterLevels = pattern.split('/');
  const topicLevels = topic.split('/');
  if (topic.startsWith('$') && (filterLevels[0] === '+' || filterLevels[0] === '#')) return false;
  for (let index = 0; index < filterLevels.length; index += 1) {
    const level = filterLevels[index];
    if (level === '#') return true;
    if (index >= topicLevels.length) return false;
    if (level !== '+' && level !== topicLevels[index]) return false;
  }
  return filterLevels.length === topicLevels.length;
}

/** Whether a string has MQTT wildcards, which a publish topic must not. */
export function hasWildcard(topic: string): boolean {
  return topic.includes('+') || topic.includes('#');
}
