/**
 * Small shared pieces of the engine: per-channel sequence numbers, sending a
 * message as a frame, and decoding the target's frames.
 */
import { filter, map } from 'rxjs';
import type { Observable } from 'rxjs';
import { FrameFlag } from '../constants.js';
import { decodeMessage, encodeMessage } from '../messages.js';
import type { Message } from '../messages-types.js';
import type { FrameChannel } from '../types.js';

const seqs = new WeakMap<FrameChannel, { next: number }>();

/** Next frame sequence number for this channel (u16, wraps); one counter per channel across every operation. */
export function nextSeq(channel: FrameChannel): number {
  let s = seqs.get(channel);
  if (s === undefined) {
    s = { next: 1 };
    seqs.set(channel, s);
  }
  const v = s.next;
  s.next = (s.next + 1) & 0xffff;
  return v;
}

/** Encode `msg` and send it as one frame; resolves when the link accepted it. */
export function sendMessage(channel: FrameChannel, msg: Message, session: number, seq: number): Promise<void> {
  const { type, payload } = encodeMessage(msg);
  return channel.send({ type, flags: 0, session, seq, payload });
}

/** A decoded frame: the message, or why its payload did not decode. */
export type Incoming =
  | { readonly ok: true; readonly msg: Message; readonly session: number; readonly seq: number }
  | { readonly ok: false; readonly detail: string; readonly type: number; readonly session: number; readonly seq: number };

/** Frames from one direction (`fromTarget`), decoded. */
export function incoming(channel: FrameChannel, fromTarget: boolean): Observable<Incoming> {
  return channel.frames$.pipe(
    filter((f) => ((f.flags & FrameFlag.fromTarget) !== 0) === fromTarget),
    map((f): Incoming => {
      const d = decodeMessage(f.type, f.payload);
      return d.ok
        ? { ok: true, msg: d.msg, session: f.session, seq: f.seq }
        : { ok: false, detail: d.detail, type: f.type, session: f.session, seq: f.seq };
    }),
  );
}
