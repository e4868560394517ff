/** `hilbridge reset --factory --yes <link>`: erase every slot and the value store. Refuses (exit 2) without both flags. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { factoryReset } from '../../protocol/engine/index.js';
import { registerSimple } from '../link-commands.js';

export function register(program: Command): void {
  registerSimple(program, {
    name: 'reset',
    description: 'factory reset: erase every image slot and the value store of the board',
    options: (cmd) => cmd.option('--factory', 'erase slots and values (the only reset there is)').option('--yes', 'confirm the erase'),
    check: (opts) => {
      if (opts.factory !== true) throw new UsageError('missing_option', 'reset needs --factory: it erases every image and value on the board');
      if (opts.yes !== true) throw new UsageError('not_confirmed', 'refusing to erase every image and value on the board without --yes');
    },
    run: async ({ link, request }) => {
      await factoryReset(link.channel, request);
      return 'factory reset done: every slot and the value store are erased';
    },
  });
}
