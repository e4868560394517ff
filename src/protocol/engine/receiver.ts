/**
 * The target's one receive session (docs/protocol.md 7.3): its state, the one
 * record of held ranges, the inter-chunk (suspend) and session timeouts, and
 * every EBUSY the target answers. Storage is the image sink's; the wire
 * (window, ACKs, replies) is serveTarget's. Wire-free, so a board can run it
 * without a link (a local install) and tests drive it directly.
 *
 *   Idle --begin--> Receiving --end (all held)--> Verifying --> Idle
 *   Receiving --suspend (inter-chunk timeout, data kept)--> Idle
 *   Receiving --abort / session timeout (data freed)--> Idle
 */
import type { SchedulerLike } from 'rxjs';
import { HilbridgeError } from '../../errors.js';
import { equalBytes } from '../../util/hex.js';
import { RangeSet } from '../../util/ranges.js';
import { HoldState } from '../messages-types.js';
import type { ByteRange } from '../messages-types.js';
import type { BeginRequest, CommitResult, HeldImage, ImageSink } from '../image-sink.js';
import { SERVE_DEFAULTS, TargetState } from './target-types.js';
import { Timer } from './timer.js';

/** A refusal the receiver decides (code name as in messages-codes.ts). */
export class ReceiveError extends HilbridgeError {
  constructor(
    code: 'EBUSY' | 'EAGAIN',
    message: string,
    readonly offset?: number,
  ) {
    super(code, message);
  }
}

export interface ReceiverOptions {
  readonly scheduler: SchedulerLike;
  /** A session with no BEGIN/DATA/END for this long is suspended (held data kept for resume), ms (default 10000). */
  readonly interChunkTimeoutMs?: number;
  /** A session older than this is aborted and freed, ms (default 600000). */
  readonly sessionTimeoutMs?: number;
}

/** What the receiver tells its owner (serveTarget) about sessions ending on their own. */
export interface ReceiverOwner {
  /** The inter-chunk timeout suspended `s` (its data is kept). */
  suspended(s: ReceiveSession): void;
  /** The session timeout expired for `s`: the owner aborts it and tells the host. */
  expired(s: ReceiveSession): void;
}

/** BEGIN's transfer parameters beside the image (the wire's part). */
export interface SessionParams {
  readonly id: number;
  readonly chunk: number;
  readonly window: number;
}

/** The open session: who, which image, and what is held of it. */
export class ReceiveSession {
  readonly held: RangeSet;
  endRequested = false;

  constructor(
    readonly id: number,
    readonly size: number,
    readonly sha256: Uint8Array,
    readonly chunk: number,
    readonly window: number,
    ranges: readonly ByteRange[],
  ) {
    this.held = new RangeSet(ranges);
  }

  get complete(): boolean {
    return this.size === 0 || this.held.has(0, this.size);
  }

  stateOfHeld(): HoldState {
    if (this.complete && this.size > 0) return HoldState.complete;
    return this.held.count > 0 ? HoldState.partial : HoldState.none;
  }

  /** Is DATA at [offset, offset+len) a new chunk, a held one, beyond the window, or not a chunk at all? */
  classify(offset: number, len: number): 'new' | 'held' | 'beyond' | 'bad' {
    if (offset % this.chunk !== 0 || offset >= this.size) return 'bad';
    if (len !== Math.min(this.chunk, this.size - offset)) return 'bad';
    if (this.held.has(offset, offset + len)) return 'held';
    const base = Math.floor(this.held.prefix / this.chunk);
    return offset / this.chunk >= base + this.window ? 'beyond' : 'new';
  }

  sameImage(size: number, sha256: Uint8Array): boolean {
    return this.size === size && equalBytes(this.sha256, sha256);
  }
}

export class Receiver {
  state: TargetState.Idle | TargetState.Receiving | TargetState.Verifying = TargetState.Idle;
  private open: ReceiveSession | undefined;
  private readonly idleTimer: Timer;
  private readonly lifeTimer: Timer;
  private readonly idleMs: number;
  private readonly lifeMs: number;

  constructor(
    private readonly sink: ImageSink,
    opts: ReceiverOptions,
    private readonly owner: ReceiverOwner = { suspended: () => undefined, expired: (s) => void this.abort(s.id).catch(() => undefined) },
  ) {
    this.idleTimer = new Timer(opts.scheduler);
    this.lifeTimer = new Timer(opts.scheduler);
    this.idleMs = opts.interChunkTimeoutMs ?? SERVE_DEFAULTS.interChunkTimeoutMs;
    this.lifeMs = opts.sessionTimeoutMs ?? SERVE_DEFAULTS.sessionTimeoutMs;
  }

  /** The open session, if any. */
  get session(): ReceiveSession | undefined {
    return this.open;
  }

