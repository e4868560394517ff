/**
 * `hilbridge completion bash|zsh`: print a completion script for the shell,
 * generated from the program's own command tree (every command loaded), so
 * it lists exactly the commands and options this version has.
 */
import { Argument } from 'commander';
import type { Command } from 'commander';
import { bashScript, zshScript } from '../completion-script.js';
import { buildProgram } from '../program.js';
import { ExitCode, action } from '../run.js';

export function register(program: Command): void {
  program
    .command('completion')
    .description('print a bash or zsh completion script: source <(hilbridge completion bash)')
    .addArgument(new Argument('<shell>', 'the shell to complete for').choices(['bash', 'zsh']))
    .action(action(async (shell: string) => {
      const tree = await buildProgram();
      process.stdout.write(shell === 'zsh' ? zshScript(tree) : bashScript(tree));
      return ExitCode.Ok;
    }));
}
