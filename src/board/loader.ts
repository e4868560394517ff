/**
 * The board's loader: the image sink of the virtual board. It stores an
 * image into the inactive slot (FRAM staging), feeds the contiguous prefix
 * to the streaming verification as it grows, and commits. The receive
 * session itself (state, held ranges, timeouts, EBUSY) is the engine's
 * receiver (src/protocol/engine/receiver.ts); the loader only remembers how
 * the last image ended (IDLE, READY, FAILED) for STATUS and event phases.
 *
 * Verification, policy and FRAM failures go to FAILED and free the staging
 * (an image that failed verification can never commit, and resuming it would
 * fail the same way). Refusals (EBADMSG, ENOSPC, EINVAL, trial pending) throw
 * before anything is written. The active image is never touched until the
 * FRAM commit, so any failure leaves the old image running.
 */
import { type Fram, type ImageOrigin, type SlotId } from '../fram/index.js';
import { asHilbridgeError, type HilbridgeError } from '../errors.js';
import { type ByteRange, rangesTotal } from '../util/ranges.js';
import { LoaderCapability, takesBundles } from '../protocol/messages-types.js';
import { BoardError, BundleRefusal, framOp } from './errors.js';
import type { EventBus } from './event-bus.js';
import type { Executive, RunningApp } from './executive.js';
import { LoadSession, type SessionPolicy } from './session.js';
import { checkContentTrust, checkImageKind, type TrustContext } from './trust-policy.js';

/** How the last image ended: none yet (or aborted, suspended), committed, failed. */
export type LoadOutcome = 'IDLE' | 'READY' | 'FAILED';

export interface BeginParams {
  readonly size: number;
  /** Whole-image CRC-32. */
  readonly crc32: number;
  /** Whole-image SHA-256, 64 hex digits. */
  readonly sha256: string;
  /** 'hxe' or 'bundle' (the kinds this board runs; a bundle only with the bundle capability), or 'raw'. */
  readonly imageKind: 'hxe' | 'bundle' | 'raw';
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
  /** The first app the slot runs (the HXE image's, or the bundle's first hxe segment's). */
  readonly app: RunningApp;
  /** Every app the slot runs, in bundle order. */
  readonly apps: readonly RunningApp[];
}

export interface LoaderDeps {
  readonly fram: Fram;
  readonly executive: Executive;
  readonly bus: EventBus;
  readonly policy: SessionPolicy;
  /** The link this board's loader listens on. */
  readonly source: ImageOrigin;
  /** How messages name this board ("board 5"). */
  readonly board: string;
}

export class BoardLoader {
  private current: LoadOutcome = 'IDLE';
  private session: LoadSession | null = null;
  private failure: HilbridgeError | null = null;
  /** Bytes the FRAM journal records for the image being stored (progress and abort events). */
  private stored = 0;

  constructor(private readonly deps: LoaderDeps) {}

  get state(): LoadOutcome {
    return this.current;
  }

  /** The error that last sent the loader to FAILED (kept until the next begin). */
  get lastError(): HilbridgeError | null {
    return this.failure;
  }

  /** The image being stored, if any. */
  get active(): LoadSession | null {
    return this.session;
  }

