import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';
import { contentSecurityPolicy } from './src-main/web/contentSecurityPolicy';

/** Puts the console's CSP into index.html; the dev server's version allows Vite's HMR. */
function contentSecurityPolicyMeta(): Plugin {
  let devServer = false;
  return {
    name: 'nice-console-csp-meta',
    configResolved(config) {
      devServer = config.command === 'serve';
    },
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: {
          'http-equiv': 'Content-Security-Policy',
          content: contentSecurityPolicy({ meta: true, devServer }),
        },
        injectTo: 'head',
      },
    ],
  };
}

// One build for both shells: out/main holds the Electron main process (main.js) and the web
// shell (serve.js), out/preload the sandboxed preload, out/renderer the page both serve.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          main: resolve(__dirname, 'src-main/app/main.ts'),
          serve: resolve(__dirname, 'src-main/web/serve.ts'),
          // Started as a worker thread by the export service, which finds it beside its own code.
          exportWorker: resolve(__dirname, 'src-main/services/export/exportWorker.ts'),
          // Worker threads of ingest: SceneMark parsing and WAL checkpoints, found the same way.
          sceneMarkParseWorker: resolve(__dirname, 'src-main/services/scenemarks/sceneMarkParseWorker.ts'),
          walCheckpointWorker: resolve(__dirname, 'src-main/services/store/walCheckpointWorker.ts'),
          vacuumWorker: resolve(__dirname, 'src-main/services/scenemarks/vacuumWorker.ts'),
          // Forked by the local site for the simulated cameras, and their command line.
          simulatorProcess: resolve(__dirname, 'src-main/simulator/simulatorProcess.ts'),
          simulator: resolve(__dirname, 'src-main/simulator/cli.ts'),
        },
        // Shared chunks sit beside the entries, so `new URL('./exportWorker.js', import.meta.url)`
        // from bundled service code finds the worker entry.
        output: { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { preload: resolve(__dirname, 'src-main/preload/preload.ts') },
        // A sandboxed preload cannot load ES modules.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    plugins: [vue(), contentSecurityPolicyMeta()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      rollupOptions: { input: resolve(__dirname, 'src-renderer/index.html') },
    },
  },
});
