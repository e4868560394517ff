/**
 * One request, one reply: send, wait for the reply the channel's matcher
 * routes to this request's (session, seq) (host-replies.ts), repeat on
 * timeout (each repeat gets a new seq; a reply to any of them counts), give
 * up with peer_timeout after `tries`, saying how long it waited. A RESULT
 * with a non-zero code rejects with TargetError; EINPROGRESS means "alive,
 * still working" and restarts the wait without using a try. A reply that
 * does not decode is no answer, but the timeout then says it came and why it
 * did not decode.
 *
 * Every control request of the host (HELLO, QUERY, STATUS, ROLLBACK, ABORT,
 * SET_BAUD, ...) goes through this one loop, so its waits are chosen in one
 * place (request-timing.ts, docs/protocol.md 7.1): the first from the
 * channel's round-trip estimate and the caller's floor, each further one
 * twice the one before. A reply to the first try (and only then: Karn's
 * rule) is a round-trip sample for the channel.
 */
import type { SchedulerLike } from 'rxjs';
import { LinkError, asHilbridgeError } from '../../errors.js';
import { TargetError, WireCode } from '../messages-codes.js';
import type { Message, MessageKind } from '../messages-types.js';
import type { FrameChannel } from '../types.js';
import { ReplyMatcher, decodeErrorOf, lineSince, noAnswer } from './host-replies.js';
import type { ReplySink } from './host-replies.js';
import { REQUEST_DEFAULTS, tryWait } from './request-timing.js';
import { Timer } from './timer.js';
import { nextSeq, sendMessage } from './wire.js';

export interface RequestOptions {
  readonly scheduler: SchedulerLike;
  /** The first try's wait before the channel has a round-trip sample, and the least wait of any try, ms. */
  readonly timeoutMs: number;
  /** Tries before peer_timeout, each waiting twice as long as the one before (default 4). */
  readonly tries?: number;
  /**
   * Every try waits exactly `timeoutMs`, whatever the channel's estimate, and an unanswered try does not back the
   * estimate off: for the SET_BAUD proof, which must end inside the target's confirm window (docs/protocol.md 7.5).
   */
  readonly fixedWait?: boolean;
  /** Session id for the frame header (0 outside a transfer); the reply must carry it too. */
  readonly session?: number;
  /** Names the operation in errors ("HELLO", "STATUS"). */
  readonly what: string;
}

/** Send `msg` and resolve with the first reply of one of the `accept` kinds (RESULT OK counts when 'result' is accepted). */
export function request<K extends MessageKind>(
  channel: FrameChannel,
  msg: Message,
  accept: readonly K[],
  opts: RequestOptions,
): Promise<Extract<Message, { kind: K }>> {
  return new Promise((resolve, reject) => {
    const matcher = ReplyMatcher.of(channel);
    const rtt = matcher.rtt;
    const session = opts.session ?? 0;
    const maxTries = opts.tries ?? REQUEST_DEFAULTS.tries;
    const fixed = opts.fixedWait === true;
    const firstWait = fixed ? opts.timeoutMs : rtt.firstWait(opts.timeoutMs);
    const timer = new Timer(opts.scheduler);
    const startedAt = opts.scheduler.now();
    const line = lineSince(channel);
    let tries = 0;
    /** Only a reply while the first try is the only one sent, with no EINPROGRESS in between, measures the round trip. */
    let sampleable = true;
    /** The target said EINPROGRESS during this try: it is alive and working, so the try's expiry says nothing about the link. */
    let working = false;
    let settled = false;
    let undecodable = 0;
    let lastDecodeError: string | undefined;
    const finish = (err: unknown, value?: Extract<Message, { kind: K }>): void => {
      if (settled) return;
      settled = true;
      timer.clear();
      matcher.release(sink);
      if (err === undefined) resolve(value!);
      else reject(err instanceof Error ? err : asHilbridgeError(err));
    };
    const measured = (): void => {
      if (sampleable && tries === 1) rtt.sample(opts.scheduler.now() - startedAt);
    };
    const sink: ReplySink = {
      reply: (m) => {
        if (!m.ok) {
          undecodable++;
          lastDecodeError = decodeErrorOf(m);
          return;
        }
        if (m.msg.kind === 'result' && m.msg.code !== WireCode.OK) {
          if (m.msg.code === WireCode.EINPROGRESS) {
            tries = Math.max(0, tries - 1);
            sampleable = false;
            working = true;
            return;
          }
          measured();
          finish(new TargetError(m.msg.code, channel.name, `${opts.what} failed`, m.msg.detail, m.msg.offset));
          return;
        }
        if (!(accept as readonly MessageKind[]).includes(m.msg.kind)) return;
        measured();
        finish(undefined, m.msg as Extract<Message, { kind: K }>);
      },
      end: (e) => finish(e ?? new LinkError('link_closed', channel.name, `${channel.name} closed while waiting for the answer to ${opts.what}`)),
    };
    const attempt = (): void => {
      tries++;
      working = false;
      const seq = nextSeq(channel);
      matcher.expect(sink, session, seq);
      if (settled) return; // the channel had already ended
      timer.set(fixed ? opts.timeoutMs : tryWait(firstWait, tries), expired);
      sendMessage(channel, msg, session, seq).catch((e: unknown) => finish(e));
    };
    const expired = (): void => {
      sampleable = false;
      if (!fixed && !working) rtt.expired();
      if (tries >= maxTries) finish(noAnswer(channel.name, maxTries, opts.what, { undecodable, lastDecodeError, line: line() }, opts.scheduler.now() - startedAt));
      else attempt();
    };
    attempt();
  });
}
