/** `hilbridge confirm <link> [--slot <n>]`: make the trial image permanent. */
import type { Command } from 'commander';
import { confirm } from '../../protocol/engine/index.js';
import { registerSimple, slotOption } from '../link-commands.js';

export function register(program: Command): void {
  registerSimple(program, {
    name: 'confirm',
    description: 'make the trial image permanent (no fallback at the next boots)',
    options: (cmd) => cmd.option('--slot <n>', 'slot of the active image (default: the active one)'),
    check: (opts) => void slotOption(opts),
    run: async ({ link, request }, opts) => {
      await confirm(link.channel, slotOption(opts), request);
      return 'active image confirmed';
    },
  });
}
