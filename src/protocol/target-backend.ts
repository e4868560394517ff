/**
 * What the target side of the engine (serveTarget) calls. Types only.
 *
 * The engine owns the wire: sessions, windows, acknowledgements, timers. A
 * backend owns storage and policy: where bytes go, what is held, verification
 * and commit. Every method may throw a HilbridgeError; its `code` goes on the
 * wire through the table in messages-codes.ts (`ENOSPC`, `crc_mismatch`,
 * `missing_capability`, ...; codes not in the table go as `unknown` with the
 * message as detail).
 *
 * Implementations: src/protocol/engine/file-sink.ts (reference, a file on
 * disk) and the FRAM-backed virtual board in src/board.
 */
import type { ByteRange, FramRegion, ImageKind, SlotInfo } from './messages-types.js';

/** What the target tells the host in INFO (the engine adds version and limits). */
export interface BackendInfo {
  readonly nodeId: number;
  readonly identity: string;
  /** HXE capability bits the board offers (src/hxe/constants.ts Capability). */
  readonly capabilities: number;
  readonly framSize: number;
  readonly slots: readonly SlotInfo[];
}

/** An image the backend holds (partly or wholly) and has not committed yet. */
export interface HeldImage {
  readonly size: number;
  readonly sha256: Uint8Array;
  /** Held byte ranges, sorted, disjoint, merged. */
  readonly ranges: readonly ByteRange[];
}

/** BEGIN as the backend sees it. */
export interface BeginRequest {
  readonly size: number;
  readonly crc32: number;
  readonly sha256: Uint8Array;
  readonly slot: number;
  readonly imageKind: ImageKind;
  /** Discard anything held even if it is this image. */
  readonly fresh: boolean;
}

/** What BEGIN found: the ranges already held when it resumes (empty when fresh). */
export interface BeginResult {
  readonly resumed: boolean;
  readonly ranges: readonly ByteRange[];
}

/** Verification and commit result (DONE). */
export interface CommitResult {
  readonly slot: number;
  readonly size: number;
  readonly crc32: number;
  readonly sha256: Uint8Array;
}

/** STATUS as the backend reports it (the engine fills in session fields). */
export interface BackendStatus {
  readonly state: string;
  readonly slots: readonly SlotInfo[];
  readonly bootCount?: number;
  readonly lastError?: { readonly code: string; readonly message: string } | null;
}

export interface TargetBackend {
  info(): Promise<BackendInfo>;
  /** The uncommitted image held, if any (QUERY). */
  held(): Promise<HeldImage | undefined>;
  /** Start receiving an image; resumes if the held image has the same size and SHA-256, else discards it. */
  begin(req: BeginRequest): Promise<BeginResult>;
  /** Store bytes at an image offset. Idempotent: writing the same bytes twice is harmless. */
  write(offset: number, bytes: Uint8Array): Promise<void>;
  /** Verify every byte against BEGIN's CRC-32 and SHA-256, then commit. Frees nothing on failure. */
  end(): Promise<CommitResult>;
  /** Drop the session and free everything it held. Idempotent. */
  abort(): Promise<void>;
  status(): Promise<BackendStatus>;
  /** Go back to the previous image in `slot` (ANY_SLOT = the target's choice). */
  rollback(slot: number): Promise<void>;
  /** Make a trial image permanent. */
  confirm(slot: number): Promise<void>;
  /** Erase every slot and the value store. */
  factoryReset(): Promise<void>;
  fmap(): Promise<readonly FramRegion[]>;
}
