/**
 * The target side of the protocol (docs/protocol.md sections 4-7): answers
 * HELLO/QUERY/STATUS/..., serves one receive session at a time (receiver.ts:
 * its state, held ranges, timeouts and every EBUSY) over the board's image
 * sink, and keeps the wire's part: the receive window, ACK pacing, replies,
 * the ids of aborted sessions, the last DONE.
 *
 * Frames are handled one at a time in arrival order (a bounded queue feeds
 * the sink); replies are sent without waiting, at most `replyLimit` at a time.
 */
import { asyncScheduler } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { asHilbridgeError, isHilbridgeError } from '../../errors.js';
import type { HilbridgeError } from '../../errors.js';
import { FRAME_OVERHEAD, PROTOCOL_VERSION } from '../constants.js';
import { WireCode, wireCodeOf } from '../messages-codes.js';
import { HoldState, Size } from '../messages-types.js';
import type { BeginMsg, DataMsg, Message, XdataMsg } from '../messages-types.js';
import type { BoardControl, ImageSink } from '../image-sink.js';
import type { FrameChannel } from '../types.js';
import { chunkLimit } from '../messages-types.js';
import { equalBytes } from '../../util/hex.js';
import { AckPacer } from './ack-pacer.js';
import { authoriseCommand } from './auth-target.js';
import { isAuthenticatedKind } from '../messages-auth.js';
import { Receiver } from './receiver.js';
import { deltaRefusal, xdataChunks } from './target-delta.js';
import { MAX_DETAIL, answerCommand, result } from './target-commands.js';
import type { CommandContext } from './target-commands.js';
import type { ReceiveSession } from './receiver.js';
import { TargetBaud } from './target-baud.js';
import { SERVE_DEFAULTS, TargetState } from './target-types.js';
import type { ServeOptions, TargetCounters, TargetHandle } from './target-types.js';
import type { Incoming } from './wire.js';
import { incoming, nextSeq, sendMessage } from './wire.js';


/** RESULT OK's detail for an ABORT that found no session open and no image kept. */
export const NOTHING_TO_ABORT = 'nothing to abort: no session is open and no image is staged';

/** An answer that only says no: a failed RESULT or a NACK. */
function isRefusal(msg: Message): boolean {
  return (msg.kind === 'result' && msg.code !== WireCode.OK) || msg.kind === 'nack';
}

class TargetServer {
  private closed = false;
  readonly counters: TargetCounters = {
    framesReceived: 0, duplicates: 0, outOfWindow: 0, malformed: 0, overrun: 0, repliesDropped: 0, acksSent: 0, naksSent: 0, sessionsBegun: 0, aborts: 0,
    baudSwitches: 0, baudReverts: 0,
  };
  readonly baud: TargetBaud | undefined;
  readonly rx: Receiver;
  private readonly scheduler: SchedulerLike;
  private readonly maxChunk: number;
  private readonly window: number;
  private readonly queue: Incoming[] = [];
  private processing = false;
  private pendingSends = 0;
  private readonly replyLimit: number;
  private pacer: AckPacer | undefined;
  private lastDone: { session: number; msg: Message } | undefined;
  private readonly aborted: number[] = [];
  private readonly sub;
  private endResolve!: (v: { error?: HilbridgeError }) => void;
  readonly ended = new Promise<{ error?: HilbridgeError }>((r) => (this.endResolve = r));

  constructor(
    private readonly channel: FrameChannel,
    private readonly board: ImageSink & BoardControl,
    private readonly opts: ServeOptions,
  ) {
    this.scheduler = opts.scheduler ?? asyncScheduler;
    this.maxChunk = Math.min(opts.maxChunk ?? 0xffff, chunkLimit(channel.maxFrame));
    this.window = opts.window ?? SERVE_DEFAULTS.window;
    this.replyLimit = opts.replyLimit ?? SERVE_DEFAULTS.replyLimit;
    this.rx = new Receiver(board, { scheduler: this.scheduler, interChunkTimeoutMs: opts.interChunkTimeoutMs, sessionTimeoutMs: opts.sessionTimeoutMs }, {
      suspended: () => this.stopPacer(),
      expired: (s) => void this.abortSession(WireCode.ETIMEDOUT, `session ${s.id} exceeded the target's session timeout`, s),
    });
    this.baud = opts.baud === undefined ? undefined : new TargetBaud(opts.baud, this.scheduler, this.counters);
    this.sub = incoming(channel, false).subscribe({
      next: (m) => this.enqueue(m),
      error: (e: unknown) => this.stop(asHilbridgeError(e)),
      complete: () => this.stop(),
    });
  }

