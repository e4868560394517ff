/**
 * The host side of a transfer (docs/protocol.md sections 5-7): QUERY what
 * the target holds, BEGIN pipelined with the first window of DATA, selective
 * repeat driven by ACK bitmaps and an RFC 6298 retransmission timer, END
 * right after the last chunk, DONE checked against the source.
 *
 * One frame is handed to the channel at a time (send resolves on acceptance
 * by the link), so the wire stays busy without queueing more than a frame.
 */
import { Observable, asyncScheduler } from 'rxjs';
import type { SchedulerLike, Subscriber, Subscription } from 'rxjs';
import { LinkError, asHilbridgeError } from '../../errors.js';
import type { ImageReader } from '../../image/reader.js';
import { equalBytes, toHex } from '../../util/hex.js';
import { FRAME_OVERHEAD } from '../constants.js';
import { TargetError, WireCode } from '../messages-codes.js';
import { HoldState } from '../messages-types.js';
import type { AckMsg, ByteRange, DoneMsg, Message, NackMsg, ResultMsg, SessionMsg } from '../messages-types.js';
import type { ChannelCounters, FrameChannel } from '../types.js';
import { countSent, mergeCounters, zeroCounters } from './counters.js';
import { TransferAbortedError, peerProtocol, sessionTimeout } from './errors.js';
import { beginMessage, newSessionId } from './host-begin.js';
import { TRANSFER_DEFAULTS, transferChunk } from './host-options.js';
import type { TransferEvent, TransferOptions } from './host-options.js';
import { ReplyMatcher, decodeErrorOf, noAnswer } from './host-replies.js';
import type { ReplyCounters, ReplySink } from './host-replies.js';
import { request } from './request.js';
import { signCommand } from './auth.js';
import { RTO_DEFAULTS, RtoEstimator } from './rto.js';
import { SendWindow } from './send-window.js';
import { Timer } from './timer.js';
import { chunkFrame } from './host-frames.js';
import { TransferEvents } from './transfer-events.js';
import type { Incoming } from './wire.js';
import { nextSeq, sendMessage } from './wire.js';

/** Which control frame a reply answers (the tag the transfer registers its BEGIN and END seqs under). */
type Control = 'begin' | 'end';

/** Where the host is in a transfer. */
export enum HostState {
  Querying = 'querying',
  Sending = 'sending',
  Aborting = 'aborting',
  Finished = 'finished',
}

/** A DATA frame's bytes beyond its chunk: header, 4-byte offset, CRC. */
const DATA_OVERHEAD = FRAME_OVERHEAD + 4;
/** Tolerance for comparing scheduler times against computed deadlines, ms. */
const TIME_EPSILON_MS = 1e-6;

class HostSender {
  state = HostState.Querying;
  private readonly scheduler: SchedulerLike;
  private readonly win: SendWindow;
  private readonly rto: RtoEstimator;
  private readonly timer: Timer;
  private readonly sessionTimer: Timer;
  private readonly counters = zeroCounters();
  private readonly base: ChannelCounters;
  private readonly replies: ReplyMatcher;
  private readonly repliesBase: ReplyCounters;
  /** Frames of this session that did not decode, and the last decode error (so a timeout does not read as silence). */
  private undecodable = 0;
  private lastDecodeError: string | undefined;
  private readonly sink: ReplySink<Control>;
  private readonly session: number;
  private readonly tries: number;
  private readonly subs: Subscription[] = [];
  private readonly nackedEarly = new Set<number>();
  private beginAcked = false;
  private needBegin = false;
  private authBegin: { rebegins: number; msg: Message } | undefined;
  /** When an unanswered BEGIN / END is due again (fixed when sent, so later back-offs do not push it away). */
  private beginDue: number | undefined;
  private endSent = false;
  /** END went out at least once ('ending' reported); endSent is cleared again when the target refuses an early END. */
  private endEverSent = false;
  private endDue = 0;
  /** Transmission number of the last chunk sent before the latest END. */
  private endTx = 0;
  private endRefused = false;
  private silent = 0;
  private rebegins = 0;
  private pumping = false;
  private startedAt = 0;
  private setupMs = 0;
  private resumed = false;
  private alreadyHeld = 0;
  /** What the target said it held at BEGIN (empty when nothing is resumed). */
  private heldRanges: readonly ByteRange[] = [];
  /**
   * Bytes of this image the target held before this transfer sent any:
   * nothing after a fresh BEGIN, QUERY's answer on resume. The first SESSION
   * cannot say it alone: DATA goes out behind BEGIN, so a SESSION answering
   * a repeated BEGIN (the first answer lost) already counts some of it.
   */
  private heldBefore: number | undefined;
  private readonly events: TransferEvents;

