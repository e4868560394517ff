#!/usr/bin/env node
/**
 * The shipped `hilbridge` program (package.json `bin`): dist/cli/main.js
 * (tsc's output) bundled by esbuild into dist/bin/, split at the command
 * table's dynamic imports, so each command is one chunk of its own and the
 * modules it shares with others one more. Node then reads a few files
 * instead of some 400 (rxjs alone is 300 modules): `--version` and `--help`
 * load no command, and a command's first byte reaches the wire about 120 ms
 * sooner (docs/performance.md, "Start-up"). Native and optional modules
 * (serialport's bindings, socketcan) stay external and load from
 * node_modules as before. dist/bin/ sits at the same depth as dist/<dir>/,
 * so paths built from import.meta.url (the bundled samples) still resolve.
 * Deterministic: same sources, same files.
 */
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bin');
rmSync(outdir, { recursive: true, force: true }); // no chunk of an older build stays behind

await build({
  entryPoints: { hilbridge: join(root, 'dist', 'cli', 'main.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['serialport', '@serialport/*', 'socketcan'],
  // CommonJS dependencies inside the bundle (commander) call require(): give every chunk one
  banner: { js: "import { createRequire as __hilbridgeRequire } from 'node:module'; const require = __hilbridgeRequire(import.meta.url);" },
  chunkNames: '[name]-[hash]',
  logLevel: 'warning',
});
