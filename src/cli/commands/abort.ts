/** `hilbridge abort <link>`: make the board drop the transfer session it holds and free it. */
import type { Command } from 'commander';
import { abortSession, status } from '../../protocol/engine/index.js';
import { registerSimple } from '../link-commands.js';

export function register(program: Command): void {
  registerSimple(program, {
    name: 'abort',
    description: 'abort the transfer session the board holds and free it',
    run: async ({ link, request }) => {
      // What the board holds before: ABORT's answer is OK whether or not a session was open, so only STATUS tells the two apart.
      const before = await status(link.channel, request);
      await abortSession(link.channel, 0, request);
      return before.session === 0
        ? 'nothing to abort: the board had no transfer session open; it answered OK to ABORT (bytes an interrupted transfer left staged, if any, are freed)'
        : `session ${before.session} aborted: the board held ${before.held} of ${before.size} bytes and freed them`;
    },
  });
}
