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
      // STATUS first only to name the image; whether there was a trial to end is the board's own answer (docs/protocol.md 4.3)
      const active = (await status(link.channel, request)).slots.find((s) => s.state === 'active' || s.state === 'trial');
      const outcome = await confirm(link.channel, slotOption(opts), request);
      if (outcome.nothingToDo) return outcome.detail;
      const what = active === undefined ? 'the active image' : `slot ${slotLetter(active.slot)} (${active.app ?? 'unnamed'})`;
      return `${what} confirmed: the board keeps it across reboots`;
    },
  });
}
