#!/usr/bin/env node
/** Entry point of the `hilbridge` program (package.json `bin`). */
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { ExitCode } from './run.js';

/** 128 + SIGPIPE: what a C tool's shell status is when its reader goes away. */
const EXIT_BROKEN_PIPE = 141;

async function main(argv: string[]): Promise<void> {
  // The reader went away (`hilbridge inspect *.hxe | head -3`): stop at once, quietly, as a C tool
  // would on SIGPIPE, instead of an unhandled EPIPE stack trace. Any other stdout error is a bug: raise it.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(EXIT_BROKEN_PIPE);
  });
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; anything else commander rejects is a usage error
      process.exitCode = err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
      return;
    }
    throw err;
  }
}

await main(process.argv);