  /**
   * Stage an image: resume what FRAM kept of the same image unless `fresh`,
   * else start over (dropping an image being stored). Every refusal throws
   * before the FRAM or the image being stored changes.
   */
  begin(p: BeginParams): BeginOutcome {
    const sha = checkBegin(p, this.deps.fram, this.deps.policy.capabilities);
    const trust = this.trustContext();
    if (p.imageKind !== 'raw') checkImageKind(p.imageKind, trust);
    const { fram } = this.deps;
    const source = p.source ?? this.deps.source;
    const staged = framOp('BEGIN', () => fram.beginStaging({ size: p.size, sha256: sha, source, fresh: p.fresh }));
    // An image still being stored (its session was suspended, or is replaced): a resume of it
    // starts a new verification from what FRAM holds; another image ends it.
    const s = this.session;
    if (s !== null && !(staged.resumed && s.req.sha256 === sha && s.req.size === p.size)) this.dropSession('replaced by a fresh BEGIN', false);
    this.session = null;
    const pid = this.deps.executive.allocatePid();
    const slot = fram.layout.slots[staged.slot === 'A' ? 0 : 1];
    const read = (offset: number, length: number): Uint8Array => framOp('verify', () => fram.device.read(slot.dataOffset + offset, length));
    const kind = p.imageKind === 'bundle' ? 'bundle' : 'hxe';
    const session = new LoadSession({ size: p.size, crc32: p.crc32 >>> 0, sha256: sha, source, kind }, pid, this.deps.policy, read, trust);
    this.failure = null;
    this.session = session;
    this.current = 'IDLE';
    this.stored = rangesTotal(staged.held);
    this.deps.bus.emit('provisioning.started', pid, 'LOADING', { size: p.size, crc32: p.crc32 >>> 0, sha256: sha, slot: staged.slot, source, resumed: staged.resumed, heldBytes: this.stored });
    this.guard(() => session.advanceTo(prefixOf(staged.held)));
    return { resumed: staged.resumed, slot: staged.slot, ranges: staged.held };
  }

  /** Store bytes; `prefix` (the receiver's record) is how far the image is contiguous once they are in. */
  write(offset: number, bytes: Uint8Array, prefix: number): void {
    const s = this.requireSession('DATA');
    s.checkChunk(offset, bytes.length);
    this.guard(() => {
      const st = framOp(`DATA at image offset ${offset}`, () => this.deps.fram.writeStaged(offset, bytes));
      this.stored = rangesTotal(st.held);
      s.advanceTo(prefix);
    });
    this.deps.bus.emit('provisioning.progress', s.pid, 'LOADING', { bytesWritten: this.stored, total: s.req.size, verifiedBytes: s.verifiedBytes });
  }

  /**
   * Every byte is held: verify and commit. `beforeCommit` (the boot order's
   * FRAM value defaults) runs once every check passed, just before the commit
   * point, so an image that is refused leaves nothing behind and the apps
   * restore what it wrote.
   */
  end(beforeCommit?: () => void): CommitOutcome {
    const s = this.requireSession('END');
    return this.guard(() => {
      const content = s.finish();
      const { executive, fram } = this.deps;
      executive.instancesFor(content.apps.map((a) => a.image), s.pid);
      // The FRAM layer re-reads the slot and checks it hashes to BEGIN's SHA-256: the
      // very bytes the session verified above, so the HXE (bundle) check is not run twice.
      // The slot header's app name records the app's name, or the bundle's. The image policy
      // runs once more on the trust store as it is now (nothing is written when it refuses).
      const commit = framOp('commit', () =>
        fram.commit(() => {
          checkContentTrust(content, this.trustContext());
          beforeCommit?.();
          return { appName: content.name };
        }),
      );
      const apps = executive.registerSlot(content, { slot: commit.slot, source: s.req.source, crc32: commit.image.crc32 }, s.pid);
      // After the commit point: a cut here leaves the new image active with the old counter,
      // and the boot raises it (board-boot.ts), so no reboot runs an image above the counter.
      const counter = content.bundle?.manifest.securityCounter;
      if (counter !== undefined) {
        framOp(`slot ${commit.slot} is committed, but raising the security counter to ${counter} failed (the board raises it at its next start)`, () => fram.raiseSecurityCounter(counter));
      }
      const app = apps[0]!;
      this.session = null;
      this.current = 'READY';
      this.deps.bus.emit('provisioning.complete', s.pid, this.current, {
        slot: commit.slot,
        size: commit.image.size,
        crc32: commit.image.crc32,
        sha256: commit.image.sha256,
        appName: content.name,
        instance: app.instance,
        source: s.req.source,
        trial: true,
      });
      return { slot: commit.slot, size: commit.image.size, crc32: commit.image.crc32, sha256: commit.image.sha256, app, apps };
    });
  }

