/**
 * The target side of the protocol (docs/protocol.md sections 4-7): answers
 * HELLO/QUERY/STATUS/..., runs one receive session at a time over a
 * TargetBackend, acknowledges with cumulative offset + bitmap, and enforces
 * the receive window and the inter-chunk and session timeouts.
 *
 * Frames are handled one at a time in arrival order (a bounded queue feeds
 * the backend); replies are sent without waiting, the channel serialises them.
 */
import { asyncScheduler } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { asHilbridgeError, isHilbridgeError } from '../../errors.js';
import type { HilbridgeError } from '../../errors.js';
import { FRAME_OVERHEAD, PROTOCOL_VERSION } from '../constants.js';
import { WireCode, wireCodeOf } from '../messages-codes.js';
import { HoldState, Size } from '../messages-types.js';
import type { BeginMsg, DataMsg, Message } from '../messages-types.js';
import type { TargetBackend } from '../target-backend.js';
import type { FrameChannel } from '../types.js';
import { chunkLimit } from '../messages-types.js';
import { equalBytes } from '../../util/hex.js';
import { RxSession } from './rx-session.js';
import { TargetBaud } from './target-baud.js';
import { SERVE_DEFAULTS, TargetState } from './target-types.js';
import type { ServeOptions, TargetCounters, TargetHandle } from './target-types.js';
import type { Incoming } from './wire.js';
import { incoming, nextSeq, sendMessage } from './wire.js';

const MAX_DETAIL = 200;

class TargetServer {
  state = TargetState.Idle;
  readonly counters: TargetCounters = {
    framesReceived: 0, duplicates: 0, outOfWindow: 0, malformed: 0, overrun: 0, repliesDropped: 0, acksSent: 0, naksSent: 0, sessionsBegun: 0, aborts: 0,
    baudSwitches: 0, baudReverts: 0,
  };
  readonly baud: TargetBaud | undefined;
  private readonly scheduler: SchedulerLike;
  private readonly maxChunk: number;
  private readonly window: number;
  private readonly queue: Incoming[] = [];
  private processing = false;
  private pendingSends = 0;
  private readonly replyLimit: number;
  private rx: RxSession | undefined;
  private lastDone: { session: number; msg: Message } | undefined;
  private readonly aborted: number[] = [];
  private readonly sub;
  private endResolve!: (v: { error?: HilbridgeError }) => void;
  readonly ended = new Promise<{ error?: HilbridgeError }>((r) => (this.endResolve = r));

  constructor(
    private readonly channel: FrameChannel,
    private readonly backend: TargetBackend,
    private readonly opts: ServeOptions,
  ) {
    this.scheduler = opts.scheduler ?? asyncScheduler;
    this.maxChunk = Math.min(opts.maxChunk ?? 0xffff, chunkLimit(channel.maxFrame));
    this.window = opts.window ?? SERVE_DEFAULTS.window;
    this.replyLimit = opts.replyLimit ?? SERVE_DEFAULTS.replyLimit;
    this.baud = opts.baud === undefined ? undefined : new TargetBaud(opts.baud, this.scheduler, this.counters);
    this.sub = incoming(channel, false).subscribe({
      next: (m) => this.enqueue(m),
      error: (e: unknown) => this.stop(asHilbridgeError(e)),
      complete: () => this.stop(),
    });
  }

  get session(): number {
    return this.rx?.id ?? 0;
  }

  private enqueue(m: Incoming): void {
    this.counters.framesReceived++;
    this.baud?.heard();
    if (this.queue.length >= (this.opts.queueLimit ?? SERVE_DEFAULTS.queueLimit) && m.ok && m.msg.kind === 'data') {
      this.counters.overrun++;
      return;
    }
    this.queue.push(m);
    if (!this.processing) void this.drain();
  }

