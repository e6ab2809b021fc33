import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

// Two projects: main-side code in plain Node (no Electron anywhere), renderer components in a
// DOM. The e2e suite runs under Playwright, not here. expect.poll waits for what happens across
// sockets and processes: its timeout is a liveness bound for a loaded 2-core machine, not a
// speed target (those are benchmarks).
const expectOptions = { poll: { timeout: 10_000 } };
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts'],
          testTimeout: 20_000,
          hookTimeout: 20_000,
          expect: expectOptions,
        },
      },
      {
        plugins: [vue()],
        test: {
          name: 'renderer',
          environment: 'happy-dom',
          include: ['tests/renderer/**/*.test.ts'],
          // Mounting Element Plus pages in happy-dom takes seconds on a loaded 2-core machine.
          testTimeout: 20_000,
          expect: expectOptions,
        },
      },
    ],
  },
});
