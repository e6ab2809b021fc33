// Preload for `node --import ./tests/support/denyElectron.mjs`: makes `electron` impossible to
// load, as on a build machine where the Electron binary cannot be downloaded.
import Module, { register } from 'node:module';

// ESM imports (and everything tsx loads as ESM) go through the hooks in their own thread.
register('./denyElectronHooks.mjs', import.meta.url);

// Node 20's register() hooks do not see require() from CommonJS modules, so a CommonJS
// dependency reaching for electron is refused here, with the same message and code.
const deniedRequire = /^electron(\/.*)?$/;
const cjs = /** @type {{ _resolveFilename: (request: string, ...rest: unknown[]) => string }} */ (
  /** @type {unknown} */ (Module)
);
const originalResolveFilename = cjs._resolveFilename;
cjs._resolveFilename = function resolveFilename(request, ...rest) {
  if (typeof request === 'string' && deniedRequire.test(request)) {
    const error = new Error(
      `Cannot find module '${request}' ` +
        '(denied by tests/support/denyElectron.mjs: core, services and web must load without Electron)',
    );
    /** @type {Error & { code?: string }} */ (error).code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return originalResolveFilename.call(this, request, ...rest);
};
