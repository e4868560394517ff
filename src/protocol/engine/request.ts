/**
 * One request, one reply: send, wait for a reply frame carrying the request's
 * seq, repeat on timeout (each repeat gets a new seq; a reply to any of them
 * counts), give up with peer_timeout after `tries`. A RESULT with a non-zero
 * code rejects with TargetError; EINPROGRESS means "alive, still working"
 * and restarts the wait without using a try.
 */
import type { SchedulerLike } from 'rxjs';
import { LinkError, asHilbridgeError } from '../../errors.js';
import { TargetError, WireCode } from '../messages-codes.js';
import type { Message, MessageKind } from '../messages-types.js';
import type { FrameChannel } from '../types.js';
import { peerTimeout } from './errors.js';
import { Timer } from './timer.js';
import { incoming, nextSeq, sendMessage } from './wire.js';

export interface RequestOptions {
  readonly scheduler: SchedulerLike;
  /** Wait per try, ms. */
  readonly timeoutMs: number;
  readonly tries: number;
  /** Session id for the frame header (0 outside a transfer). */
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
    const seqs = new Set<number>();
    const timer = new Timer(opts.scheduler);
    let tries = 0;
    let settled = false;
    const finish = (err: unknown, value?: Extract<Message, { kind: K }>): void => {
      if (settled) return;
      settled = true;
      timer.clear();
      sub.unsubscribe();
      if (err === undefined) resolve(value!);
      else reject(err instanceof Error ? err : asHilbridgeError(err));
    };
    const attempt = (): void => {
      if (tries >= opts.tries) {
        finish(peerTimeout(channel.name, opts.tries, opts.what));
        return;
      }
      tries++;
      const seq = nextSeq(channel);
      seqs.add(seq);
      timer.set(opts.timeoutMs, attempt);
      sendMessage(channel, msg, opts.session ?? 0, seq).catch((e: unknown) => finish(e));
    };
    const sub = incoming(channel, true).subscribe({
      next: (m) => {
        if (!seqs.has(m.seq) || !m.ok) return;
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
      error: (e: unknown) => finish(e),
      complete: () => finish(new LinkError('link_closed', channel.name, `${channel.name} closed while waiting for the answer to ${opts.what}`)),
    });
    attempt();
  });
}
