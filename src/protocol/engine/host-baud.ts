/**
 * The host's side of baud switching (docs/protocol.md 7.5): propose a rate
 * with SET_BAUD at the current rate; on OK switch, then prove the new rate
 * with HELLO within the target's confirm deadline. If the proof fails, go
 * back and wait out the deadline (the target reverts on its own), then check
 * the old rate with HELLO. `negotiateBaud` walks down from the highest rate
 * both ends accept; `switchBaud` is one step (also used to fall back and to
 * restore the start rate).
 */
import { asyncScheduler, timer, firstValueFrom } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { LinkError, isHilbridgeError } from '../../errors.js';
import { TargetError } from '../messages-codes.js';
import type { FrameChannel } from '../types.js';
import { BAUD_DEFAULTS, normaliseRates } from './baud.js';
import type { LineRateControl } from './baud.js';
import { connect } from './host-connect.js';
import type { ConnectOptions, PeerInfo } from './host-connect.js';
import { signCommand, type CommandSigner } from './auth.js';
import { request } from './request.js';
import { REQUEST_DEFAULTS } from './request-timing.js';

export interface BaudOptions {
  /** The host end's rate control. */
  readonly link: LineRateControl;
  readonly scheduler?: SchedulerLike;
  /** Rates the host accepts, bit/s (any order; default DEFAULT_LINE_RATES). */
  readonly rates: readonly number[];
  /** SET_BAUD's confirmMs: the target's revert deadline (default 1000). */
  readonly confirmMs?: number;
  /** HELLO wait per try at the new rate (default 200) and tries (default 3); tries × wait must stay below confirmMs. */
  readonly probeTimeoutMs?: number;
  readonly probeTries?: number;
  /** Upward rates tried per negotiation (default 3). */
  readonly maxAttempts?: number;
  /** Request timing at the current rate (SET_BAUD, HELLO after a revert): first wait / floor and tries, as every request (request-timing.ts). */
  readonly timeoutMs?: number;
  readonly tries?: number;
  /** How to re-connect (maxChunk, window) so the new PeerInfo matches the first. */
  /** Signs SET_BAUD for a board that requires authenticated commands (auth.ts). */
  readonly signer?: CommandSigner | undefined;
  readonly connect?: Omit<ConnectOptions, 'scheduler' | 'timeoutMs' | 'tries' | 'fixedWait'>;
}

/** How one proposed rate went. */
export interface BaudAttempt {
  readonly rate: number;
  /** switched: both ends run at it; refused: the target said no; unconfirmed: the proof failed and both reverted; no_answer: SET_BAUD went unanswered. */
  readonly outcome: 'switched' | 'refused' | 'unconfirmed' | 'no_answer';
  readonly detail?: string;
}

export interface BaudStep {
  readonly attempt: BaudAttempt;
  /** The rate both ends run at afterwards. */
  readonly rate: number;
  /** The connection as re-established at that rate (setupMs measured there). */
  readonly peer: PeerInfo;
}

export interface BaudNegotiation {
  readonly rate: number;
  readonly peer: PeerInfo;
  readonly attempts: readonly BaudAttempt[];
}

/** Rates both ends accept (the host's list ∩ INFO's), ascending; empty when the target lists none. */
export function commonRates(peer: PeerInfo, hostRates: readonly number[]): number[] {
  const target = new Set(peer.info.lineRates ?? []);
  return normaliseRates(hostRates).filter((r) => target.has(r));
}

function wait(scheduler: SchedulerLike, ms: number): Promise<unknown> {
  return firstValueFrom(timer(Math.max(0, ms), scheduler));
}

/** One step: move both ends from `from` to `to`, or leave both at `from`. Rejects only when the old rate no longer answers either. */
export async function switchBaud(channel: FrameChannel, peer: PeerInfo, from: number, to: number, o: BaudOptions): Promise<BaudStep> {
  const scheduler = o.scheduler ?? asyncScheduler;
  const confirmMs = o.confirmMs ?? BAUD_DEFAULTS.confirmMs;
  const probeTimeoutMs = o.probeTimeoutMs ?? BAUD_DEFAULTS.probeTimeoutMs;
  const at = { ...o.connect, scheduler, timeoutMs: o.timeoutMs ?? REQUEST_DEFAULTS.timeoutMs, tries: o.tries };
  const stay = async (attempt: BaudAttempt, recheck: boolean): Promise<BaudStep> => ({
    attempt,
    rate: from,
    peer: recheck ? await connect(channel, at) : peer,
  });
  const asked = scheduler.now();
  try {
    const msg = await signCommand(channel, { kind: 'set_baud', rate: to, confirmMs }, { ...at, signer: o.signer });
    await request(channel, msg, ['result'], { ...at, what: `SET_BAUD ${to}` });
  } catch (e) {
    if (e instanceof TargetError) return stay({ rate: to, outcome: 'refused', detail: e.message }, false);
    if (!(isHilbridgeError(e) && e.code === 'peer_timeout')) throw e;
    // An OK may have been lost after the target switched: let its deadline pass, then check the old rate.
    await wait(scheduler, asked + confirmMs + probeTimeoutMs - scheduler.now());
    return stay({ rate: to, outcome: 'no_answer', detail: e.message }, true);
  }
  const okAt = scheduler.now();
  await o.link.setBaudRate(to);
  try {
    // The proof keeps its fixed 200 ms x 3: it must end inside the target's confirm window, whatever the round trip.
    const proven = await connect(channel, { ...o.connect, scheduler, timeoutMs: probeTimeoutMs, tries: o.probeTries ?? BAUD_DEFAULTS.probeTries, fixedWait: true });
    return { attempt: { rate: to, outcome: 'switched' }, rate: to, peer: proven };
  } catch (e) {
    if (!(isHilbridgeError(e) && e.code === 'peer_timeout')) throw e;
    await o.link.setBaudRate(from);
    await wait(scheduler, okAt + confirmMs + probeTimeoutMs - scheduler.now());
    try {
      return await stay({ rate: to, outcome: 'unconfirmed', detail: `no answer at ${to} bit/s within ${confirmMs} ms` }, true);
    } catch (back) {
      throw new LinkError(
        'peer_timeout',
        channel.name,
        `${channel.name}: after a failed switch to ${to} bit/s the board answers neither at ${to} nor at ${from}: ` +
          `it returns to its start rate after its idle timeout; run again (or use --no-baud-switch)`,
        { cause: back },
      );
    }
  }
}

/** From `rate`, move to the highest rate both ends accept: try each higher common rate from the top until one is proven. */
export async function negotiateBaud(channel: FrameChannel, peer: PeerInfo, rate: number, o: BaudOptions): Promise<BaudNegotiation> {
  const candidates = commonRates(peer, o.rates).filter((r) => r > rate).reverse().slice(0, o.maxAttempts ?? BAUD_DEFAULTS.maxAttempts);
  const attempts: BaudAttempt[] = [];
  let now = { rate, peer };
  for (const to of candidates) {
    const step = await switchBaud(channel, now.peer, now.rate, to, o);
    attempts.push(step.attempt);
    now = { rate: step.rate, peer: step.peer };
    if (step.attempt.outcome === 'switched') break;
  }
  return { ...now, attempts };
}
