// The HIL tier: separate processes over kernel links (pty pairs, vcan0).
// Run through hil/run-hil-tests.sh (npm run test:hil), which provides vcan0.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['test/hil/**/*.test.ts'],
    globalSetup: ['test/hil/global-setup.ts'], // builds dist/: the tests run the built CLI as processes
    // a last-resort deadline for a hung scenario (every wait inside has its own, with a message):
    // under User-Mode Linux each `hilbridge` process takes ~4 s to start (node alone ~1 s), and a
    // scenario runs up to a dozen, so 60 s was crossed on a loaded CI machine (brick test: 60.1 s)
    testTimeout: 180_000,
    hookTimeout: 120_000, // beforeAll hooks pack images with `hilbridge pack`: one process, ~4 s, per image
    pool: 'forks',
    fileParallelism: false, // tests share vcan0 and the machine's 2 cores
  },
});
