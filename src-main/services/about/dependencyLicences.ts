import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ListLicencesResponse } from '../../../src-shared/contract/appContract';

/**
 * Libraries bundled into the renderer: devDependencies only because electron-vite bundles
 * them into the page, but shipped to every operator like the runtime dependencies.
 */
const rendererBundled = ['vue', 'vue-router', 'pinia', 'element-plus', '@element-plus/icons-vue'];

interface PackageManifest {
  name?: string;
  version?: string;
  license?: unknown;
  homepage?: unknown;
  dependencies?: Record<string, string>;
}

function readManifest(file: string): PackageManifest | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PackageManifest;
  } catch {
    return undefined;
  }
}

/**
 * The licences of the packages the console ships (its runtime dependencies and the renderer's
 * libraries), read from their package.json under `<appRoot>/node_modules`, by name.
 */
export function listDependencyLicences(appRoot: string): ListLicencesResponse {
  const root = readManifest(join(appRoot, 'package.json'));
  const names = [...new Set([...Object.keys(root?.dependencies ?? {}), ...rendererBundled])].sort();
  const licences: ListLicencesResponse['licences'] = [];
  const missing: string[] = [];
  for (const name of names) {
    const manifest = readManifest(join(appRoot, 'node_modules', name, 'package.json'));
    if (!manifest?.version) {
      missing.push(name);
      continue;
    }
    licences.push({
      name,
      version: manifest.version,
      licence: typeof manifest.license === 'string' ? manifest.license : null,
      homepage: typeof manifest.homepage === 'string' ? manifest.homepage : null,
    });
  }
  return { licences, missing };
}
