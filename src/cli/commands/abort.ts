/** `hilbridge abort <link>`: make the board drop the transfer session it holds and free it. */
import type { Command } from 'commander';
import { abortSession } from '../../protocol/engine/index.js';
import { registerSimple } from '../link-commands.js';

export function register(program: Command): void {
  registerSimple(program, {
    name: 'abort',
    description: 'abort the transfer session the board holds and free it',
    run: async ({ link, request }) => {
      await abortSession(link.channel, 0, request);
      return 'session aborted, the board freed it';
    },
  });
}
