import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listDependencyLicences } from '../../../../src-main/services/about/dependencyLicences';

const root = resolve(import.meta.dirname, '../../../..');

describe('listDependencyLicences', () => {
  it('lists every runtime dependency and the renderer libraries with their declared licence', () => {
    const { licences, missing } = listDependencyLicences(root);
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(missing).toEqual([]);
    const names = licences.map((entry) => entry.name);
    for (const name of [...Object.keys(manifest.dependencies), 'vue', 'element-plus'])
      expect(names).toContain(name);
    const zod = licences.find((entry) => entry.name === 'zod');
    const installed = JSON.parse(readFileSync(join(root, 'node_modules', 'zod', 'package.json'), 'utf8')) as {
      version: string;
      license: string;
    };
    expect(zod).toMatchObject({ version: installed.version, licence: installed.license });
  });

  it('names the packages an installation lacks instead of inventing them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'licences-'));
    try {
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ dependencies: { 'left-pad': '1.3.0', gone: '1.0.0' } }),
      );
      mkdirSync(join(dir, 'node_modules', 'left-pad'), { recursive: true });
      writeFileSync(
        join(dir, 'node_modules', 'left-pad', 'package.json'),
        JSON.stringify({ name: 'left-pad', version: '1.3.0', license: 'WTFPL' }),
      );
      const { licences, missing } = listDependencyLicences(dir);
      expect(licences).toEqual([{ name: 'left-pad', version: '1.3.0', licence: 'WTFPL', homepage: null }]);
      expect(missing).toEqual([
        '@element-plus/icons-vue',
        'element-plus',
        'gone',
        'pinia',
        'vue',
        'vue-router',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
