import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The Temporal SDK's native bridge does not survive worker threads: one process per file.
    pool: 'forks',
    globalSetup: ['./test/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: more files at once only makes each slower and timing-sensitive tests flaky.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
