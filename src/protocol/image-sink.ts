/**
 * What the target side of the engine (serveTarget) calls on the board. Types
 * only.
 *
 * The engine owns the wire and the one receive session (receiver.ts): its
 * state, the held ranges, the inter-chunk (suspend) and session timeouts,
 * and every EBUSY. The board is two small interfaces:
 * - an **image sink**: storage of one image being received (where bytes go,
 *   what a power cycle kept, verification and commit);
 * - **board control**: identity, status and the commands (rollback, confirm,
 *   factory reset, FRAM map).
 * Every method may throw a HilbridgeError; its `code` goes on the wire through
 * the table in messages-codes.ts (`ENOSPC`, `crc_mismatch`,
 * `missing_capability`, ...; codes not in the table go as `unknown` with the
 * message as detail).
 *
 * Implementations: src/protocol/engine/file-sink.ts (reference, a file on
 * disk) and the FRAM-backed virtual board in src/board.
 */
import type { BootcfgBody } from './messages-bootcfg.js';
import type { AuditEntryWire, BootcfgInfoMsg, OriginInfo, AuthBlock, BundleStatusInfo, ByteRange, CodecInfoWire, FramRegion, ImageKind, SlotEventInfo, SlotInfo, StagedInfo, TrustAddMsg, TrustInfoMsg } from './messages-types.js';

/** The trust store as TRUST_INFO carries it. */
export type TrustStoreInfo = Omit<TrustInfoMsg, 'kind'>;
/** TRUST_ADD as the board sees it. */
export type TrustAddRequest = Omit<TrustAddMsg, 'kind'>;

/** A command as the board's authorisation sees it: its type, its payload without the AUTH block, and the block (if any). */
export interface AuthCommand {
  readonly type: number;
  readonly payload: Uint8Array;
  readonly auth: AuthBlock | undefined;
}

/** What CHALLENGE gives: the board id and a fresh single-use nonce. */
export interface NonceGrant {
  readonly boardId: string;
  readonly nonce: Uint8Array;
  readonly lifetimeMs: number;
}

/** What the target tells the host in INFO (the engine adds version and limits). */
export interface BackendInfo {
  readonly nodeId: number;
  readonly identity: string;
  /** HXE capability bits the board offers (src/hxe/constants.ts Capability), plus LoaderCapability bits (messages-types.ts). */
  readonly capabilities: number;
  readonly framSize: number;
  readonly slots: readonly SlotInfo[];
}

/** An image the sink keeps (partly or wholly) and has not committed: what survived a suspension or a power cycle. */
export interface HeldImage {
  readonly size: number;
  readonly sha256: Uint8Array;
  /** Held byte ranges, sorted, disjoint, merged. */
  readonly ranges: readonly ByteRange[];
}

/** BEGIN as the sink sees it. */
export interface BeginRequest {
  readonly size: number;
  readonly crc32: number;
  readonly sha256: Uint8Array;
  readonly slot: number;
  readonly imageKind: ImageKind;
  /** Discard anything kept even if it is this image. */
  readonly fresh: boolean;
}

/** What begin found: the ranges already kept when it resumes (empty when fresh). */
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

/** STATUS as the board reports it (the engine fills in the session fields while one is open). */
export interface BackendStatus {
  readonly state: string;
  readonly slots: readonly SlotInfo[];
  readonly bootCount?: number;
  readonly lastError?: { readonly code: string; readonly message: string } | null;
  /** Damage in the board's storage that a power cut cannot explain (a corrupt record copy, say), reported until repaired; absent when none. */
  readonly damage?: readonly { readonly code: string; readonly offset: number; readonly message: string }[];
  /** The last fallback or rollback, when the board keeps one. */
  readonly lastEvent?: SlotEventInfo;
  /** The uncommitted image the board keeps (the engine reports it only while no session is open). */
  readonly staged?: StagedInfo;
  /** The bundle the active slot holds, when it holds one. */
  readonly bundle?: BundleStatusInfo;
  /** Where the active image came from (source, and the path when the board's own loader read it). */
  readonly origin?: OriginInfo;
}

