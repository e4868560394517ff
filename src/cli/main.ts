#!/usr/bin/env node
/**
 * Entry point of the `hilbridge` program (package.json `bin`). Kept small:
 * `hilbridge --version` alone is answered before the option parser loads;
 * otherwise program.ts and the command table load, and the command's own
 * module is imported when it runs (docs/performance.md, Start-up).
 */
import { VERSION } from './version.js';

/** 128 + SIGPIPE: what a C tool's shell status is when its reader goes away. */
const EXIT_BROKEN_PIPE = 141;

// The reader went away (`hilbridge inspect *.hxe | head -3`): stop at once, quietly, as a C tool
// would on SIGPIPE, instead of an unhandled EPIPE stack trace. Any other stdout error is a bug: raise it.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(EXIT_BROKEN_PIPE);
});
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  const { runProgram } = await import('./program.js');
  await runProgram(process.argv);
}
