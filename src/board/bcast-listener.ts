/**
 * The board's broadcast listener (docs/protocol.md section 8): takes the
 * announce of a broadcast session from the group, joins when the master asks
 * (the board's own BEGIN checks: VirtualBoard.begin, so the same loader and
 * FRAM staging as a unicast transfer, resuming what the staging journal
 * holds), stores group DATA by offset (a duplicate is harmless), answers
 * polls with the ranges it misses, verifies and commits like END.
 *
 * One state machine, one loader: the listener drives the board's loader
 * through the board's image-sink methods and never keeps image bytes.
 * Frames are handled in arrival order; DATA frames that wait in a row for
 * consecutive blocks are written together (one FRAM write, not one per frame).
 */
import type { Subscription } from 'rxjs';
import { asHilbridgeError } from '../errors.js';
import { ANY_SLOT, ImageKind, MessageType } from '../protocol/messages-types.js';
import { wireCodeOf } from '../protocol/messages-codes.js';
import type { CanFrame, CanTransport } from '../transports/types.js';
import { fromHex } from '../util/hex.js';
import { RangeSet } from '../util/ranges.js';
import {
  AnnounceParts, BcastKind, CtrlOp, MAP_RANGES, MAX_DETAIL, ReplyCode, committedBody, decodeCtrl, detailBodies, mapEndBody, mapFrame, mapRuns, readyBody, replyFrame,
  verdictBody, verifiedBody,
} from '../protocol/engine/bcast-wire.js';
import type { Announce, Ctrl } from '../protocol/engine/bcast-wire.js';
import { bcastKind } from '../protocol/engine/bcast-wire.js';
import type { VirtualBoard } from './board.js';
import { BoardError } from './errors.js';
import type { LoadSession } from './session.js';

export enum ListenerState {
  /** No session joined. */
  Idle = 'idle',
  Receiving = 'receiving',
  /** Every byte verified, staged, not active (all-or-none, waiting for COMMIT). */
  Verified = 'verified',
  Committed = 'committed',
  /** Refused at JOIN, while the bytes arrived, or at verification; the staging is freed. */
  Failed = 'failed',
  Aborted = 'aborted',
}

export interface BcastListenerOptions {
  /** This board's node id (1..254). */
  readonly node: number;
  /** Frames per second this board reads (advertised in READY so the master paces to it; default: no limit). */
  readonly rxFramesPerSecond?: number;
}

export interface BcastListenerCounters {
  dataFrames: number;
  duplicates: number;
  /** Broadcast frames that did not decode or did not fit the session. */
  malformed: number;
  replies: number;
}

/** Bytes read back per write when the staging journal catches up. */
const JOURNAL_PIECE = 1024;

/** DATA frames waiting to be handled beyond this are dropped (the master repairs what they carried). */
const QUEUE_LIMIT = 512;
/**
 * Room kept above QUEUE_LIMIT for the master's control frames (announce, CTRL): a board behind on DATA still hears
 * the poll that asks what it misses; only a flood of control frames beyond this is dropped.
 */
const CONTROL_ROOM = 64;
/** Contiguous queued DATA is written to the staging slot in one write of at most this many bytes. */
const WRITE_RUN = 1024;

/** A broadcast frame waiting to be handled (replies from other nodes are never queued). */
interface Queued {
  readonly kind: BcastKind.Announce | BcastKind.Data | BcastKind.Ctrl;
  readonly low: number;
  readonly data: Uint8Array;
}

export class BcastListener {
  private st = ListenerState.Idle;
  private readonly parts = new AnnounceParts();
  private announced: Announce | undefined;
  /** The session joined (its announce). */
  private joined: Announce | undefined;
  private readonly held = new RangeSet();
  private verdict: { code: number; detail: string } | undefined;
  private committed: { slot: number; crc: number } | undefined;
  private readonly queue: Queued[] = [];
  private draining = false;
  private readonly sub: Subscription;
  readonly counters: BcastListenerCounters = { dataFrames: 0, duplicates: 0, malformed: 0, replies: 0 };

  constructor(
    private readonly board: VirtualBoard,
    private readonly transport: CanTransport,
    private readonly opts: BcastListenerOptions,
  ) {
    this.sub = transport.rx$.subscribe({ next: (f) => this.enqueue(f), error: () => undefined });
  }

  get state(): ListenerState {
    return this.st;
  }

