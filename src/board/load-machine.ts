/**
 * The load state machine (docs/board.md has the diagram):
 *
 *   IDLE --begin--> LOADING --end--> VERIFY --ok--> READY
 *                   |  ^ write          '--fail--> FAILED
 *                   '--abort--> ABORTING --> IDLE
 *
 * READY and FAILED accept a new begin; abort is accepted everywhere and is
 * idempotent. Request errors (EBADMSG, EAGAIN, EBUSY, ESRCH) leave the state
 * as it was; verification, policy and FRAM failures go to FAILED and free the
 * staging (an image that failed verification can never commit, and resuming
 * it would fail the same way). The active image is never touched until the
 * FRAM commit, so any failure leaves the old image running.
 */
import { type Fram, type ImageOrigin, type SlotId } from '../fram/index.js';
import { asHilbridgeError, type HilbridgeError } from '../errors.js';
import type { ByteRange } from '../util/ranges.js';
import type { SchedulerLike, Subscription } from 'rxjs';
import { BoardError, framOp } from './errors.js';
import type { EventBus } from './event-bus.js';
import type { Executive, RunningApp } from './executive.js';
import { LoadSession, type SessionPolicy } from './session.js';

export const LoadState = {
  IDLE: 'IDLE',
  LOADING: 'LOADING',
  VERIFY: 'VERIFY',
  READY: 'READY',
  FAILED: 'FAILED',
  ABORTING: 'ABORTING',
} as const;
export type LoadState = (typeof LoadState)[keyof typeof LoadState];

export interface BeginParams {
  readonly size: number;
  /** Whole-image CRC-32. */
  readonly crc32: number;
  /** Whole-image SHA-256, 64 hex digits. */
  readonly sha256: string;
  /** 'hxe' (the only kind this board runs) or 'raw'. */
  readonly imageKind: 'hxe' | 'raw';
  /** Discard anything held, even a partial copy of this image. */
  readonly fresh: boolean;
  /** Where the image comes from (default: the board's link). */
  readonly source?: ImageOrigin;
}

export interface BeginOutcome {
  readonly resumed: boolean;
  readonly slot: SlotId;
  /** Ranges already held (empty when fresh). */
  readonly ranges: readonly ByteRange[];
}

export interface CommitOutcome {
  readonly slot: SlotId;
  readonly size: number;
  readonly crc32: number;
  readonly sha256: string;
  readonly app: RunningApp;
}

/** A session with no BEGIN/DATA for this long is suspended (default, as the engine's inter-chunk timeout). */
export const DEFAULT_SUSPEND_AFTER_MS = 10_000;

export interface LoadMachineDeps {
  readonly fram: Fram;
  readonly executive: Executive;
  readonly bus: EventBus;
  readonly policy: SessionPolicy;
  /** The link this board's loader listens on. */
  readonly source: ImageOrigin;
  readonly scheduler: SchedulerLike;
  /** Suspend a session idle this long, ms: back to IDLE with its bytes kept in FRAM for a resume. */
  readonly suspendAfterMs?: number;
}

export class LoadMachine {
  private current: LoadState = LoadState.IDLE;
  private session: LoadSession | null = null;
  private failure: HilbridgeError | null = null;
  private idleTimer: Subscription | undefined;

  constructor(private readonly deps: LoadMachineDeps) {}

  get state(): LoadState {
    return this.current;
  }

  /** The error that last sent the loader to FAILED (kept until the next begin). */
  get lastError(): HilbridgeError | null {
    return this.failure;
  }

  /** The session in progress, if any. */
  get active(): LoadSession | null {
    return this.session;
  }

