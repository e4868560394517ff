/**
 * The host's one reply matcher per channel (docs/protocol.md 4, "Sequence
 * numbers and sessions"): every frame from the target is routed by
 * (session, seq) to the request waiting for it, else by session to the
 * transfer that owns that session; a frame nobody claims is counted, never
 * acted on. Requests (request.ts) and the transfer (host-transfer.ts) both
 * register here, so no other code matches replies: a RESULT for another
 * host's session can never be taken as this host's answer, whatever its seq.
 *
 * The matcher subscribes to the channel only while something waits on it.
 * It also owns the channel's round-trip estimate (`rtt`), so requests and
 * the transfer on one channel learn from each other.
 */
import type { Subscription } from 'rxjs';
import { LinkError } from '../../errors.js';
import type { FrameChannel } from '../types.js';
import { peerTimeout, triesText } from './errors.js';
import { ChannelRtt } from './request-timing.js';
import type { Incoming } from './wire.js';
import { incoming } from './wire.js';

/** What the matcher saw that nobody could use, since the channel was first used. */
export interface ReplyCounters {
  /** Frames delivered to a waiting request or a transfer. */
  claimed: number;
  /** Frames for a session this host is not running, or with a seq it waits on under another session: another host's traffic. */
  foreign: number;
  /** Frames whose payload did not decode (claimed or not). */
  undecodable: number;
  /** Session-0 frames nobody waits for: late replies to a request already answered or given up. */
  unmatched: number;
}

/** Someone waiting on the matcher: a request, or a transfer. */
export interface ReplySink<Tag = unknown> {
  /** A frame for this sink; `tag` is what `expect` registered for its (session, seq), undefined when routed by session only. */
  reply(m: Incoming, tag: Tag | undefined): void;
  /** The channel ended: `error` is its failure, undefined when it closed. */
  end(error: unknown): void;
}

/** Expectations one sink may hold at once; the oldest are forgotten beyond this (a long transfer's BEGINs and ENDs). */
const MAX_EXPECTED_PER_SINK = 64;

const key = (session: number, seq: number): number => session * 0x10000 + seq;

interface Registration {
  /** Expected (session, seq) keys, oldest first. */
  readonly keys: number[];
  session: number | undefined;
}

export class ReplyMatcher {
  private static readonly byChannel = new WeakMap<FrameChannel, ReplyMatcher>();

  /** The matcher of `channel` (one per channel, made on first use). */
  static of(channel: FrameChannel): ReplyMatcher {
    let m = ReplyMatcher.byChannel.get(channel);
    if (m === undefined) {
      m = new ReplyMatcher(channel);
      ReplyMatcher.byChannel.set(channel, m);
    }
    return m;
  }

  readonly counters: ReplyCounters = { claimed: 0, foreign: 0, undecodable: 0, unmatched: 0 };
  /** The channel's round-trip estimate: how long its requests wait (request-timing.ts). */
  readonly rtt = new ChannelRtt();
  private readonly expected = new Map<number, { sink: ReplySink; tag: unknown }>();
  private readonly sessions = new Map<number, ReplySink>();
  private readonly sinks = new Map<ReplySink, Registration>();
  private sub: Subscription | undefined;

  private constructor(private readonly channel: FrameChannel) {}

  /** Route the reply carrying (session, seq) to `sink`, with `tag`, until the sink is released. */
  expect<Tag>(sink: ReplySink<Tag>, session: number, seq: number, tag?: Tag): void {
    const reg = this.register(sink);
    const k = key(session, seq);
    this.expected.set(k, { sink, tag });
    reg.keys.push(k);
    while (reg.keys.length > MAX_EXPECTED_PER_SINK) this.drop(sink, reg.keys.shift()!);
    this.subscribe();
  }

  /** Route every frame of `session` (1..65535) that no expectation claims to `sink` (a transfer's ACK, NACK, DONE, ABORT). */
  listen<Tag>(sink: ReplySink<Tag>, session: number): void {
    const reg = this.register(sink);
    if (reg.session !== undefined) this.sessions.delete(reg.session);
    reg.session = session;
    this.sessions.set(session, sink);
    this.subscribe();
  }

  /** Forget everything `sink` registered; stops listening to the channel when nobody waits. */
  release(sink: ReplySink): void {
    const reg = this.sinks.get(sink);
    if (reg === undefined) return;
    for (const k of reg.keys) this.drop(sink, k);
    if (reg.session !== undefined && this.sessions.get(reg.session) === sink) this.sessions.delete(reg.session);
    this.sinks.delete(sink);
    if (this.sinks.size === 0) {
      this.sub?.unsubscribe();
      this.sub = undefined;
    }
  }