  get state(): TargetState {
    return this.closed ? TargetState.Closed : this.rx.state;
  }

  get session(): number {
    return this.rx.session?.id ?? 0;
  }

  /**
   * DATA is dropped once `queueLimit` frames wait (the host repeats it); other
   * frames get twice that, so END/ABORT/requests still get through a backlog
   * of DATA, and a flood of anything is bounded in memory.
   */
  private enqueue(m: Incoming): void {
    this.counters.framesReceived++;
    this.baud?.heard();
    const limit = this.opts.queueLimit ?? SERVE_DEFAULTS.queueLimit;
    if (this.queue.length >= (m.ok && m.msg.kind === 'data' ? limit : 2 * limit)) {
      this.counters.overrun++;
      return;
    }
    this.queue.push(m);
    if (!this.processing) void this.drain();
  }

  private async drain(): Promise<void> {
    this.processing = true;
    while (this.queue.length > 0 && !this.closed) {
      const m = this.queue.shift()!;
      try {
        await this.handle(m);
      } catch (e) {
        this.reply(m, this.resultFor(e));
      }
    }
    this.processing = false;
  }

  /**
   * Fire-and-forget send: replies never block the receive path; a dead link
   * ends serving via frames$. At most `replyLimit` frames wait for the link:
   * the channel serialises sends, so without a bound every reply a link
   * cannot take (nobody reads the pty, a flood of requests outpaces the
   * replies) would queue ahead of the answer to the next request.
   */
  send(msg: Message, session: number, seq: number, limit = this.replyLimit): void {
    if (this.pendingSends >= limit) {
      this.counters.repliesDropped++;
      return;
    }
    this.pendingSends++;
    void sendMessage(this.channel, msg, session, seq).then(
      () => this.pendingSends--,
      () => this.pendingSends--,
    );
  }

  /**
   * Refusals of frames outside the open session get a quarter of the room:
   * a third party whose requests are all refused (another session's BEGIN
   * every 2 ms) cannot keep the line full ahead of the answers a working
   * host waits for. Whoever wants a refusal repeated asks again.
   */
  private reply(m: Incoming, msg: Message): void {
    const outsider = m.session !== this.session && isRefusal(msg);
    this.send(msg, m.session, m.seq, outsider ? Math.max(1, this.replyLimit >> 2) : this.replyLimit);
  }

  private resultFor(e: unknown): Message {
    const err = asHilbridgeError(e);
    const offset = (err as { offset?: unknown }).offset;
    return {
      kind: 'result',
      code: isHilbridgeError(e) ? wireCodeOf(err.code) : WireCode.unknown,
      offset: typeof offset === 'number' ? offset : undefined,
      detail: err.message.slice(0, MAX_DETAIL),
    };
  }

  private result(code: number, detail = '', offset?: number): Message {
    return result(code, detail, offset);
  }

  private commandContext(): CommandContext {
    return {
      board: this.board, maxFrame: this.channel.maxFrame, session: this.rx.session, state: this.state, sessionId: this.session,
      refusal: (what) => this.rx.refusal(what),
    };
  }