  begin(p: BeginParams): BeginOutcome {
    this.refuseWhileBusy('BEGIN');
    const sha = checkBegin(p, this.deps.fram);
    const s = this.session;
    if (s !== null && !p.fresh) {
      if (s.req.size === p.size && s.req.sha256 === sha && s.req.crc32 === p.crc32 >>> 0) {
        this.touch();
        return { resumed: true, slot: this.stagingSlot(), ranges: s.held };
      }
      throw new BoardError('EBUSY', `BEGIN for a ${p.size}-byte image while image ${s.req.sha256.slice(0, 12)}... (${s.req.size} bytes) is loading: abort it first, or send BEGIN with the fresh flag`);
    }
    const { fram } = this.deps;
    const source = p.source ?? this.deps.source;
    // Refusals (trial_pending, ...) throw before the FRAM changes; a fresh BEGIN rewrites the journal itself.
    const staged = framOp('BEGIN', () => fram.beginStaging({ size: p.size, sha256: sha, source, fresh: p.fresh }));
    if (s !== null) this.dropSession('replaced by a fresh BEGIN', false);
    const pid = this.deps.executive.allocatePid();
    const slot = fram.layout.slots[staged.slot === 'A' ? 0 : 1];
    const read = (offset: number, length: number): Uint8Array => framOp('verify', () => fram.device.read(slot.dataOffset + offset, length));
    const session = new LoadSession({ size: p.size, crc32: p.crc32 >>> 0, sha256: sha, source }, pid, this.deps.policy, read, staged.held);
    this.failure = null;
    this.session = session;
    this.current = LoadState.LOADING;
    this.deps.bus.emit('provisioning.started', pid, this.current, { size: p.size, crc32: p.crc32 >>> 0, sha256: sha, slot: staged.slot, source, resumed: staged.resumed, heldBytes: session.heldBytes });
    this.guard(() => session.advance());
    this.touch();
    return { resumed: staged.resumed, slot: staged.slot, ranges: session.held };
  }

  write(offset: number, bytes: Uint8Array): void {
    const s = this.requireSession('DATA');
    s.checkChunk(offset, bytes.length);
    this.guard(() => {
      framOp(`DATA at image offset ${offset}`, () => this.deps.fram.writeStaged(offset, bytes));
      s.wrote(offset, bytes.length);
    });
    this.touch();
    this.deps.bus.emit('provisioning.progress', s.pid, this.current, { bytesWritten: s.heldBytes, total: s.req.size, verifiedBytes: s.verifiedBytes });
  }

  end(): CommitOutcome {
    const s = this.requireSession('END');
    if (!s.complete) {
      const first = s.missing[0];
      throw new BoardError('EAGAIN', `END before every byte is held: ${s.req.size - s.heldBytes} of ${s.req.size} bytes missing, first at image offset ${first?.start ?? 0}`, first?.start);
    }
    this.current = LoadState.VERIFY;
    return this.guard(() => {
      const image = s.finish();
      const { executive, fram } = this.deps;
      executive.instanceFor(image, s.pid);
      // The FRAM layer re-reads the slot and checks it hashes to BEGIN's SHA-256: the
      // very bytes the session verified above, so the HXE check is not run twice.
      const commit = framOp('commit', () => fram.commit(() => ({ appName: image.appName })));
      const app = executive.registerSlotApp(image, { slot: commit.slot, source: s.req.source, crc32: commit.image.crc32 }, s.pid);
      this.session = null;
      this.current = LoadState.READY;
      this.deps.bus.emit('provisioning.complete', s.pid, this.current, {
        slot: commit.slot,
        size: commit.image.size,
        crc32: commit.image.crc32,
        sha256: commit.image.sha256,
        appName: image.appName,
        instance: app.instance,
        source: s.req.source,
        trial: true,
      });
      return { slot: commit.slot, size: commit.image.size, crc32: commit.image.crc32, sha256: commit.image.sha256, app };
    });
  }

  /** Drop the session (or an image a power cycle left staged) and free what it held. Idempotent. */
  abort(reason = 'aborted by the host'): void {
    this.refuseWhileBusy('ABORT');
    this.current = LoadState.ABORTING;
    try {
      if (this.session !== null) this.dropSession(reason);
      else framOp('ABORT', () => this.deps.fram.abortStaging());
    } finally {
      this.current = LoadState.IDLE;
    }
  }

  /** The uncommitted image held: the session's, or one a power cycle left in the journal. */
  held(): { size: number; sha256: string; ranges: readonly ByteRange[] } | undefined {
    const s = this.session;
    if (s !== null) return { size: s.req.size, sha256: s.req.sha256, ranges: s.held };
    const st = framOp('QUERY', () => this.deps.fram.staging());
    return st === null || st.held.length === 0 ? undefined : { size: st.size, sha256: st.sha256, ranges: st.held };
  }