  constructor(
    private readonly channel: FrameChannel,
    private readonly source: ImageReader,
    private readonly opts: TransferOptions,
    private readonly out: Subscriber<TransferEvent>,
  ) {
    this.scheduler = opts.scheduler ?? asyncScheduler;
    this.events = new TransferEvents(out);
    const chunk = transferChunk(opts);
    const window = Math.min(opts.window ?? opts.peer.window, opts.peer.window);
    // A coded transfer's frames cost a fraction of a chunk (a run of copies, a compressed chunk): its window goes as
    // far ahead as the target accepts (INFO), with as many bytes on the wire as the plain window would have.
    // (never wider than an ACK's bitmap can cover in the agreed frame: 22 + ceil(window / 8) bytes, docs/protocol.md 4.6)
    const wide = Math.max(window, Math.min(0xffff, opts.peer.info.window, (opts.peer.maxFrame - 22) * 8));
    this.win = opts.coder === undefined ? new SendWindow(source.size, chunk, window) : new SendWindow(source.size, chunk, wide, window * chunk);
    this.rto = new RtoEstimator({ initialRtoMs: Math.max(RTO_DEFAULTS.initialRtoMs, 2 * opts.peer.setupMs), ...opts.rto });
    this.timer = new Timer(this.scheduler);
    this.sessionTimer = new Timer(this.scheduler);
    this.base = { ...channel.counters };
    this.replies = ReplyMatcher.of(channel);
    this.repliesBase = { ...this.replies.counters };
    this.sink = {
      reply: (m, control) => this.onIncoming(m, control),
      end: (e) => this.fail(e ?? new LinkError('link_closed', this.channel.name, `${this.channel.name} closed during the transfer`)),
    };
    this.session = opts.sessionId ?? newSessionId(source.sha256, this.scheduler);
    this.tries = opts.tries ?? TRANSFER_DEFAULTS.tries;
  }

  start(): void {
    const budget = this.opts.sessionTimeoutMs ?? TRANSFER_DEFAULTS.sessionTimeoutMs;
    this.sessionTimer.set(budget, () => this.fail(sessionTimeout(this.channel.name, budget, this.win.heldBytes, this.source.size)));
    this.replies.listen(this.sink, this.session);
    if (this.opts.abort$) this.subs.push(this.opts.abort$.subscribe(() => this.abort()));
    if (this.opts.fresh === true) this.heldBefore = 0;
    if (this.opts.resume === false || this.opts.fresh === true || this.source.size === 0) {
      this.begin();
      return;
    }
    const t0 = this.scheduler.now();
    request(this.channel, { kind: 'query', size: this.source.size, sha256: this.source.sha256 }, ['session'], {
      scheduler: this.scheduler,
      timeoutMs: this.rto.rto,
      tries: this.tries,
      what: 'QUERY',
    }).then(
      (reply) => {
        this.setupMs = this.scheduler.now() - t0;
        if (reply.state === HoldState.partial || reply.state === HoldState.complete) this.win.setHeld(reply.ranges);
        this.heldBefore = this.win.heldBytes;
        this.begin();
      },
      (e: unknown) => this.fail(e),
    );
  }

  private begin(): void {
    if (this.state !== HostState.Querying) return;
    this.state = HostState.Sending;
    this.startedAt = this.scheduler.now();
    this.needBegin = true;
    this.kick();
  }

  private get done(): boolean { return this.state === HostState.Finished; } // prettier-ignore

  /** Send whatever is due, one frame at a time, then re-arm the timer. */
  private kick(): void {
    this.arm();
    if (this.pumping || this.state !== HostState.Sending) return;
    this.pumping = true;
    this.pump().then(
      () => {
        this.pumping = false;
        if (this.state === HostState.Sending && this.hasWork()) this.kick();
        else this.arm();
      },
      (e: unknown) => {
        this.pumping = false;
        this.fail(e);
      },
    );
  }

  private hasWork(): boolean {
    return this.needBegin || this.win.canSend || this.endWanted();
  }

  private endWanted(): boolean {
    return !this.endSent && (this.endRefused ? this.win.allHeld : this.win.allSentOnce);
  }