  private async handle(m: Incoming): Promise<void> {
    if (!m.ok) {
      this.counters.malformed++;
      this.reply(m, this.result(WireCode.EBADMSG, m.detail.slice(0, MAX_DETAIL)));
      return;
    }
    const msg = m.msg;
    if (isAuthenticatedKind(msg.kind) && !this.resumesOpenSession(m)) await authoriseCommand(this.board, msg);
    switch (msg.kind) {
      case 'hello': {
        const info = await this.board.info();
        this.reply(m, {
          kind: 'info', version: PROTOCOL_VERSION, maxFrame: this.channel.maxFrame, maxChunk: this.maxChunk, window: this.window, ...info,
          ...(this.baud === undefined ? {} : { lineRates: this.baud.rates }),
          ...((this.board.delta?.codecs.length ?? 0) > 0 ? { codecs: this.board.delta!.codecs } : {}),
        });
        return;
      }
      case 'set_baud':
        return this.onSetBaud(m, msg.rate, msg.confirmMs);
      case 'query':
        return this.onQuery(m, msg.size, msg.sha256);
      case 'begin':
        return this.onBegin(m, msg);
      case 'data':
        return this.onData(m, msg);
      case 'xdata':
        return this.onData(m, msg);
      case 'end':
        return this.onEnd(m);
      case 'abort':
        return this.onHostAbort(m);
      case 'challenge':
      case 'audit':
      case 'sigs':
      case 'status':
      case 'rollback':
      case 'confirm':
      case 'factory_reset':
      case 'fmap':
      case 'trust_list':
      case 'trust_add':
      case 'bootcfg_get':
      case 'bootcfg_set':
        return this.reply(m, await answerCommand(this.commandContext(), msg));
      case 'info':
      case 'session':
      case 'ack':
      case 'nack':
      case 'done':
      case 'status_info':
      case 'fmap_info':
      case 'trust_info':
      case 'nonce':
      case 'audit_info':
      case 'bootcfg_info':
      case 'sigs_info':
      case 'result':
        this.counters.malformed++;
        return this.reply(m, this.result(WireCode.ENOTSUP, `${msg.kind} is a target-to-host message`));
    }
  }

  /** A BEGIN repeating the open session's (same id, size and SHA-256) resumes what was authorised at its start: no new nonce. */
  private resumesOpenSession(m: Incoming): boolean {
    const s = this.rx.session;
    return m.ok && m.msg.kind === 'begin' && s !== undefined && s.id === m.session && s.size === m.msg.size && equalBytes(s.sha256, m.msg.sha256);
  }

  /** Answer OK at the old rate, wait until the link accepted it, then switch (TargetBaud drains and reverts unless confirmed). */
  private async onSetBaud(m: Incoming, rate: number, confirmMs: number): Promise<void> {
    const baud = this.baud;
    if (baud === undefined) return this.reply(m, this.result(WireCode.ENOTSUP, `${this.channel.name} cannot change its line rate`));
    const busy = this.rx.refusal('SET_BAUD');
    if (busy !== undefined) throw busy;
    const refused = baud.refusal(rate);
    if (refused !== undefined) return this.reply(m, this.result(refused.code, refused.detail));
    await sendMessage(this.channel, this.result(WireCode.OK), m.session, m.seq).catch(() => undefined);
    await baud.switchTo(rate, confirmMs);
  }

  private async onQuery(m: Incoming, size: number, sha256: Uint8Array): Promise<void> {
    const held = await this.rx.held();
    const zero = new Uint8Array(32);
    if (held === undefined) return this.reply(m, { kind: 'session', state: HoldState.none, truncated: false, size: 0, sha256: zero, ranges: [] });
    const same = held.size === size && equalBytes(held.sha256, sha256);
    const complete = same && held.ranges.length === 1 && held.ranges[0]!.start === 0 && held.ranges[0]!.end === size;
    const state = !same ? HoldState.other : complete ? HoldState.complete : held.ranges.length > 0 ? HoldState.partial : HoldState.none;
    this.reply(m, this.sessionMsg(state, held.size, held.sha256, same ? held.ranges : []));
  }

  private sessionMsg(state: HoldState, size: number, sha256: Uint8Array, ranges: readonly { start: number; end: number }[]): Message {
    const max = Math.floor((this.channel.maxFrame - FRAME_OVERHEAD - Size.sessionFixed) / Size.sessionRange);
    return { kind: 'session', state, truncated: ranges.length > max, size, sha256, ranges: ranges.slice(0, max) };
  }

  /** A refused BEGIN changes nothing: the receiver and the sink refuse before anything is touched. */
  private async onBegin(m: Incoming, msg: BeginMsg): Promise<void> {
    if (m.session === 0) return this.reply(m, this.result(WireCode.EINVAL, 'BEGIN with session 0: session 0 is reserved for frames outside a transfer; pick an id 1..65535'));
    if (msg.chunk > this.maxChunk || msg.window > this.window) {
      return this.reply(m, this.result(WireCode.EINVAL, `chunk ${msg.chunk}/window ${msg.window} above this target's ${this.maxChunk}/${this.window}`));
    }
    const before = this.rx.session;
    const { session: s } = await this.rx.begin({ id: m.session, chunk: msg.chunk, window: msg.window }, {
      size: msg.size, crc32: msg.crc32, sha256: msg.sha256, slot: msg.slot, imageKind: msg.imageKind, fresh: msg.fresh,
    });
    if (this.closed) return this.rx.close(); // stopped while the sink was busy: no timers outlive serving
    if (s !== before) {
      this.stopPacer();
      this.pacer = new AckPacer(this, s, msg, this.scheduler, nextSeq(this.channel));
      this.counters.sessionsBegun++;
      this.lastDone = undefined;
    }
    this.reply(m, this.sessionMsg(s.stateOfHeld(), s.size, s.sha256, s.held.ranges));
  }