  /**
   * Why `what` is refused now (EBUSY), or undefined. The one place the target
   * decides it is busy: nothing but DATA/END of the session while verifying;
   * no ROLLBACK, CONFIRM, FACTORY_RESET while a session is open; no BEGIN of
   * another image while one is receiving unless it says `fresh`.
   */
  refusal(what: 'BEGIN' | 'ABORT' | 'SET_BAUD' | 'ROLLBACK' | 'CONFIRM' | 'FACTORY_RESET' | 'TRUST_ADD', begin?: { size: number; sha256: Uint8Array; fresh: boolean }): ReceiveError | undefined {
    const s = this.open;
    if (s === undefined) return undefined;
    if (this.state === TargetState.Verifying) {
      return new ReceiveError('EBUSY', what === 'ABORT' ? `verifying session ${s.id}: too late to abort` : `${what} while verifying session ${s.id}: wait for it to finish`);
    }
    if (what === 'ROLLBACK' || what === 'CONFIRM' || what === 'FACTORY_RESET' || what === 'TRUST_ADD') {
      return new ReceiveError('EBUSY', `${what} while session ${s.id} is receiving: finish or abort the transfer first`);
    }
    if (what === 'BEGIN' && begin !== undefined && !begin.fresh && !s.sameImage(begin.size, begin.sha256)) {
      return new ReceiveError('EBUSY', `BEGIN for a ${begin.size}-byte image while session ${s.id} receives another (${s.size} bytes): abort it first, or send BEGIN with the fresh flag`);
    }
    return undefined;
  }

  /** What is held: the open session's record, or what the sink kept. */
  async held(): Promise<HeldImage | undefined> {
    const s = this.open;
    return s === undefined ? this.sink.held() : { size: s.size, sha256: s.sha256, ranges: s.held.ranges };
  }

  /**
   * Open (or resume) a session. The open session's own BEGIN again is a
   * retransmission: kept as it is, `fresh` or not. The same image under
   * another id (its host restarted) takes the session over with what is held.
   * Anything else goes to the sink; a refusal there changes nothing here.
   */
  async begin(p: SessionParams, req: BeginRequest): Promise<{ readonly session: ReceiveSession; readonly resumed: boolean }> {
    const refused = this.refusal('BEGIN', req);
    if (refused !== undefined) throw refused;
    const s = this.open;
    if (s !== undefined && s.sameImage(req.size, req.sha256) && (s.id === p.id || !req.fresh)) {
      const next = s.id === p.id && s.chunk === p.chunk && s.window === p.window ? s : new ReceiveSession(p.id, s.size, s.sha256, p.chunk, p.window, s.held.ranges);
      return { session: this.opened(next, s !== next), resumed: true };
    }
    const begun = await this.sink.begin(req);
    return { session: this.opened(new ReceiveSession(p.id, req.size, req.sha256.slice(), p.chunk, p.window, begun.ranges), true), resumed: begun.resumed };
  }

  private opened(s: ReceiveSession, renewed: boolean): ReceiveSession {
    this.open = s;
    this.state = TargetState.Receiving;
    if (renewed) this.lifeTimer.set(this.lifeMs, () => this.owner.expired(s));
    this.touch();
    return s;
  }

  /** Store a new chunk of `s` (the caller classified it 'new'); records it once the sink stored it. */
  async write(s: ReceiveSession, offset: number, bytes: Uint8Array): Promise<void> {
    const after = new RangeSet(s.held.ranges);
    after.add(offset, offset + bytes.length);
    await this.sink.write(offset, bytes, after.prefix);
    s.held.add(offset, offset + bytes.length);
  }

  /** Activity on the session: restart the inter-chunk timer. */
  touch(): void {
    const s = this.open;
    if (s === undefined) return;
    this.idleTimer.set(this.idleMs, () => {
      if (this.open !== s || this.state !== TargetState.Receiving) return;
      this.close();
      this.owner.suspended(s);
    });
  }

  /**
   * END of `s`: throws EAGAIN at once (offset = first missing byte, `s`
   * remembers the END) unless every byte is held; else Verifying until the
   * returned promise settles. A failed image is freed.
   */
  end(s: ReceiveSession): Promise<CommitResult> {
    if (!s.complete) {
      s.endRequested = true;
      throw new ReceiveError('EAGAIN', `${s.held.total} of ${s.size} bytes held`, s.held.prefix);
    }
    this.state = TargetState.Verifying;
    this.idleTimer.clear();
    this.lifeTimer.clear();
    return this.verify();
  }

  private async verify(): Promise<CommitResult> {
    try {
      return await this.sink.end();
    } catch (e) {
      await this.sink.abort().catch(() => undefined);
      throw e;
    } finally {
      this.close();
    }
  }

  /**
   * ABORT from the host for `id` (0: outside a transfer) or from the target
   * (undefined): ends the open session if it is that one (or any, for 0 and
   * undefined) and frees what the sink holds. An ABORT for another session
   * leaves the open one and its data alone. EBUSY while verifying.
   */
  async abort(id?: number): Promise<ReceiveSession | undefined> {
    const refused = this.refusal('ABORT');
    if (refused !== undefined) throw refused;
    const s = this.open;
    if (s !== undefined && id !== undefined && id !== 0 && s.id !== id) return undefined;
    if (s !== undefined) this.close();
    await this.sink.abort();
    return s;
  }

  /** End the session here, keeping what the sink holds (suspension, the server stopping). */
  close(): void {
    this.idleTimer.clear();
    this.lifeTimer.clear();
    this.open = undefined;
    this.state = TargetState.Idle;
  }
}
