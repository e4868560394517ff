/**
 * Vitest globalSetup of the HIL tier: the tests run the shipped program
 * (dist/bin/hilbridge.js, tsc's output bundled by scripts/bundle.mjs) as
 * separate processes, so build it when any file under src/ is newer than it
 * (or it is missing). Runs once, before any test file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT } from './procs.js';

function newestUnder(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestUnder(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  const built = existsSync(CLI) ? statSync(CLI).mtimeMs : 0;
  if (built >= newestUnder(join(ROOT, 'src'))) return;
  process.stderr.write('HIL: dist/ is older than src/: building (npm run build)\n');
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  execFileSync(process.execPath, [join(ROOT, 'scripts/bundle.mjs')], { cwd: ROOT, stdio: 'inherit' });
}