  /** The open session if `id` is it, else the NACK/RESULT code for DATA/END of `id`. */
  private sessionFor(id: number): { s: ReceiveSession; pacer: AckPacer } | number {
    const s = this.rx.session;
    const pacer = this.pacer;
    if (s !== undefined && s.id === id && pacer?.session === s) return { s, pacer };
    return this.aborted.includes(id) ? WireCode.ECANCELED : WireCode.ESRCH;
  }

  /** DATA, or XDATA (docs/protocol.md 9): each chunk it builds goes the way of a DATA chunk. */
  private async onData(m: Incoming, msg: DataMsg | XdataMsg): Promise<void> {
    const done = this.lastDone;
    if (done?.session === m.session && done.msg.kind === 'done') {
      // a repeat that was on its way when the image completed: everything is held (and committed)
      this.counters.duplicates++;
      this.counters.acksSent++;
      return this.send({ kind: 'ack', cumulative: done.msg.size, bitmap: new Uint8Array(0) }, m.session, nextSeq(this.channel));
    }
    const found = this.sessionFor(m.session);
    if (typeof found === 'number') return this.nack(m, found, msg.offset);
    this.rx.touch();
    if (msg.kind === 'data') return void (await this.storeChunk(m, found.s, found.pacer, msg.offset, msg.bytes));
    const delta = this.board.delta;
    if (delta === undefined) return this.nack(m, WireCode.ENOTSUP, msg.offset);
    try {
      const run = msg.count > 1;
      for await (const c of xdataChunks(delta, msg, found.s)) if (!(await this.storeChunk(m, found.s, found.pacer, c.offset, c.bytes, run))) return;
      // a run is one frame, and the window moves on its one ACK (a repeated run frame costs one ACK, not one per chunk)
      if (run && this.rx.session === found.s) found.pacer.ackNow();
    } catch (e) {
      const code = deltaRefusal(e);
      if (code === undefined) throw e;
      this.counters.malformed++;
      return this.nack(m, wireCodeOf(code), msg.offset);
    }
  }

  /**
   * Store one chunk of the session; false when the rest of the frame is not to be stored (refused, or the session
   * ended). A chunk of an XDATA run (`inRun`) is not ACKed on its own: the run is, once.
   */
  private async storeChunk(m: Incoming, s: ReceiveSession, pacer: AckPacer, offset: number, bytes: Uint8Array, inRun = false): Promise<boolean> {
    switch (s.classify(offset, bytes.length)) {
      case 'bad':
        this.counters.malformed++;
        this.nack(m, WireCode.EBADMSG, offset);
        return false;
      case 'beyond':
        this.counters.outOfWindow++;
        return false;
      case 'held':
        this.counters.duplicates++;
        if (!inRun) pacer.ackNow();
        return true;
      case 'new':
        break;
    }
    try {
      await this.rx.write(s, offset, bytes);
    } catch (e) {
      const code = isHilbridgeError(e) ? wireCodeOf(e.code) : WireCode.EIO;
      // The image itself was refused (HXE checks, capabilities, budget): the session is over, and NACK has no room for
      // why; ABORT carries the code and the board's own words, so the host says which limit, not "at byte 0x0".
      if (code >= WireCode.sha256_mismatch && code !== WireCode.unknown) await this.abortSession(code, asHilbridgeError(e).message.slice(0, MAX_DETAIL), s);
      else this.nack(m, code === WireCode.unknown ? WireCode.EIO : code, offset);
      return false;
    }
    if (this.rx.session !== s) return false;
    if (inRun) pacer.storedInRun();
    else pacer.stored();
    if (s.endRequested && s.complete) this.verify(s, pacer, m);
    return true;
  }

