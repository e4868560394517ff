// The HIL tier: separate processes over kernel links (pty pairs, vcan0).
// Run through hil/run-hil-tests.sh (npm run test:hil), which provides vcan0.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['test/hil/**/*.test.ts'],
    globalSetup: ['test/hil/global-setup.ts'], // builds dist/: the tests run the built CLI as processes
    testTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false, // tests share vcan0 and the machine's 2 cores
  },
});
