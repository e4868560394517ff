/**
 * The one-request board commands (abort, rollback, confirm, reset): each
 * validates its options before touching the link, sends one request through
 * the engine, and reports `{"event":"board_command","link":...,"command":...}` or the
 * target's error (exit 1), a usage error (2) or a silent link (3).
 */
import type { Command } from 'commander';
import { ANY_SLOT } from '../protocol/messages-types.js';
import type { BoardSession } from './link-board.js';
import { emit, withPlannedBoard } from './link-board.js';
import { addLinkOptions, planLink } from './link.js';
import type { LinkCliOptions } from './link.js';
import { ExitCode, action } from './run.js';
import { wholeNumber } from './numbers.js';
import { UsageError } from '../errors.js';
import type { JsonLineOf } from './json/index.js';
import { KEY_OPTION_HELP, commandSigner } from './signing-key.js';

export interface SimpleOptions extends LinkCliOptions {
  slot?: string;
  factory?: boolean;
  yes?: boolean;
  key?: string;
}

export interface SimpleCommand {
  readonly name: JsonLineOf<'board_command'>['command'];
  readonly description: string;
  /** Extra options of this command. */
  readonly options?: (cmd: Command) => Command;
  /** Check options before the link opens (throw UsageError). */
  readonly check?: (opts: SimpleOptions) => void;
  /** Run the request; return what was done, in words. */
  readonly run: (s: BoardSession, opts: SimpleOptions) => Promise<string>;
}

/** The wire numbers of a board's two image slots (A and B, docs/fram.md). */
export const SLOTS = [0, 1] as const;

/** `--slot <n>` as a wire slot (ANY_SLOT when absent); anything but 0 (A) or 1 (B) is refused here, before the link opens. */
export function slotOption(opts: SimpleOptions): number {
  if (opts.slot === undefined) return ANY_SLOT;
  const t = opts.slot.trim();
  const n = /^(0x[0-9a-f]+|\d+)$/i.test(t) ? wholeNumber('--slot', t, 0, Number.MAX_SAFE_INTEGER) : NaN;
  if (!SLOTS.some((s) => s === n)) {
    throw new UsageError('invalid_option', `--slot ${JSON.stringify(opts.slot)} is not a slot: a board has slots 0 (A) and 1 (B); leave --slot out for the board's choice`);
  }
  return n;
}

export function registerSimple(program: Command, c: SimpleCommand): void {
  let cmd = addLinkOptions(program.command(c.name).description(c.description)).option('-k, --key <file>', KEY_OPTION_HELP);
  if (c.options) cmd = c.options(cmd);
  cmd.action(
    action(
      async (opts: SimpleOptions): Promise<ExitCode> => {
        c.check?.(opts);
        const plan = planLink(opts);
        const signer = await commandSigner(opts.key);
        return withPlannedBoard(plan, async (s) => {
          const done = await c.run(s, opts);
          const line: JsonLineOf<'board_command'> = { event: 'board_command', link: s.link.name, command: c.name, message: done };
          emit(opts.json === true, line, `${s.link.name}: ${done}`);
          return ExitCode.Ok;
        }, {}, { signer });
      },
      (opts) => opts.json === true,
    ),
  );
}
