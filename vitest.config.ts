import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
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
