import type Database from 'better-sqlite3';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSceneMark, type ParsedSceneMark } from '../../../../src-main/core/nice/sceneMark';
import { openDatabase } from '../../../../src-main/services/store/database';
import { loadMigrations } from '../../../../src-main/services/store/migrations';
import {
  generateSceneMark,
  generateSceneMarkObject,
  type SceneMarkGeneratorOptions,
} from '../../../../bench/support/sceneMarkGenerator';

/** The real migrations of resources/migrations. */
export const migrations = loadMigrations(
  resolve(dirname(fileURLToPath(import.meta.url)), '../../../../resources/migrations'),
);

/** A migrated database: `:memory:` unless a file is given. */
export function openIngestDatabase(file = ':memory:'): Database.Database {
  return openDatabase(file, migrations).db;
}

/** Generated SceneMark `index`, parsed. */
export function parsedSceneMark(index: number, options: SceneMarkGeneratorOptions = {}): ParsedSceneMark {
  return parseSceneMark(generateSceneMark(index, options));
}

/** SceneMark bytes built from the generated object of `index` changed by `edit`. */
export function editedSceneMark(
  index: number,
  edit: (sceneMark: Record<string, unknown>) => void,
  options: SceneMarkGeneratorOptions = {},
): Uint8Array {
  const object = generateSceneMarkObject(index, options);
  edit(object);
  return new TextEncoder().encode(JSON.stringify(object));
}

/**
 * Puts content into the first SceneData item (the thumbnail), as a camera embedding it would:
 * only SceneData whose content is held gets a `scene_data` row.
 */
export function embedThumbnail(sceneMark: Record<string, unknown>): void {
  const list = sceneMark['SceneDataList'] as Record<string, unknown>[];
  at(list, 0)['EmbeddedSceneData'] = Buffer.from(`thumbnail of ${String(sceneMark['SceneMarkID'])}`).toString(
    'base64',
  );
}

/** The item at `index`, failing the test when it is missing. */
export function at<T>(list: readonly T[], index: number): T {
  const item = list[index];
  if (item === undefined) throw new Error(`no item ${index}`);
  return item;
}

/** The first Analysis of a generated SceneMark object, to edit. */
export function firstAnalysis(sceneMark: Record<string, unknown>): Record<string, unknown> {
  return at(sceneMark['AnalysisList'] as Record<string, unknown>[], 0);
}
