import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Builds renderer/ when stale, so the e2e tests serve the current UI.
    globalSetup: ['test/e2e/build-renderer.ts'],
    // Deletes the temporary directories the kit made, after each test file.
    setupFiles: ['test/kit/cleanup.ts'],
    include: [
      'test/unit/**/*.test.ts',
      'test/integration/**/*.test.ts',
      'test/interop/**/*.test.ts',
      'test/e2e/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Swarm tests open real sockets on 127/8; keep file-level parallelism modest on 2-core machines.
    maxWorkers: 2,
    fileParallelism: true,
  },
})