  private async pump(): Promise<void> {
    while (this.state === HostState.Sending) {
      if (this.needBegin) {
        this.needBegin = false;
        await this.sendControl('begin', await this.signedBegin());
        this.beginDue = this.scheduler.now() + this.rto.rto;
      } else if (this.win.canSend) {
        const next = this.win.take();
        if (next === undefined) continue;
        const f = await chunkFrame(this.win, this.source, this.opts.coder, next);
        if (this.done) return;
        await sendMessage(this.channel, f.msg, this.session, nextSeq(this.channel));
        countSent(this.counters, f.bytes, next.repeat);
        for (let i = f.first; i < f.first + f.run; i++) this.win.sent(i, this.scheduler.now(), f.sample, i === f.first ? f.wire : 0);
      } else if (this.endWanted()) {
        if (!this.endEverSent) this.events.ending({ kind: 'ending', heldBytes: this.win.heldBytes, size: this.source.size });
        this.endEverSent = true;
        this.endSent = true;
        this.endDue = Infinity;
        this.endTx = this.win.lastTx;
        await this.sendControl('end', { kind: 'end' });
        this.endDue = this.scheduler.now() + this.rto.rto;
      } else return;
      this.arm();
    }
  }

  private async sendControl(kind: Control, msg: Message): Promise<void> {
    const seq = nextSeq(this.channel);
    if (this.state === HostState.Finished) return;
    this.replies.expect(this.sink, this.session, seq, kind);
    if (this.done) return; // the channel had already ended
    this.counters.framesSent++;
    await sendMessage(this.channel, msg, this.session, seq);
  }

  /** BEGIN, signed when there is a signer: a fresh nonce for the first BEGIN and each re-BEGIN; a repeat of an unanswered one keeps its block (the target takes a repeat of its open session's BEGIN without a nonce). */
  private async signedBegin(): Promise<Message> {
    const signer = this.opts.signer;
    if (signer === undefined) return this.beginMsg();
    if (this.authBegin?.rebegins !== this.rebegins) {
      this.authBegin = { rebegins: this.rebegins, msg: await signCommand(this.channel, this.beginMsg(), { signer, scheduler: this.scheduler, timeoutMs: this.rto.rto, tries: this.tries }) };
    }
    return this.authBegin.msg;
  }

  private beginMsg(): Message {
    // fresh discards what the target held before this transfer: only the first BEGIN says so. A re-BEGIN after
    // ESRCH (target restarted, or suspended the session) resumes what it kept, which came from this transfer.
    return beginMessage(this.source, this.opts, this.win, this.opts.fresh === true && this.rebegins === 0);
  }

  /** Arm the retransmission timer for the earliest of: a chunk's RTO, an unanswered BEGIN, an unanswered END. */
  private arm(): void {
    if (this.state !== HostState.Sending) {
      this.timer.clear();
      return;
    }
    const rto = this.rto.rto;
    let due = this.win.nextExpiry(rto);
    if (!this.beginAcked && this.beginDue !== undefined && !this.needBegin) due = Math.min(due, this.beginDue);
    if (this.endSent) due = Math.min(due, this.endDue);
    if (due === Infinity) this.timer.clear();
    else if (due !== this.timer.due) this.timer.set(due - this.scheduler.now(), () => this.onTimeout());
  }

  private onTimeout(): void {
    if (this.state !== HostState.Sending) return;
    // Timers fire at now + (due - now), which floating point may put a hair before `due`.
    const now = this.scheduler.now() + TIME_EPSILON_MS;
    const rto = this.rto.rto;
    const expired = this.win.expire(now, rto);
    let fired = expired > 0;
    if (!this.beginAcked && this.beginDue !== undefined && !this.needBegin && now >= this.beginDue) {
      this.needBegin = true;
      fired = true;
    }
    if (this.endSent && now >= this.endDue) {
      this.endSent = false;
      fired = true;
    }
    if (fired) {
      this.counters.timeouts++;
      this.channel.reportLoss?.(0, expired, this.win.chunk + DATA_OVERHEAD);
      if (this.rto.expired(now) && ++this.silent >= this.tries) {
        const what = this.beginAcked ? `${this.win.heldBytes} of ${this.source.size} bytes acknowledged` : 'BEGIN unanswered';
        this.fail(noAnswer(this.channel.name, this.tries, what, { undecodable: this.undecodable, lastDecodeError: this.lastDecodeError }));
        return;
      }
    }
    this.kick();
  }