  /** Stop listening (the board keeps what it staged). */
  close(): void {
    this.sub.unsubscribe();
  }

  private enqueue(f: CanFrame): void {
    const k = bcastKind(f);
    if (k === undefined || k.kind === BcastKind.Reply) return;
    if (this.queue.length >= (k.kind === BcastKind.Data ? QUEUE_LIMIT : QUEUE_LIMIT + CONTROL_ROOM)) return;
    this.queue.push({ kind: k.kind, low: k.low, data: f.data });
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        try {
          await this.handle(this.queue.shift()!);
        } catch (e) {
          // a fault of the board's own (not of a frame, which is checked): the session fails and says why, the listener lives on
          this.fail(e);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async handle(f: Queued): Promise<void> {
    switch (f.kind) {
      case BcastKind.Announce: {
        const a = this.parts.push(f.low & 0xff, f.data);
        if (a !== undefined) this.announced = a;
        return;
      }
      case BcastKind.Data:
        return this.data(f.low, f.data);
      case BcastKind.Ctrl: {
        const c = decodeCtrl(f.low, f.data);
        if (c === undefined) this.counters.malformed++;
        else if (c.node === 0 || c.node === this.opts.node) await this.ctrl(c);
        return;
      }
    }
  }

  private async data(index: number, bytes: Uint8Array): Promise<void> {
    const s = this.joined;
    if (s === undefined || this.st !== ListenerState.Receiving) return;
    const offset = index * s.blockSize;
    if (offset >= s.size) return void this.counters.malformed++;
    const end = Math.min(offset + s.blockSize, s.size);
    if (bytes.length < end - offset) return void this.counters.malformed++;
    this.counters.dataFrames++;
    if (this.board.loaderSession() !== this.loading) {
      // a point-to-point BEGIN replaced the loader's session: never write group data into its image
      return this.fail(new BoardError('EBUSY', `the loader was taken over by a point-to-point transfer during broadcast session ${s.session}`));
    }
    if (this.held.has(offset, end)) return void this.counters.duplicates++;
    const run = this.takeRun(s, index, bytes.subarray(0, end - offset));
    const runEnd = offset + run.length;
    const after = new RangeSet(this.held.ranges);
    after.add(offset, runEnd);
    try {
      await this.board.write(offset, run, after.prefix);
      this.held.add(offset, runEnd);
    } catch (e) {
      this.fail(e);
    }
  }

  /**
   * The block at `index` and the DATA for the blocks right after it that wait at the head of the queue, not held yet,
   * as one run of at most WRITE_RUN bytes: a board that fell behind catches up in a few FRAM writes, not one per frame.
   */
  private takeRun(s: Announce, index: number, first: Uint8Array): Uint8Array {
    const parts = [first];
    let length = first.length;
    let next = index + 1;
    for (;;) {
      const f = this.queue[0];
      if (f?.kind !== BcastKind.Data || f.low !== next || length + s.blockSize > WRITE_RUN || first.length < s.blockSize) break;
      const offset = next * s.blockSize;
      const end = Math.min(offset + s.blockSize, s.size);
      if (offset >= s.size || f.data.length < end - offset || this.held.has(offset, end)) break;
      this.queue.shift();
      this.counters.dataFrames++;
      parts.push(f.data.subarray(0, end - offset));
      length += end - offset;
      next++;
      if (end === s.size) break;
    }
    if (parts.length === 1) return first;
    const run = new Uint8Array(length);
    let at = 0;
    for (const p of parts) {
      run.set(p, at);
      at += p.length;
    }
    return run;
  }

  private async ctrl(c: Ctrl): Promise<void> {
    if (c.op === CtrlOp.Join) return this.join(c.session);
    const s = this.joined;
    if (s === undefined || s.session !== c.session) {
      // A restart lost the session (or it never joined): the master announces and JOINs again.
      return this.reply(c.op === CtrlOp.Abort ? ReplyCode.Aborted : ReplyCode.Unknown, c.session);
    }
    switch (c.op) {
      case CtrlOp.Poll:
        return this.poll(s, c.arg);
      case CtrlOp.Verify:
        return this.verify(s);
      case CtrlOp.Commit:
        return this.commit(s);
      case CtrlOp.Abort:
        return this.abort(s);
    }
  }

  private async join(session: number): Promise<void> {
    const a = this.announced;
    if (a === undefined || a.session !== session) return this.reply(ReplyCode.Unknown, session);
    if (this.joined?.session === session && this.st !== ListenerState.Idle) return this.repeatState(a);
    const other = this.board.loaderSession();
    if (other !== null && (other.req.sha256 !== a.sha256 || other.req.size !== a.size)) {
      // a point-to-point transfer (open or suspended) stages another image: a JOIN must not replace it (a refusal changes nothing)
      this.verdict = {
        code: wireCodeOf('EBUSY'),
        detail: `JOIN: another image (${other.req.size} bytes, sha256 ${other.req.sha256.slice(0, 16)}…) is being staged by a point-to-point transfer: finish it or run hilbridge abort first`,
      };
      this.verdictCode = ReplyCode.Refuse;
      return this.sendVerdict(session);
    }
    this.joined = a;
    this.verdict = undefined;
    this.committed = undefined;
    this.held.clear();
    try {
      // A broadcast session carries no AUTH block: a board that requires authenticated commands (a trust store
      // with a key under the signed policy) refuses to JOIN, as it refuses an unauthenticated BEGIN (audited).
      await this.board.authorise({ type: MessageType.BEGIN, payload: new Uint8Array(0), auth: undefined });
      const kind = a.kind === ImageKind.bundle ? ImageKind.bundle : a.kind === ImageKind.hxe ? ImageKind.hxe : ImageKind.raw;
      const r = await this.board.begin({ size: a.size, crc32: a.crc32, sha256: fromHex(a.sha256), slot: ANY_SLOT, imageKind: kind, fresh: false });
      for (const x of r.ranges) this.held.add(x.start, x.end);
      this.loading = this.board.loaderSession();
      this.st = ListenerState.Receiving;
      this.reply(ReplyCode.Ready, session, readyBody(this.opts.rxFramesPerSecond ?? 0));
    } catch (e) {
      this.fail(e, ReplyCode.Refuse);
    }
  }

  private repeatState(a: Announce): void {
    switch (this.st) {
      case ListenerState.Receiving:
        return this.reply(ReplyCode.Ready, a.session, readyBody(this.opts.rxFramesPerSecond ?? 0));
      case ListenerState.Verified:
      case ListenerState.Committed:
        return this.poll(a, 0);
      case ListenerState.Failed:
      case ListenerState.Aborted:
      case ListenerState.Idle:
        return this.sendVerdict(a.session);
    }
  }

  /** Missing ranges below block `limit`, in blocks, at most MAP_RANGES of them, then MAP_END. */
  private poll(s: Announce, limit: number): void {
    switch (this.st) {
      case ListenerState.Verified:
        return this.reply(ReplyCode.Verified, s.session, verifiedBody(s.crc32));
      case ListenerState.Committed:
        return this.reply(ReplyCode.Committed, s.session, committedBody(this.committed?.slot ?? 0, this.committed?.crc ?? 0));
      case ListenerState.Failed:
      case ListenerState.Aborted:
      case ListenerState.Idle:
        return this.sendVerdict(s.session);
      case ListenerState.Receiving:
        break;
    }
    const upTo = Math.min(s.size, limit * s.blockSize);
    const holes = missing(this.held.ranges, upTo);
    const listed = holes.slice(0, MAP_RANGES).map((h) => ({ start: Math.floor(h.start / s.blockSize), end: Math.ceil(h.end / s.blockSize) }));
    const frames = mapRuns(listed);
    for (const runs of frames) this.send(mapFrame(this.opts.node, runs));
    this.reply(ReplyCode.MapEnd, s.session, mapEndBody(frames.length, holes.length > listed.length));
  }

  private complete(s: Announce): boolean {
    return this.held.total >= s.size;
  }

  /**
   * Make the staging journal cover every byte held. The journal records at
   * most MAX_STAGING_RANGES disjoint ranges (a block that would need more is
   * written but not recorded), and random loss leaves more holes than that;
   * once every byte is in, each unrecorded range is a gap next to a recorded
   * one, so writing its bytes again (read back from the slot) records it.
   */
  private async catchUpJournal(): Promise<void> {
    const st = this.board.fram.staging();
    if (st === null) return;
    const slot = this.board.fram.layout.slots[st.slot === 'A' ? 0 : 1];
    let pos = 0;
    const gaps: { start: number; end: number }[] = [];
    for (const r of st.held) {
      if (r.start > pos) gaps.push({ start: pos, end: r.start });
      pos = Math.max(pos, r.end);
    }
    if (pos < st.size) gaps.push({ start: pos, end: st.size });
    for (const g of gaps) {
      for (let o = g.start; o < g.end; o += JOURNAL_PIECE) {
        const n = Math.min(JOURNAL_PIECE, g.end - o);
        await this.board.write(o, this.board.fram.device.read(slot.dataOffset + o, n), this.held.prefix);
      }
    }
  }

  private async verify(s: Announce): Promise<void> {
    if (this.st !== ListenerState.Receiving || !this.complete(s)) return this.poll(s, 0xffffffff);
    try {
      await this.catchUpJournal();
      const session = this.board.loaderSession();
      if (session === null) throw new Error('no load session to verify');
      session.finish();
      this.st = ListenerState.Verified;
      this.reply(ReplyCode.Verified, s.session, verifiedBody(s.crc32));
    } catch (e) {
      this.fail(e);
      void this.board.abort().catch(() => undefined);
    }
  }

  private async commit(s: Announce): Promise<void> {
    const ready = this.st === ListenerState.Verified || (this.st === ListenerState.Receiving && this.complete(s) && !s.allOrNone);
    if (!ready) return this.poll(s, 0xffffffff);
    try {
      if (this.st === ListenerState.Receiving) await this.catchUpJournal();
      const c = await this.board.end();
      this.committed = { slot: c.slot, crc: c.crc32 };
      this.st = ListenerState.Committed;
      this.reply(ReplyCode.Committed, s.session, committedBody(c.slot, c.crc32));
    } catch (e) {
      this.fail(e);
    }
  }

  private async abort(s: Announce): Promise<void> {
    if (this.st === ListenerState.Committed) return this.poll(s, 0);
    if (this.st === ListenerState.Receiving || this.st === ListenerState.Verified) {
      await this.board.abort().catch(() => undefined);
      this.st = ListenerState.Aborted;
    }
    this.reply(ReplyCode.Aborted, s.session);
  }

  private fail(e: unknown, code = ReplyCode.Failed): void {
    const err = asHilbridgeError(e);
    this.st = ListenerState.Failed;
    this.verdict = { code: wireCodeOf(err.code), detail: err.message };
    this.verdictCode = code === ReplyCode.Refuse ? ReplyCode.Refuse : ReplyCode.Failed;
    this.sendVerdict(this.joined?.session ?? 0);
  }

  private verdictCode: ReplyCode.Refuse | ReplyCode.Failed = ReplyCode.Failed;
  /** The loader session this listener's JOIN opened (anything else in the loader is not ours to write). */
  private loading: LoadSession | null = null;

  private sendVerdict(session: number): void {
    const v = this.verdict;
    if (v === undefined) return this.reply(this.st === ListenerState.Aborted ? ReplyCode.Aborted : ReplyCode.Unknown, session);
    const text = utf8Cut(v.detail, MAX_DETAIL);
    this.reply(this.verdictCode, session, verdictBody(v.code, text.length));
    for (const b of detailBodies(text)) this.reply(ReplyCode.Detail, session, b);
  }

  private reply(code: ReplyCode, session: number, body?: Uint8Array): void {
    this.send(replyFrame(this.opts.node, code, session, body));
  }

  private send(f: CanFrame): void {
    this.counters.replies++;
    void this.transport.send(f).catch(() => undefined);
  }
}

/** Start a broadcast listener for `board` on an open CAN transport. */
export function listenBroadcast(board: VirtualBoard, transport: CanTransport, opts: BcastListenerOptions): BcastListener {
  return new BcastListener(board, transport, opts);
}

function missing(held: readonly { start: number; end: number }[], size: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let pos = 0;
  for (const r of held) {
    if (r.start >= size) break;
    if (r.start > pos) out.push({ start: pos, end: r.start });
    pos = Math.max(pos, r.end);
  }
  if (pos < size) out.push({ start: pos, end: size });
  return out;
}

/** UTF-8 bytes of `text`, at most `max` bytes, never cutting a character. */
function utf8Cut(text: string, max: number): Uint8Array {
  const b = new TextEncoder().encode(text);
  if (b.length <= max) return b;
  let n = max;
  while (n > 0 && (b[n]! & 0xc0) === 0x80) n--;
  return b.subarray(0, n);
}