  private async drain(): Promise<void> {
    this.processing = true;
    while (this.queue.length > 0 && this.state !== TargetState.Closed) {
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
  send(msg: Message, session: number, seq: number): void {
    if (this.pendingSends >= this.replyLimit) {
      this.counters.repliesDropped++;
      return;
    }
    this.pendingSends++;
    void sendMessage(this.channel, msg, session, seq).then(
      () => this.pendingSends--,
      () => this.pendingSends--,
    );
  }

  private reply(m: Incoming, msg: Message): void {
    this.send(msg, m.session, m.seq);
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
    return { kind: 'result', code, offset, detail };
  }

  private async handle(m: Incoming): Promise<void> {
    if (!m.ok) {
      this.counters.malformed++;
      this.reply(m, this.result(WireCode.EBADMSG, m.detail.slice(0, MAX_DETAIL)));
      return;
    }
    const msg = m.msg;
    const busy = this.rx !== undefined;
    switch (msg.kind) {
      case 'hello': {
        const info = await this.backend.info();
        this.reply(m, {
          kind: 'info', version: PROTOCOL_VERSION, maxFrame: this.channel.maxFrame, maxChunk: this.maxChunk, window: this.window, ...info,
          ...(this.baud === undefined ? {} : { lineRates: this.baud.rates }),
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
      case 'end':
        return this.onEnd(m);
      case 'abort':
        return this.onHostAbort(m);
      case 'status': {
        const st = await this.backend.status();
        this.reply(m, {
          kind: 'status_info', state: this.rx ? this.state : st.state, session: this.session,
          size: this.rx?.size ?? 0, held: this.rx?.held.total ?? 0, slots: st.slots, bootCount: st.bootCount, lastError: st.lastError,
        });
        return;
      }
      case 'rollback':
      case 'confirm':
      case 'factory_reset':
        if (busy) return this.reply(m, this.result(WireCode.EBUSY, `session ${this.session} is ${this.state}`));
        if (msg.kind === 'rollback') await this.backend.rollback(msg.slot);
        else if (msg.kind === 'confirm') await this.backend.confirm(msg.slot);
        else await this.backend.factoryReset();
        return this.reply(m, this.result(WireCode.OK));
      case 'fmap':
        return this.reply(m, { kind: 'fmap_info', regions: await this.backend.fmap() });
      case 'info':
      case 'session':
      case 'ack':
      case 'nack':
      case 'done':
      case 'status_info':
      case 'fmap_info':
      case 'result':
        this.counters.malformed++;
        return this.reply(m, this.result(WireCode.ENOTSUP, `${msg.kind} is a target-to-host message`));
    }
  }

  /** Answer OK at the old rate, wait until the link accepted it, then switch (TargetBaud drains and reverts unless confirmed). */
  private async onSetBaud(m: Incoming, rate: number, confirmMs: number): Promise<void> {
    const baud = this.baud;
    if (baud === undefined) return this.reply(m, this.result(WireCode.ENOTSUP, `${this.channel.name} cannot change its line rate`));
    if (this.state === TargetState.Verifying) return this.reply(m, this.result(WireCode.EBUSY, `verifying session ${this.session}`));
    const refused = baud.refusal(rate);
    if (refused !== undefined) return this.reply(m, this.result(refused.code, refused.detail));
    await sendMessage(this.channel, this.result(WireCode.OK), m.session, m.seq).catch(() => undefined);
    await baud.switchTo(rate, confirmMs);
  }

  private async onQuery(m: Incoming, size: number, sha256: Uint8Array): Promise<void> {
    const held = this.rx ? { size: this.rx.size, sha256: this.rx.sha256, ranges: this.rx.held.ranges } : await this.backend.held();
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

  /**
   * A refused BEGIN changes nothing: every check, the backend's included,
   * runs before the open session (someone else's transfer, perhaps) is closed.
   */
  private async onBegin(m: Incoming, msg: BeginMsg): Promise<void> {
    if (m.session === 0) return this.reply(m, this.result(WireCode.EINVAL, 'BEGIN with session 0: session 0 is reserved for frames outside a transfer; pick an id 1..65535'));
    if (this.state === TargetState.Verifying) return this.reply(m, this.result(WireCode.EBUSY, `verifying session ${this.session}`));
    if (msg.chunk > this.maxChunk || msg.window > this.window) {
      return this.reply(m, this.result(WireCode.EINVAL, `chunk ${msg.chunk}/window ${msg.window} above this target's ${this.maxChunk}/${this.window}`));
    }
    const rx = this.rx;
    // The open session's own BEGIN again (its SESSION reply was lost): a retransmission, so `fresh` does not discard what arrived since.
    if (rx && rx.id === m.session && rx.size === msg.size && equalBytes(rx.sha256, msg.sha256)) {
      rx.touch();
      return this.reply(m, this.sessionMsg(rx.stateOfHeld(), rx.size, rx.sha256, rx.held.ranges));
    }
    const begun = await this.backend.begin({
      size: msg.size, crc32: msg.crc32, sha256: msg.sha256, slot: msg.slot, imageKind: msg.imageKind, fresh: msg.fresh,
    });
    if (this.state === TargetState.Closed) return;
    if (this.rx !== undefined) this.endSession(this.rx);
    this.counters.sessionsBegun++;
    this.lastDone = undefined;
    this.rx = new RxSession(this, m.session, msg, begun.ranges, this.scheduler, this.opts, nextSeq(this.channel));
    this.state = TargetState.Receiving;
    this.reply(m, this.sessionMsg(this.rx.stateOfHeld(), msg.size, msg.sha256, this.rx.held.ranges));
  }

  private async onData(m: Incoming, msg: DataMsg): Promise<void> {
    const rx = this.rx;
    if (!rx || rx.id !== m.session) {
      const code = this.aborted.includes(m.session) ? WireCode.ECANCELED : WireCode.ESRCH;
      return this.nack(m, code, msg.offset);
    }
    rx.touch();
    const verdict = rx.classify(msg.offset, msg.bytes.length);
    switch (verdict) {
      case 'bad':
        this.counters.malformed++;
        return this.nack(m, WireCode.EBADMSG, msg.offset);
      case 'beyond':
        this.counters.outOfWindow++;
        return;
      case 'held':
        this.counters.duplicates++;
        return rx.ackNow();
      case 'new':
        break;
    }
    try {
      await this.backend.write(msg.offset, msg.bytes);
    } catch (e) {
      const code = isHilbridgeError(e) ? wireCodeOf(e.code) : WireCode.EIO;
      return this.nack(m, code === WireCode.unknown ? WireCode.EIO : code, msg.offset);
    }
    if (this.rx !== rx) return;
    rx.stored(msg.offset, msg.bytes.length);
    if (rx.endRequested && rx.complete) this.verify(rx, m);
  }

  private nack(m: Incoming, code: number, offset: number): void {
    this.counters.naksSent++;
    this.reply(m, { kind: 'nack', code, offset });
  }

  private onEnd(m: Incoming): void {
    const rx = this.rx;
    if (this.lastDone?.session === m.session) return this.reply(m, this.lastDone.msg);
    if (!rx || rx.id !== m.session) {
      return this.reply(m, this.result(this.aborted.includes(m.session) ? WireCode.ECANCELED : WireCode.ESRCH, `no session ${m.session}`));
    }
    if (this.state === TargetState.Verifying) return this.reply(m, this.result(WireCode.EINPROGRESS, 'verifying'));
    rx.touch();
    if (!rx.complete) {
      rx.endRequested = true;
      this.reply(m, this.result(WireCode.EAGAIN, `${rx.held.total} of ${rx.size} bytes held`, rx.held.prefix));
      return rx.ackNow();
    }
    this.verify(rx, m);
  }

  /** Verify and commit in the background; frames keep flowing (END repeats get EINPROGRESS). */
  private verify(rx: RxSession, m: Incoming): void {
    this.state = TargetState.Verifying;
    rx.ackNow();
    rx.stopTimers();
    this.backend.end().then(
      (c) => {
        const counters = {
          framesReceived: this.counters.framesReceived, duplicates: this.counters.duplicates, outOfWindow: this.counters.outOfWindow,
          crcErrors: this.channel.counters.crcErrors, malformed: this.counters.malformed + this.channel.counters.malformed,
        };
        const done: Message = { kind: 'done', slot: c.slot, size: c.size, crc32: c.crc32, sha256: c.sha256, counters };
        this.lastDone = { session: rx.id, msg: done };
        this.endSession(rx);
        this.send(done, rx.id, m.seq);
      },
      async (e: unknown) => {
        this.endSession(rx);
        await this.backend.abort().catch(() => undefined);
        this.send(this.resultFor(e), rx.id, m.seq);
      },
    );
  }

  private async onHostAbort(m: Incoming): Promise<void> {
    if (this.state === TargetState.Verifying) return this.reply(m, this.result(WireCode.EBUSY, 'verifying: too late to abort'));
    if (this.rx) this.endSession(this.rx, true);
    this.remember(m.session);
    this.counters.aborts++;
    await this.backend.abort();
    this.reply(m, this.result(WireCode.OK));
  }

  /** Session timeout (from RxSession): abort, free, tell the host. */
  async expire(rx: RxSession): Promise<void> {
    if (this.rx !== rx || this.state === TargetState.Verifying) return;
    await this.abortSession(WireCode.ETIMEDOUT, `session ${rx.id} exceeded the target's session timeout`);
  }

  /** Inter-chunk timeout (from RxSession): suspend, keep the data for resume. */
  suspend(rx: RxSession): void {
    if (this.rx === rx && this.state === TargetState.Receiving) this.endSession(rx);
  }

  async abortSession(code: number, detail: string): Promise<void> {
    const rx = this.rx;
    if (this.state === TargetState.Verifying) return;
    if (rx) {
      this.endSession(rx, true);
      this.remember(rx.id);
      this.send({ kind: 'abort', code, detail }, rx.id, nextSeq(this.channel));
    }
    this.counters.aborts++;
    await this.backend.abort();
  }

  private endSession(rx: RxSession, discard = false): void {
    rx.close(discard);
    if (this.rx === rx) this.rx = undefined;
    if (this.state !== TargetState.Closed) this.state = TargetState.Idle;
  }

  private remember(session: number): void {
    this.aborted.push(session);
    if (this.aborted.length > 8) this.aborted.shift();
  }

  stop(error?: HilbridgeError): void {
    if (this.state === TargetState.Closed) return;
    this.rx?.close();
    this.rx = undefined;
    this.state = TargetState.Closed;
    this.baud?.stop();
    this.sub.unsubscribe();
    this.queue.length = 0;
    this.endResolve(error === undefined ? {} : { error });
  }
}

/**
 * Serve the target side of the protocol on `channel` with `backend`.
 * Runs until close() or the link ends; `ended` says which.
 */
export function serveTarget(channel: FrameChannel, backend: TargetBackend, opts: ServeOptions = {}): TargetHandle {
  const s = new TargetServer(channel, backend, opts);
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