  /**
   * Drop the image being stored (or one a power cycle left staged) and free
   * it: IDLE. Idempotent; with nothing being stored a FAILED outcome stays
   * (the receiver frees a failed image this way too).
   */
  abort(reason = 'aborted by the host'): void {
    if (this.session !== null) {
      this.dropSession(reason);
      this.current = 'IDLE';
    } else framOp('ABORT', () => this.deps.fram.abortStaging());
  }

  /** The uncommitted image FRAM keeps (after a suspension or a power cycle). */
  held(): { size: number; sha256: string; ranges: readonly ByteRange[] } | undefined {
    const st = framOp('QUERY', () => this.deps.fram.staging());
    return st === null || st.held.length === 0 ? undefined : { size: st.size, sha256: st.sha256, ranges: st.held };
  }

  /** The board's name and its trust store as FRAM holds it now. */
  private trustContext(): TrustContext {
    return { board: this.deps.board, trust: framOp('read the trust store', () => this.deps.fram.trust()) };
  }

  private requireSession(what: string): LoadSession {
    const s = this.session;
    if (s === null) {
      const why = this.failure === null ? '' : ` (the last one failed with ${this.failure.code})`;
      throw new BoardError('ESRCH', `${what} with no load session${why}: send BEGIN first`);
    }
    return s;
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
    this.session = null;
    this.failure = err;
    this.current = 'FAILED';
    try {
      this.deps.fram.abortStaging();
    } catch {
      // the FRAM itself failed (the error above says so); the journal stays for the next boot to judge
    }
    const offset = (err as { offset?: unknown }).offset;
    this.deps.bus.emit('provisioning.error', s?.pid ?? 0, this.current, { code: err.code, message: err.message, offset: typeof offset === 'number' ? offset : null });
    return err;
  }

  /** Forget the image being stored; `free` also forgets its staging in FRAM (a replacing BEGIN already wrote its own journal). */
  private dropSession(reason: string, free = true): void {
    const s = this.session;
    this.session = null;
    if (free) framOp('ABORT', () => this.deps.fram.abortStaging());
    if (s !== null) this.deps.bus.emit('provisioning.aborted', s.pid, 'ABORTING', { bytesWritten: this.stored, total: s.req.size, reason });
  }
}

function prefixOf(ranges: readonly ByteRange[]): number {
  const first = ranges[0];
  return first !== undefined && first.start === 0 ? first.end : 0;
}

/** Validate BEGIN's fields; returns the SHA-256 in lowercase hex. */
function checkBegin(p: BeginParams, fram: Fram, capabilities: number): string {
  if (!Number.isInteger(p.size) || p.size <= 0 || p.size > 0xffffffff) {
    throw new BoardError('EBADMSG', `BEGIN announces an image of ${p.size} bytes; the size must be a whole number of bytes above 0`);
  }
  if (!Number.isInteger(p.crc32) || p.crc32 < 0 || p.crc32 > 0xffffffff) throw new BoardError('EBADMSG', `BEGIN's CRC-32 ${p.crc32} is not a u32`);
  const sha = p.sha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(sha)) throw new BoardError('EBADMSG', `BEGIN's SHA-256 must be 32 bytes (64 hex digits), got "${p.sha256}"`);
  if (p.imageKind === 'raw') throw new BoardError('EINVAL', 'BEGIN announces a raw image; this board runs HXE images and bundles only (hilbridge pack builds an HXE image)');
  if (p.imageKind === 'bundle' && !takesBundles(capabilities)) {
    throw new BundleRefusal(
      'bundle_unsupported',
      `BEGIN announces a bundle; this board's loader does not take bundles (capabilities 0x${(capabilities >>> 0).toString(16).padStart(8, '0')}, bit 0x${LoaderCapability.bundle.toString(16)} clear): flash the HXE segments one by one`,
    );
  }
  const capacity = fram.layout.slots[0].capacity;
  if (p.size > capacity) {
    throw new BoardError('ENOSPC', `image of ${p.size} bytes does not fit an image slot of this ${fram.layout.size}-byte FRAM (capacity ${capacity} bytes)`);
  }
  return sha;
}