  private register(sink: ReplySink): Registration {
    let reg = this.sinks.get(sink);
    if (reg === undefined) {
      reg = { keys: [], session: undefined };
      this.sinks.set(sink, reg);
    }
    return reg;
  }

  private drop(sink: ReplySink, k: number): void {
    if (this.expected.get(k)?.sink === sink) this.expected.delete(k);
  }

  /** Listen to the channel if not yet; a channel that already ended ends every sink at once (after the subscription is in place). */
  private subscribe(): void {
    if (this.sub !== undefined) return;
    let subscribing = true;
    let endedEarly: { error: unknown } | undefined;
    const end = (error: unknown): void => {
      if (subscribing) endedEarly = { error };
      else this.endAll(error);
    };
    this.sub = incoming(this.channel, true).subscribe({
      next: (m) => this.route(m),
      error: (e: unknown) => end(e),
      complete: () => end(undefined),
    });
    subscribing = false;
    if (endedEarly !== undefined) this.endAll(endedEarly.error);
  }

  private route(m: Incoming): void {
    if (!m.ok) this.counters.undecodable++;
    const hit = this.expected.get(key(m.session, m.seq));
    if (hit !== undefined) {
      this.counters.claimed++;
      hit.sink.reply(m, hit.tag);
      return;
    }
    const owner = m.session === 0 ? undefined : this.sessions.get(m.session);
    if (owner !== undefined) {
      this.counters.claimed++;
      owner.reply(m, undefined);
      return;
    }
    if (m.session !== 0 || this.waitsOnSeq(m.seq)) this.counters.foreign++;
    else this.counters.unmatched++;
  }

  private waitsOnSeq(seq: number): boolean {
    for (const k of this.expected.keys()) if (k % 0x10000 === seq) return true;
    return false;
  }

  private endAll(error: unknown): void {
    this.sub = undefined;
    const sinks = [...this.sinks.keys()];
    this.expected.clear();
    this.sessions.clear();
    this.sinks.clear();
    for (const s of sinks) s.end(error);
  }
}

/** What came back from the target while waiting, for the message of a timeout. */
export interface Heard {
  /** Replies addressed to the waiter whose payload did not decode, and the last decode error. */
  readonly undecodable: number;
  readonly lastDecodeError?: string;
  /** What the channel took in while waiting (lineSince): bytes, intact frames from the peer, echoes of our own frames. */
  readonly line?: LineHeard;
}

/** What a channel took in since a snapshot of its counters. */
export interface LineHeard {
  readonly bytes: number;
  readonly frames: number;
  readonly echoes: number;
}

/** A snapshot of what `channel` took in so far; call the result later for what came since. */
export function lineSince(channel: FrameChannel): () => LineHeard {
  const c = channel.counters;
  const at = { bytes: c.bytesReceived, frames: c.framesReceived, echoes: c.echoes };
  return () => ({ bytes: c.bytesReceived - at.bytes, frames: c.framesReceived - at.frames, echoes: c.echoes - at.echoes });
}

/** The decode error of an undecodable frame, naming its type. */
export function decodeErrorOf(m: Incoming & { ok: false }): string {
  return `type 0x${m.type.toString(16).padStart(2, '0')}: ${m.detail}`;
}

/**
 * peer_timeout for `what` after `tries` (over `waitedMs`, when known): plain
 * silence; or, when replies came back that did not decode, says so with the
 * decode error (a board speaking another dialect must not look like a board
 * that is not there); or, when no frame of the peer came at all, what the
 * line did carry: only our own frames (a loopback or an echo), or bytes that
 * never made a valid frame (a wrong bit rate, a board not in its loader).
 */
export function noAnswer(link: string, tries: number, what: string, heard: Heard, waitedMs?: number): LinkError {
  const after = `after ${triesText(tries, waitedMs)} (${what})`;
  if (heard.undecodable > 0) {
    const n = heard.undecodable === 1 ? 'a reply' : `${heard.undecodable} replies`;
    return new LinkError(
      'peer_timeout',
      link,
      `no usable answer from ${link} ${after}: ${n} came back that did not decode ` +
        `(${heard.lastDecodeError ?? 'no detail'}): does the board speak this protocol version?`,
    );
  }
  const line = heard.line;
  if (line !== undefined && line.frames === 0 && line.echoes > 0) {
    return new LinkError(
      'peer_timeout',
      link,
      `no answer from ${link} ${after}: only our own frames came back (${line.echoes} echoed byte for byte): ` +
        'a loopback or an echo, is the board connected?',
    );
  }
  if (line !== undefined && line.frames === 0 && line.bytes > 0) {
    return new LinkError(
      'peer_timeout',
      link,
      `no answer from ${link} ${after}: received ${line.bytes} bytes, no valid frame: wrong bit rate, or not in its loader?`,
    );
  }
  return peerTimeout(link, tries, what, waitedMs);
}
