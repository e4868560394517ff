import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/hil/**', 'node_modules/**', 'dist/**'],
    testTimeout: 30_000,
    pool: 'forks',
    coverage: {
      // npm run coverage: every file under src/, loaded by a test or not (an
      // unloaded file shows as 0%, so code only the HIL tier reaches is visible).
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text', 'json-summary', 'json', 'html'],
      reportsDirectory: 'coverage',
    },
  },
});
