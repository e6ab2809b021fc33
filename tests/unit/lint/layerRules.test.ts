import { ESLint } from 'eslint';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

// The layer table of ARCHITECTURE.md is enforced by eslint.config.js; these cases prove each
// rule fires where it must and stays quiet where an import is allowed.
const cases: Array<[file: string, source: string, refused: boolean]> = [
  ['src-main/services/probe.ts', "import { app } from 'electron';\nexport { app };", true],
  ['src-main/services/probe.ts', "import '../app/main';", true],
  ['src-main/web/probe.ts', "import { ipcMain } from 'electron';\nexport { ipcMain };", true],
  ['src-main/core/probe.ts', "import Database from 'better-sqlite3';\nexport { Database };", true],
  ['src-main/core/probe.ts', "import '../services/consoleServices';", true],
  ['src-shared/contract/probe.ts', "import '../../src-main/core/util/logger';", true],
  ['src-main/preload/probe.ts', "import '../../src-shared/contract/result';", true],
  ['src-renderer/src/probe.ts', "import { readFileSync } from 'node:fs';\nexport { readFileSync };", true],
  ['src-renderer/src/probe.ts', "import '../../src-main/services/consoleServices';", true],
  ['src-renderer/src/probe.ts', "import { ipcRenderer } from 'electron';\nexport { ipcRenderer };", true],
  ['src-main/app/probe.ts', "import { app } from 'electron';\nexport { app };", false],
  ['src-main/services/probe.ts', "import { z } from 'zod';\nexport { z };", false],
  [
    'src-main/preload/probe.ts',
    "import { contextBridge } from 'electron';\nexport { contextBridge };",
    false,
  ],
  ['src-shared/contract/probe.ts', "import { z } from 'zod';\nexport { z };", false],
];

describe('layer rules', () => {
  let eslint: ESLint;
  beforeAll(() => {
    eslint = new ESLint({ cwd: resolve(import.meta.dirname, '..', '..', '..') });
  });

  it.each(cases)('%s: %s (refused: %s)', async (file, source, refused) => {
    const [result] = await eslint.lintText(`${source}\n`, { filePath: file });
    const layerErrors = (result?.messages ?? []).filter(
      (message) => message.ruleId === 'no-restricted-imports',
    );
    expect(layerErrors.length > 0).toBe(refused);
    if (refused) expect(layerErrors[0]?.severity).toBe(2);
  });
});
