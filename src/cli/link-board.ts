/**
 * Talking to a board over the common link options: open the link (host
 * role), say HELLO, run one operation, close. Every board client command
 * (status, abort, rollback, confirm, reset, fmap, flash) goes through here,
 * so they share validation, timeouts and error reporting.
 */
import type { BaudAttempt, BaudOptions, CommandOptions, CommandSigner, PeerInfo } from '../protocol/engine/index.js';
import { connect, negotiateBaud, switchBaud } from '../protocol/engine/index.js';
import { isHilbridgeError } from '../errors.js';
import { REQUEST_TRIES, openPlannedLink, planLink } from './link.js';
import { detail } from './output.js';
import type { LinkCliOptions, LinkPlan, OpenLink, OpenLinkDeps } from './link.js';

export interface BoardSession {
  readonly link: OpenLink;
  readonly peer: PeerInfo;
  /** Options for the engine's one-shot requests (timeout per try, tries, clock). */
  readonly request: CommandOptions;
  /** Set when the line rate was negotiated (byte-stream links, `switchBaud`). */
  readonly baud: BoardBaud | undefined;
}

/** The line rate of a board session; a command that changes it (flash's fallback) updates `rate`. */
export interface BoardBaud {
  /** Rate both ends start and end the command at. */
  readonly start: number;
  rate: number;
  readonly attempts: readonly BaudAttempt[];
  readonly options: BaudOptions;
}

export interface BoardOptions {
  /** Move to the highest common line rate after HELLO and back to the start rate before closing (flash, status). */
  readonly switchBaud?: boolean;
  /** Signs the state-changing commands (and SET_BAUD) for a board that requires authenticated commands. */
  readonly signer?: CommandSigner | undefined;
}

/** Validate the options first (so usage errors never touch a link), then open, connect and run `fn`. */
export async function withBoard<T>(opts: LinkCliOptions, fn: (s: BoardSession) => Promise<T>, deps: OpenLinkDeps = {}, board: BoardOptions = {}): Promise<T> {
  return withPlannedBoard(planLink(opts), fn, deps, board);
}

export async function withPlannedBoard<T>(plan: LinkPlan, fn: (s: BoardSession) => Promise<T>, deps: OpenLinkDeps = {}, board: BoardOptions = {}): Promise<T> {
  const link = await openPlannedLink(plan, 'host', deps);
  try {
    const request: CommandOptions = { scheduler: link.scheduler, timeoutMs: link.timeoutMs, tries: REQUEST_TRIES, signer: board.signer };
    const connectOpts = link.profile.maxChunk === undefined ? {} : { maxChunk: link.profile.maxChunk };
    let peer = await connect(link.channel, { ...request, ...connectOpts });
    let baud: BoardBaud | undefined;
    if (board.switchBaud === true && link.baud !== undefined) {
      const options: BaudOptions = { link: link.baud.control, scheduler: link.scheduler, rates: link.baud.rates, timeoutMs: link.timeoutMs, tries: REQUEST_TRIES, connect: connectOpts, signer: board.signer };
      const n = await negotiateBaud(link.channel, peer, link.baud.start, options);
      peer = n.peer;
      baud = { start: link.baud.start, rate: n.rate, attempts: n.attempts, options };
    }
    const rate = baud === undefined ? '' : `, line rate ${baud.rate} bit/s (started at ${baud.start}; tried ${baud.attempts.map((a) => `${a.rate} ${a.outcome}`).join(', ') || 'none'})`;
    detail(`${link.name}: ${peer.info.identity} node ${peer.info.nodeId}, frames up to ${peer.maxFrame} B, chunk ${peer.maxChunk} B, window ${peer.window}, HELLO answered in ${peer.setupMs.toFixed(0)} ms, first wait ${link.timeoutMs} ms${rate}`);
    let silent = false;
    try {
      return await fn({ link, peer, request, baud });
    } catch (e) {
      silent = isHilbridgeError(e) && e.code === 'peer_timeout';
      throw e;
    } finally {
      // Leave the board at the start rate so the next command finds it at once (it would also go back by itself after its idle timeout).
      // Not when it just went silent: asking again would only add SET_BAUD's and HELLO's whole budgets (7.5 s each) before the exit.
      if (!silent && baud !== undefined && baud.rate !== baud.start) await switchBaud(link.channel, peer, baud.rate, baud.start, baud.options).catch(() => undefined);
    }
  } finally {
    await link.close();
  }
}

/** Write one line: JSON when asked, text otherwise. */
export function emit(json: boolean, obj: Record<string, unknown>, text: string): void {
  process.stdout.write(json ? JSON.stringify(obj) + '\n' : text + '\n');
}