  /** A frame of this session (the matcher routes nothing else here); `control` is set for replies to BEGIN / END. */
  private onIncoming(m: Incoming, control: Control | undefined): void {
    if (this.state === HostState.Finished) return;
    if (!m.ok) {
      this.undecodable++;
      this.lastDecodeError = decodeErrorOf(m);
      return;
    }
    const msg = m.msg;
    if (msg.kind === 'result') {
      if (control !== undefined) this.onResult(control, msg);
      // A failure under a seq we did not register for this session is the target's own verdict on an image it
      // completed after an early END (it answers under the seq of the DATA frame that completed it, docs/protocol.md 5.1).
      else if (msg.code !== WireCode.OK && this.endRefused) this.onResult('end', msg);
      return;
    }
    switch (msg.kind) {
      case 'session':
        return this.onSession(msg);
      case 'ack':
        return this.onAck(msg);
      case 'nack':
        return this.onNack(msg);
      case 'done':
        return this.onDone(msg);
      case 'abort':
        return this.fail(new TargetError(msg.code, this.channel.name, 'the target aborted the transfer', msg.detail));
      default:
        return;
    }
  }

  private onSession(msg: SessionMsg): void {
    this.silent = 0;
    if (this.beginAcked || this.state !== HostState.Sending) {
      this.counters.duplicates++;
      return;
    }
    if (msg.size !== this.source.size || !equalBytes(msg.sha256, this.source.sha256)) {
      if (msg.state !== HoldState.none) return this.fail(peerProtocol(this.channel.name, 'SESSION names another image than BEGIN'));
    }
    this.beginAcked = true;
    const ranges: readonly ByteRange[] = msg.state === HoldState.none ? [] : msg.ranges;
    this.win.setHeld(ranges);
    for (const i of this.nackedEarly) this.win.markLost(i);
    this.nackedEarly.clear();
    if (this.rebegins === 0) {
      this.alreadyHeld = Math.min(this.heldBefore ?? Infinity, this.win.heldBytes);
      this.resumed = this.alreadyHeld > 0;
      this.heldRanges = this.resumed ? ranges : [];
      this.events.begin(this.begunEvent());
    }
    this.kick();
  }

  private onAck(msg: AckMsg): void {
    this.silent = 0;
    const r = this.win.ack(msg, this.scheduler.now());
    if (!r.valid) {
      this.counters.malformed++;
      return;
    }
    this.rto.heard(this.scheduler.now());
    this.channel.reportLoss?.(r.newlyHeld, r.lost, this.win.chunk + DATA_OVERHEAD);
    for (const s of r.rttSamples) {
      this.rto.sample(s);
      this.replies.rtt.sample(s); // the channel's estimate too, so the STATUS after DONE waits what this link needs
    }
    if (r.newlyHeld > 0) {
      this.events.progress({ kind: 'progress', heldBytes: this.win.heldBytes, size: this.source.size, counters: this.snapshot() });
    }
    this.kick();
  }

  private onNack(msg: NackMsg): void {
    this.silent = 0;
    this.rto.heard(this.scheduler.now());
    this.counters.naks++;
    const i = Math.floor(msg.offset / this.win.chunk);
    switch (msg.code) {
      case WireCode.ESRCH:
        if (this.nackedEarly.size < this.win.window) this.nackedEarly.add(i);
        return this.sessionLost();
      case WireCode.ECANCELED:
        return this.fail(new TargetError(msg.code, this.channel.name, 'the target aborted the session', '', msg.offset));
      default:
        return this.fail(new TargetError(msg.code, this.channel.name, 'the target refused DATA', '', msg.offset));
    }
  }

  /** The target does not know the session (restarted, or timed out): BEGIN again; it resumes from what it kept. */
  private sessionLost(): void {
    if (!this.beginAcked) return;
    if (++this.rebegins > this.tries) {
      return this.fail(new TargetError(WireCode.ESRCH, this.channel.name, 'the target keeps losing the session', `${this.rebegins} re-BEGINs`));
    }
    this.beginAcked = false;
    this.needBegin = true;
    this.kick();
  }

  private onResult(kind: Control, msg: ResultMsg): void {
    this.silent = 0;
    const link = this.channel.name;
    if (kind === 'begin') {
      if (msg.code !== WireCode.OK) this.fail(new TargetError(msg.code, link, 'BEGIN refused', msg.detail, msg.offset));
      return;
    }
    switch (msg.code) {
      case WireCode.EAGAIN:
        this.endSent = false;
        this.endRefused = true;
        // It saw END, so it saw (or lost) every chunk sent before: repeat the missing ones now, not after an RTO.
        this.channel.reportLoss?.(0, this.win.lostBefore(this.endTx), this.win.chunk + DATA_OVERHEAD);
        return this.kick();
      case WireCode.EINPROGRESS:
        this.endDue = this.scheduler.now() + this.rto.rto;
        return this.arm();
      case WireCode.ESRCH:
        return this.sessionLost();
      default:
        return this.fail(new TargetError(msg.code, link, 'verify/commit failed', msg.detail, msg.offset));
    }
  }

