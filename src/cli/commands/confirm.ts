/** `hilbridge confirm <link> [--slot <n>]`: make the trial image permanent. */
import type { Command } from 'commander';
import { confirm, status } from '../../protocol/engine/index.js';
import { slotLetter } from '../../protocol/messages-types.js';
import { registerSimple, slotOption } from '../link-commands.js';

export function register(program: Command): void {
  registerSimple(program, {
    name: 'confirm',
    description: 'make the trial image permanent (no fallback at the next boots)',
    options: (cmd) => cmd.option('--slot <n>', 'slot of the active image (default: the active one)'),
    check: (opts) => void slotOption(opts),
    run: async ({ link, request }, opts) => {
      // Whether there was a trial to end: CONFIRM of an image already confirmed is answered OK too.
      const active = (await status(link.channel, request)).slots.find((s) => s.state === 'active' || s.state === 'trial');
      await confirm(link.channel, slotOption(opts), request);
      if (active === undefined) return 'the board answered OK to CONFIRM but reported no active image before it';
      const what = `slot ${slotLetter(active.slot)} (${active.app ?? 'unnamed'})`;
      return active.state === 'trial' ? `${what} confirmed: the board keeps it across reboots` : `nothing to confirm: ${what} was already confirmed; the board answered OK`;
    },
  });
}
