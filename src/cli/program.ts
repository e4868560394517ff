/**
 * The `hilbridge` command tree, built without running it, so tests can drive
 * the real program in-process. Each subcommand lives in
 * src/cli/commands/<name>.ts and exports `register(program)`.
 */
import { Command } from 'commander';
import { commands } from './commands/index.js';

export function buildProgram(): Command {
  const program = new Command('hilbridge')
    .description('Provision HSX boards with HXE images over CAN and UART')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}