  private onDone(msg: DoneMsg): void {
    const s = this.source;
    if (msg.size !== s.size || msg.crc32 !== s.crc32 || !equalBytes(msg.sha256, s.sha256)) {
      return this.fail(peerProtocol(this.channel.name, `DONE reports ${msg.size} bytes, SHA-256 ${toHex(msg.sha256)}, not the image sent`));
    }
    const result = {
      session: this.session,
      size: s.size,
      crc32: s.crc32,
      sha256: toHex(s.sha256),
      slot: msg.slot,
      resumed: this.resumed,
      alreadyHeld: this.alreadyHeld,
      setupMs: this.setupMs,
      transferMs: this.scheduler.now() - this.startedAt,
      chunk: this.win.chunk,
      window: this.win.window,
      counters: mergeCounters(this.hostCounters(), this.channel.counters, this.base, msg.counters),
      target: msg.counters,
      srttMs: this.rto.smoothedRtt,
      rtoMs: this.rto.rto,
      ...(this.opts.coder === undefined ? {} : { savings: { ...this.opts.coder.savings } }),
    };
    this.finish();
    this.events.done({ kind: 'done', result }, this.begunEvent());
  }

  private begunEvent(): Extract<TransferEvent, { kind: 'begun' }> {
    return { kind: 'begun', resumed: this.resumed, heldBytes: this.alreadyHeld, heldRanges: this.heldRanges, size: this.source.size, beginAt: this.startedAt };
  }

  private snapshot(): ReturnType<typeof zeroCounters> {
    return mergeCounters(this.hostCounters(), this.channel.counters, this.base);
  }

  /** The transfer's own counts plus what the channel's reply matcher saw since the start: other sessions' frames, payloads that did not decode. */
  private hostCounters(): ReturnType<typeof zeroCounters> {
    const r = this.replies.counters;
    return {
      ...this.counters,
      foreign: this.counters.foreign + r.foreign - this.repliesBase.foreign,
      malformed: this.counters.malformed + r.undecodable - this.repliesBase.undecodable,
    };
  }

  private abort(): void {
    if (this.state === HostState.Finished || this.state === HostState.Aborting) return;
    this.state = HostState.Aborting;
    this.timer.clear();
    const at = { scheduler: this.scheduler, timeoutMs: this.rto.rto, tries: Math.min(this.tries, 3) };
    signCommand(this.channel, { kind: 'abort', code: WireCode.ECANCELED, detail: 'aborted by the host' }, { ...at, signer: this.opts.signer })
      .then((msg) => request(this.channel, msg, ['result'], { ...at, session: this.session, what: 'ABORT' }))
      .then(
      () => this.fail(new TransferAbortedError(this.channel.name, true)),
      (e: unknown) => this.fail(new TransferAbortedError(this.channel.name, e instanceof TargetError && e.code === 'ESRCH')),
    );
  }

  private finish(): void {
    this.state = HostState.Finished;
    this.timer.clear();
    this.sessionTimer.clear();
    this.replies.release(this.sink);
    for (const s of this.subs) s.unsubscribe();
  }

  fail(e: unknown): void {
    if (this.state === HostState.Finished) return;
    this.finish();
    this.out.error(asHilbridgeError(e));
  }

  dispose(): void {
    this.finish();
  }
}

/**
 * Move `source` into the target's slot. Emits 'begun' (with what the target
 * already held), 'progress' on every acknowledgement that adds bytes, and
 * 'done' with the result and counters; errors with a HilbridgeError
 * (LinkError peer_timeout/session_timeout/link_*, TargetError with the
 * target's code, ProtocolError, or 'aborted'). Unsubscribing stops sending
 * and leaves the target's session to resume later.
 */
export function transfer(channel: FrameChannel, source: ImageReader, opts: TransferOptions): Observable<TransferEvent> {
  return new Observable<TransferEvent>((subscriber) => {
    const sender = new HostSender(channel, source, opts, subscriber);
    sender.start();
    return () => sender.dispose();
  });
}