/**
 * Storage of the image being received. The receiver calls it in order:
 * `begin`, then `write`s, then `end` once every byte is held (or `abort`).
 * It keeps no session rules of its own: no timers, no EBUSY, no record of
 * held ranges beyond what it persists to resume after a power cycle.
 */
export interface ImageSink {
  /** The uncommitted image kept (QUERY while no session is open), if any. */
  held(): Promise<HeldImage | undefined>;
  /**
   * Prepare storage for an image: resume what is kept of the same size and
   * SHA-256 unless `fresh`, else discard it. A refusal (throw) changes nothing.
   */
  begin(req: BeginRequest): Promise<BeginResult>;
  /**
   * Store bytes at an image offset; `prefix` is the end of the contiguous
   * held prefix once they are stored (the receiver's record), so a sink may
   * verify as it grows. Idempotent: writing the same bytes twice is harmless.
   */
  write(offset: number, bytes: Uint8Array, prefix: number): Promise<void>;
  /** Every byte is held: verify against BEGIN's CRC-32 and SHA-256, then commit. Frees the image on failure. */
  end(): Promise<CommitResult>;
  /** Drop the image being received (or one a power cycle kept) and free it. Idempotent. */
  abort(): Promise<void>;
}

/** The board's identity, status and commands. */
export interface BoardControl {
  info(): Promise<BackendInfo>;
  status(): Promise<BackendStatus>;
  /** Go back to the previous image in `slot` (ANY_SLOT = the target's choice). */
  rollback(slot: number): Promise<void>;
  /**
   * Make a trial image permanent. Resolves with a note for RESULT OK's detail
   * when there was nothing to do (it starts `nothing to confirm: `,
   * docs/protocol.md 4.3), else with nothing.
   */
  confirm(slot: number): Promise<string | undefined>;
  /** Erase every slot and the value store. */
  factoryReset(): Promise<void>;
  fmap(): Promise<readonly FramRegion[]>;
  /** The trust store (TRUST_LIST); a board without one leaves it out and the target answers ENOTSUP. */
  trustList?(): Promise<TrustStoreInfo>;
  /**
   * Provision the trust store (TRUST_ADD): allowed only while it is empty,
   * else refused with `auth_required`. Resolves with RESULT OK's detail.
   */
  trustAdd?(req: TrustAddRequest): Promise<string>;
  /** A fresh single-use nonce (CHALLENGE); a board without authenticated commands leaves it out (ENOTSUP). */
  challenge?(): Promise<NonceGrant>;
  /** Let a state-changing command run, or throw its refusal (auth_required, nonce_stale, key_untrusted, auth_failed): docs/protocol.md 4.3.4. */
  authorise?(cmd: AuthCommand): Promise<void>;
  /** The audit ring, oldest first (AUDIT). */
  audit?(): Promise<readonly AuditEntryWire[]>;
  /** The boot configuration in effect (BOOTCFG_GET); a board without one leaves it out (ENOTSUP). */
  bootConfig?(): Promise<Omit<BootcfgInfoMsg, 'kind'>>;
  /** Store a boot configuration (BOOTCFG_SET, authorised before); resolves with RESULT OK's detail. */
  setBootConfig?(cfg: BootcfgBody): Promise<string>;
  /** Delta and compressed transfers (docs/protocol.md 9): what the board can copy and decode; a board without them leaves it out (SIGS, XDATA: ENOTSUP). */
  readonly delta?: ActiveImageSource | undefined;
}

/** The board's active image as delta transfers use it (copies come only from there, never from the slot being staged). */
export interface ActiveImageSource {
  /** Size and SHA-256 of the active image, undefined when the board has none (or does not copy); looks again which slot is active. */
  activeImage(): Promise<{ readonly size: number; readonly sha256: Uint8Array } | undefined>;
  /** Bytes of the active image that the last `activeImage` saw; throws (bad_delta, no_active_image) outside it. */
  readActive(offset: number, length: number): Promise<Uint8Array>;
  /** Codecs the board decodes in XDATA (empty: none). */
  readonly codecs: readonly CodecInfoWire[];
}
