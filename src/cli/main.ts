#!/usr/bin/env node
/** Entry point of the `hilbridge` program (package.json `bin`). */
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { ExitCode } from './run.js';

async function main(argv: string[]): Promise<void> {
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
