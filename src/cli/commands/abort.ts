/** `hilbridge abort <link>`: make the board drop the transfer session it holds and free it. */
import type { Command } from 'commander';
import { abortSession, status } from '../../protocol/engine/index.js';
import { registerSimple } from '../link-commands.js';

export function register(program: Command): void {
  registerSimple(program, {
    name: 'abort',
    description: 'abort the transfer session the board holds and free it',
    run: async ({ link, request }) => {
      // STATUS first only to name what was held; whether there was anything to abort is the board's own answer (docs/protocol.md 4.3)
      const before = await status(link.channel, request);
      const outcome = await abortSession(link.channel, 0, request);
      if (outcome.nothingToDo) return outcome.detail;
      return before.session === 0
        ? 'the staged bytes an interrupted transfer left are freed'
        : `session ${before.session} aborted: the board held ${before.held} of ${before.size} bytes and freed them`;
    },
  });
}
