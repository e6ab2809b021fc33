/** One SceneData entry of a SceneMark's SceneDataList, as the evidence index needs it. */
export interface ListedSceneData {
  sceneDataId: string;
  mediaFormat: string | null;
  uri: string | null;
  /** EmbeddedSceneData (base64) when the SceneMark carries the content itself. */
  embedded: string | null;
}

const needle = Buffer.from('"SceneDataList"');
const backslash = 0x5c;

/**
 * The value of the top-level `SceneDataList` of a JSON object text, found without parsing the
 * whole text where that is provably the same: the key occurs once, the text has no backslash
 * (so no escaped key can decode to it and the match is a whole string token), and the text
 * from the key on, after a `{`, is one valid JSON object, which holds only if the key closes
 * exactly one object: the top-level one. Otherwise (rare) the whole text is parsed.
 */
function sceneDataListOf(original: Buffer): unknown {
  const at = original.indexOf(needle);
  if (original.indexOf(backslash) === -1) {
    if (at === -1) return undefined;
    if (original.indexOf(needle, at + 1) === -1) {
      try {
        return (JSON.parse(`{${original.toString('utf8', at)}`) as Record<string, unknown>).SceneDataList;
      } catch {
        // Not the top-level key (or not well formed): parse the whole text below.
      }
    }
  }
  return (JSON.parse(original.toString('utf8')) as Record<string, unknown> | null)?.SceneDataList;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The SceneDataList of a stored original SceneMark: every entry with a string SceneDataID, in
 * order, duplicates dropped. An original that does not parse lists nothing (stored SceneMarks
 * were validated on ingest).
 */
export function listedSceneData(original: Buffer): ListedSceneData[] {
  let list: unknown;
  try {
    list = sceneDataListOf(original);
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  const seen = new Set<string>();
  const listed: ListedSceneData[] = [];
  for (const entry of list) {
    if (!isRecord(entry) || typeof entry.SceneDataID !== 'string' || seen.has(entry.SceneDataID)) continue;
    seen.add(entry.SceneDataID);
    listed.push({
      sceneDataId: entry.SceneDataID,
      mediaFormat: typeof entry.MediaFormat === 'string' ? entry.MediaFormat : null,
      uri: typeof entry.SceneDataURI === 'string' ? entry.SceneDataURI : null,
      embedded: typeof entry.EmbeddedSceneData === 'string' ? entry.EmbeddedSceneData : null,
    });
  }
  return listed;
}
