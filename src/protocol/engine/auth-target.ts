/**
 * The target's side of authenticated commands (docs/protocol.md 4.3.4): a
 * state-changing command goes to the board's authorisation with its exact
 * bytes (type and payload without the AUTH block) before it runs; a refusal
 * is thrown and answered RESULT with its code, and the command does nothing.
 */
import { encodeMessage } from '../messages.js';
import type { Message } from '../messages-types.js';
import type { BoardControl } from '../image-sink.js';

export async function authoriseCommand(board: BoardControl, msg: Message): Promise<void> {
  if (board.authorise === undefined) return;
  const auth = 'auth' in msg ? msg.auth : undefined;
  const { type, payload } = encodeMessage({ ...msg, auth: undefined } as Message);
  await board.authorise({ type, payload, auth });
}