  private nack(m: Incoming, code: number, offset: number): void {
    this.counters.naksSent++;
    this.reply(m, { kind: 'nack', code, offset });
  }

  private onEnd(m: Incoming): void {
    if (this.lastDone?.session === m.session) return this.reply(m, this.lastDone.msg);
    const found = this.sessionFor(m.session);
    if (typeof found === 'number') return this.reply(m, this.result(found, `no session ${m.session}`));
    if (this.rx.state === TargetState.Verifying) return this.reply(m, this.result(WireCode.EINPROGRESS, 'verifying'));
    this.rx.touch();
    if (!found.s.complete) {
      found.s.endRequested = true;
      this.reply(m, this.result(WireCode.EAGAIN, `${found.s.held.total} of ${found.s.size} bytes held`, found.s.held.prefix));
      return found.pacer.ackNow();
    }
    this.verify(found.s, found.pacer, m);
  }

  /** Verify and commit in the background; frames keep flowing (END repeats get EINPROGRESS). */
  private verify(s: ReceiveSession, pacer: AckPacer, m: Incoming): void {
    pacer.ackNow();
    pacer.stop(); // kept until the verdict: DATA of the session is still acknowledged
    this.rx.end(s).then(
      (c) => {
        if (this.pacer === pacer) this.pacer = undefined;
        const counters = {
          framesReceived: this.counters.framesReceived, duplicates: this.counters.duplicates, outOfWindow: this.counters.outOfWindow,
          crcErrors: this.channel.counters.crcErrors, malformed: this.counters.malformed + this.channel.counters.malformed,
        };
        const done: Message = { kind: 'done', slot: c.slot, size: c.size, crc32: c.crc32, sha256: c.sha256, counters };
        this.lastDone = { session: s.id, msg: done };
        this.send(done, s.id, m.seq);
      },
      (e: unknown) => {
        if (this.pacer === pacer) this.pacer = undefined;
        this.send(this.resultFor(e), s.id, m.seq);
      },
    );
  }

  private async onHostAbort(m: Incoming): Promise<void> {
    const open = this.rx.session;
    const kept = open === undefined ? await this.board.held() : undefined;
    const s = await this.rx.abort(m.session);
    if (s !== undefined) this.stopPacer();
    this.remember(m.session);
    this.counters.aborts++;
    // OK either way (ABORT is idempotent), but say when there was nothing to abort (docs/protocol.md 6.2)
    this.reply(m, this.result(WireCode.OK, open === undefined && kept === undefined ? NOTHING_TO_ABORT : ''));
  }

  /** Abort from the target (operator, session timeout): free, tell the host. `only`: abort only if that session is still open. */
  async abortSession(code: number, detail: string, only?: ReceiveSession): Promise<void> {
    if (this.rx.state === TargetState.Verifying || (only !== undefined && this.rx.session !== only)) return;
    const s = await this.rx.abort();
    if (s !== undefined) {
      this.stopPacer();
      this.remember(s.id);
      this.send({ kind: 'abort', code, detail }, s.id, nextSeq(this.channel));
    }
    this.counters.aborts++;
  }

  private stopPacer(): void {
    this.pacer?.stop();
    this.pacer = undefined;
  }

  private remember(session: number): void {
    this.aborted.push(session);
    if (this.aborted.length > 8) this.aborted.shift();
  }

  stop(error?: HilbridgeError): void {
    if (this.closed) return;
    this.closed = true;
    this.stopPacer();
    this.rx.close();
    this.baud?.stop();
    this.sub.unsubscribe();
    this.queue.length = 0;
    this.endResolve(error === undefined ? {} : { error });
  }
}

/**
 * Serve the target side of the protocol on `channel` for `board` (its image
 * sink and its controls). Runs until close() or the link ends; `ended` says which.
 */
export function serveTarget(channel: FrameChannel, board: ImageSink & BoardControl, opts: ServeOptions = {}): TargetHandle {
  const s = new TargetServer(channel, board, opts);
  return {
    get state() {
      return s.state;
    },
    get session() {
      return s.session;
    },
    counters: s.counters,
    get lineRate() {
      return s.baud?.rate;
    },
    abort: (detail = 'aborted by the target') => s.abortSession(WireCode.ECANCELED, detail),
    close: () => {
      s.stop();
      return Promise.resolve();
    },
    ended: s.ended,
  };
}
