// Module customization hooks (node:module register) that make `electron` unresolvable, so a
// child process proves src-main/core, services and web load in plain Node. Registered by
// denyElectron.mjs; runs off the main thread, so it may not import project code.

/** Matches `electron` and its subpaths (`electron/main`, `electron/renderer`, ...). */
const denied = /^electron(\/.*)?$/;

/** Refuses electron with the error Node gives for a package that is not installed. */
export async function resolve(specifier, context, nextResolve) {
  if (denied.test(specifier)) {
    const error = new Error(
      `Cannot find package '${specifier}' imported from ${context.parentURL ?? 'the command line'} ` +
        '(denied by tests/support/denyElectronHooks.mjs: core, services and web must load without Electron)',
    );
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return nextResolve(specifier, context);
}