  private closeSession(): void {
    this.session = null;
    this.idleTimer?.unsubscribe();
    this.idleTimer = undefined;
  }

  /** Restart the idle timer of the session. */
  private touch(): void {
    this.idleTimer?.unsubscribe();
    const s = this.session;
    if (s === null) return;
    this.idleTimer = this.deps.scheduler.schedule(() => {
      if (this.session !== s || this.current !== LoadState.LOADING) return;
      this.session = null;
      this.idleTimer = undefined;
      this.current = LoadState.IDLE;
    }, this.deps.suspendAfterMs ?? DEFAULT_SUSPEND_AFTER_MS);
  }

  private refuseWhileBusy(what: string): void {
    if (this.current === LoadState.VERIFY || this.current === LoadState.ABORTING) {
      throw new BoardError('EBUSY', `${what} while the loader is in ${this.current}: wait for it to finish`);
    }
  }

  private requireSession(what: string): LoadSession {
    if (this.current === LoadState.VERIFY || this.current === LoadState.ABORTING) {
      throw new BoardError('EBUSY', `${what} while the loader is in ${this.current}: wait for it to finish`);
    }
    const s = this.session;
    if (s === null) {
      const why = this.failure === null ? '' : ` (the last one failed with ${this.failure.code})`;
      throw new BoardError('ESRCH', `${what} with no load session${why}: send BEGIN first`);
    }
    return s;
  }

  private stagingSlot(): SlotId {
    return this.deps.fram.staging()?.slot ?? 'A';
  }

  /** Run a step of the session; any failure goes to FAILED, frees the staging and is rethrown. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw this.fail(e);
    }
  }

  private fail(e: unknown): HilbridgeError {
    const err = asHilbridgeError(e);
    const s = this.session;
    this.closeSession();
    this.failure = err;
    this.current = LoadState.FAILED;
    try {
      this.deps.fram.abortStaging();
    } catch {
      // the FRAM itself failed (the error above says so); the journal stays for the next boot to judge
    }
    const offset = (err as { offset?: unknown }).offset;
    this.deps.bus.emit('provisioning.error', s?.pid ?? 0, this.current, { code: err.code, message: err.message, offset: typeof offset === 'number' ? offset : null });
    return err;
  }

  /** End the session in RAM; `free` also forgets its staging in FRAM (a replacing BEGIN already wrote its own journal). */
  private dropSession(reason: string, free = true): void {
    const s = this.session;
    this.closeSession();
    if (free) framOp('ABORT', () => this.deps.fram.abortStaging());
    if (s !== null) this.deps.bus.emit('provisioning.aborted', s.pid, LoadState.ABORTING, { bytesWritten: s.heldBytes, total: s.req.size, reason });
  }
}

/** Validate BEGIN's fields; returns the SHA-256 in lowercase hex. */
function checkBegin(p: BeginParams, fram: Fram): string {
  if (!Number.isInteger(p.size) || p.size <= 0 || p.size > 0xffffffff) {
    throw new BoardError('EBADMSG', `BEGIN announces an image of ${p.size} bytes; the size must be a whole number of bytes above 0`);
  }
  if (!Number.isInteger(p.crc32) || p.crc32 < 0 || p.crc32 > 0xffffffff) throw new BoardError('EBADMSG', `BEGIN's CRC-32 ${p.crc32} is not a u32`);
  const sha = p.sha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(sha)) throw new BoardError('EBADMSG', `BEGIN's SHA-256 must be 32 bytes (64 hex digits), got "${p.sha256}"`);
  if (p.imageKind !== 'hxe') throw new BoardError('EINVAL', 'BEGIN announces a raw image; this board runs HXE images only (hilbridge pack builds one)');
  const capacity = fram.layout.slots[0].capacity;
  if (p.size > capacity) {
    throw new BoardError('ENOSPC', `image of ${p.size} bytes does not fit an image slot of this ${fram.layout.size}-byte FRAM (capacity ${capacity} bytes)`);
  }
  return sha;
}
