/**
 * One request, one reply: send, wait for the reply the channel's matcher
 * routes to this request's (session, seq) (host-replies.ts), repeat on
 * timeout (each repeat gets a new seq; a reply to any of them counts), give
 * up with peer_timeout after `tries`. A RESULT with a non-zero code rejects
 * with TargetError; EINPROGRESS means "alive, still working" and restarts
 * the wait without using a try. A reply that does not decode is no answer,
 * but the timeout then says it came and why it did not decode.
 *
 * Every control request of the host (HELLO, QUERY, STATUS, ROLLBACK, ABORT,
 * SET_BAUD, ...) goes through this one loop, so the per-try wait is chosen in
 * one place (`tryWaitMs`): where an RTT-driven wait will plug in.
 */
import type { SchedulerLike } from 'rxjs';
import { LinkError, asHilbridgeError } from '../../errors.js';
import { TargetError, WireCode } from '../messages-codes.js';
import type { Message, MessageKind } from '../messages-types.js';
import type { FrameChannel } from '../types.js';
import { ReplyMatcher, decodeErrorOf, noAnswer } from './host-replies.js';
import type { ReplySink } from './host-replies.js';
import { Timer } from './timer.js';
import { nextSeq, sendMessage } from './wire.js';

export interface RequestOptions {
  readonly scheduler: SchedulerLike;
  /** Wait per try, ms. */
  readonly timeoutMs: number;
  readonly tries: number;
  /** Session id for the frame header (0 outside a transfer); the reply must carry it too. */
  readonly session?: number;
  /** Names the operation in errors ("HELLO", "STATUS"). */
  readonly what: string;
}

/** The wait for one try of a request on this channel. */
function tryWaitMs(opts: RequestOptions): number {
  return opts.timeoutMs;
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
    const session = opts.session ?? 0;
    const timer = new Timer(opts.scheduler);
    let tries = 0;
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
            return;
          }
          finish(new TargetError(m.msg.code, channel.name, `${opts.what} failed`, m.msg.detail, m.msg.offset));
          return;
        }
        if ((accept as readonly MessageKind[]).includes(m.msg.kind)) finish(undefined, m.msg as Extract<Message, { kind: K }>);
      },
      end: (e) => finish(e ?? new LinkError('link_closed', channel.name, `${channel.name} closed while waiting for the answer to ${opts.what}`)),
    };
    const attempt = (): void => {
      if (tries >= opts.tries) {
        finish(noAnswer(channel.name, opts.tries, opts.what, { undecodable, lastDecodeError }));
        return;
      }
      tries++;
      const seq = nextSeq(channel);
      matcher.expect(sink, session, seq);
      if (settled) return; // the channel had already ended
      timer.set(tryWaitMs(opts), attempt);
      sendMessage(channel, msg, session, seq).catch((e: unknown) => finish(e));
    };
    attempt();
  });
}
