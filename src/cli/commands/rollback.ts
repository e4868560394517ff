/** `hilbridge rollback <link> [--slot <n>]`: go back to the previous known-good image. */
import type { Command } from 'commander';
import { rollback, status } from '../../protocol/engine/index.js';
import { slotLetter } from '../../protocol/messages-types.js';
import { registerSimple, slotOption } from '../link-commands.js';

export function register(program: Command): void {
  registerSimple(program, {
    name: 'rollback',
    description: 'make the previous known-good image active again',
    options: (cmd) => cmd.option('--slot <n>', "slot holding the previous image (default: the board's choice)"),
    check: (opts) => void slotOption(opts),
    run: async ({ link, request }, opts) => {
      await rollback(link.channel, slotOption(opts), request);
      const active = (await status(link.channel, request)).slots.find((s) => s.state === 'active' || s.state === 'trial');
      return `rolled back: slot ${active === undefined ? '?' : slotLetter(active.slot)} (${active?.app ?? 'unnamed'}) is active`;
    },
  });
}
