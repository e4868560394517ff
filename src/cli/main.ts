#!/usr/bin/env node
/**
 * The `hilbridge` command-line program. Each subcommand lives in
 * src/cli/commands/<name>.ts and exports `register(program)`.
 */
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { ExitCode } from './run.js';

export function buildProgram(): Command {
  const program = new Command('hilbridge')
    .description('Provision HSX boards with HXE images over CAN and UART')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
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
