/**
 * The message set of wire protocol v1 (docs/protocol.md section 4): type
 * numbers and the typed structure of every message. Codecs live in
 * messages.ts.
 */
import type { ByteRange } from '../util/ranges.js';
import { FRAME_OVERHEAD } from './constants.js';
import type { AuditInfoMsg, AuditMsg, AuthBlock, ChallengeMsg, NonceMsg } from './messages-auth-types.js';
import type { CodecInfoWire, SigsInfoMsg, SigsMsg, XdataMsg } from './messages-delta.js';

export type { AuditEntryWire, AuditInfoMsg, AuditMsg, AuthBlock, ChallengeMsg, NonceMsg } from './messages-auth-types.js';
import type { BootcfgGetMsg, BootcfgInfoMsg, BootcfgSetMsg } from './messages-bootcfg.js';
export type { BootcfgGetMsg, BootcfgInfoMsg, BootcfgSetMsg } from './messages-bootcfg.js';
export type { BlockSig, CodecInfoWire, SigsInfoMsg, SigsMsg, XOp, XdataMsg } from './messages-delta.js';

/** Message type numbers (the frame header's `type` byte). */
export const MessageType = {
  HELLO: 0x01,
  INFO: 0x02,
  QUERY: 0x03,
  SESSION: 0x04,
  BEGIN: 0x05,
  DATA: 0x06,
  ACK: 0x07,
  NACK: 0x08,
  END: 0x09,
  DONE: 0x0a,
  ABORT: 0x0b,
  STATUS: 0x0c,
  STATUS_INFO: 0x0d,
  ROLLBACK: 0x0e,
  CONFIRM: 0x0f,
  FACTORY_RESET: 0x10,
  FMAP: 0x11,
  FMAP_INFO: 0x12,
  RESULT: 0x13,
  SET_BAUD: 0x14,
  TRUST_ADD: 0x15,
  TRUST_LIST: 0x16,
  TRUST_INFO: 0x17,
  CHALLENGE: 0x20,
  NONCE: 0x21,
  AUDIT: 0x22,
  AUDIT_INFO: 0x23,
  SIGS: 0x24,
  SIGS_INFO: 0x25,
  XDATA: 0x26,
  BOOTCFG_SET: 0x28,
  BOOTCFG_GET: 0x29,
  BOOTCFG_INFO: 0x2a,
} as const;
export type MessageTypeName = keyof typeof MessageType;

/** Byte size of a SHA-256 digest. */
export const SHA256_SIZE = 32;
/** Bytes of a DATA payload before the chunk bytes (the u32 offset). */
export const DATA_HEADER_SIZE = 4;

/** Largest DATA chunk a frame of `maxFrame` encoded bytes carries (both sides size their windows with it). */
export function chunkLimit(maxFrame: number): number {
  return Math.min(0xffff, maxFrame - FRAME_OVERHEAD - DATA_HEADER_SIZE);
}
/** RESULT/NACK offset value meaning "no offset". */
export const NO_OFFSET = 0xffffffff;
/** FACTORY_RESET must carry this word ("FRST") so a corrupted frame can never erase a board. */
export const FACTORY_RESET_MAGIC = 0x46525354;
/** ROLLBACK/CONFIRM slot value meaning "the target's choice" (previous / active slot). */
export const ANY_SLOT = 0xff;

/** How users see a wire slot number: slot 0 is A, slot 1 is B (the FRAM's names); other numbers as they are. */
export function slotLetter(slot: number): string {
  return slot === 0 ? 'A' : slot === 1 ? 'B' : String(slot);
}

/** Most line rates an INFO lists (docs/protocol.md section 4.2). */
export const MAX_LINE_RATES = 32;
/** First byte of INFO's JSON slot table ('['): when it follows the identity directly, INFO lists no line rates. */
export const SLOT_TABLE_START = 0x5b;
/** INFO's codec table starts with 0xC0 + k (k = 1..MAX_INFO_CODECS codec entries): a byte neither a line-rate count nor '['. */
export const INFO_CODECS_MARK = 0xc0;
export const MAX_INFO_CODECS = 15;
/** Bytes per INFO codec entry: id u8, decoder RAM u32. */
export const INFO_CODEC_SIZE = 5;

/** What kind of image BEGIN announces: a bundle (docs/bundle.md) only to a target whose INFO capabilities have LoaderCapability.bundle. */
export const ImageKind = { raw: 0, hxe: 1, bundle: 2 } as const;
export type ImageKind = (typeof ImageKind)[keyof typeof ImageKind];

/**
 * INFO capability bits that describe the target's loader rather than what an
 * HXE image may require (those are the HXE `req_caps` bits, src/hxe/constants.ts
 * Capability, bits 0..15). Bit 31: the target takes bundles (BEGIN image kind 2).
 * Bit 30: the target's image policy is `signed` (it refuses HXE images and
 * unsigned bundles; docs/protocol.md 4.3.3). Bit 29: the target builds chunks
 * by copying from its active slot (delta); bit 28: it decodes compressed
 * chunks (docs/protocol.md 9).
 */
export const LoaderCapability = { bundle: 0x8000_0000, signedOnly: 0x4000_0000, delta: 0x2000_0000, compression: 0x1000_0000, bootcfg: 0x0800_0000 } as const;

/** True when INFO's capabilities say the target builds chunks from its active slot (XDATA copy, SIGS; docs/protocol.md 9). */
export function takesDelta(capabilities: number): boolean {
  return ((capabilities >>> 0) & LoaderCapability.delta) >>> 0 !== 0;
}

/** True when INFO's capabilities say the target decodes compressed XDATA (which codecs: INFO's codec table; docs/protocol.md 4.2, 9). */
export function takesCompression(capabilities: number): boolean {
  return ((capabilities >>> 0) & LoaderCapability.compression) >>> 0 !== 0;
}

/** True when INFO's capabilities say the target requires signed images. */
export function requiresSignedImages(capabilities: number): boolean {
  return ((capabilities >>> 0) & LoaderCapability.signedOnly) >>> 0 !== 0;
}

/** True when INFO's capabilities say the target takes bundles. */
export function takesBundles(capabilities: number): boolean {
  return ((capabilities >>> 0) & LoaderCapability.bundle) >>> 0 !== 0;
}

/** SESSION.state: what the target holds of the image named in QUERY/BEGIN. */
export const HoldState = {
  /** Nothing of this image (and nothing else either). */
  none: 0,
  /** Part of this image: see the ranges. */
  partial: 1,
  /** Every byte of this image (not yet committed). */
  complete: 2,
  /** Part of a different image; BEGIN will discard it and start over. */
  other: 3,
} as const;
export type HoldState = (typeof HoldState)[keyof typeof HoldState];

/** BEGIN flag bits. */
export const BeginFlag = {
  /** Discard anything held and start over even if the image matches. */
  fresh: 0x01,
} as const;

/** SESSION flag bits. */
export const SessionFlag = {
  /** More ranges are held than fit in the frame; only the lowest are listed. */
  truncated: 0x01,
} as const;

/** Half-open byte range [start, end) (the one definition, shared with src/fram). */
export type { ByteRange };

/** One slot of the target's slot table (INFO, STATUS). */
export interface SlotInfo {
  readonly slot: number;
  /** e.g. "empty", "active", "trial", "previous". */
  readonly state: string;
  readonly app?: string | undefined;
  readonly size?: number | undefined;
  readonly crc32?: number | undefined;
  /** SHA-256 of the slot's image, lowercase hex (optional: older targets omit it). */
  readonly sha256?: string | undefined;
  /** INFO only, optional: what an image written to this slot may use; a target sending it checks HXE images against it and INFO's capabilities. */
  readonly limits?: SlotLimits | undefined;
}

/** Bytes an application in a slot may use (the target's loader policy, src/hxe/policy.ts ResourceLimits). */
export interface SlotLimits {
  readonly code: number;
  readonly rodata: number;
  /** Data RAM: the image's bss plus `stack`. */
  readonly ram: number;
  /** Stack every application gets, taken from `ram`. */
  readonly stack: number;
}

/** One region of the FRAM map (FMAP_INFO). */
export interface FramRegion {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

export interface HelloMsg {
  readonly kind: 'hello';
  readonly version: number;
  readonly maxFrame: number;
  readonly maxChunk: number;
  readonly window: number;
}

export interface InfoMsg {
  readonly kind: 'info';
  readonly version: number;
  readonly nodeId: number;
  readonly maxFrame: number;
  readonly maxChunk: number;
  readonly window: number;
  readonly capabilities: number;
  readonly framSize: number;
  readonly identity: string;
  /**
   * Line rates (bit/s, ascending) the target accepts in SET_BAUD; absent when
   * its link cannot switch (CAN) or it predates baud switching.
   */
  readonly lineRates?: readonly number[] | undefined;
  /**
   * Chunk codecs the loader decodes in XDATA (ids as in src/codec; 0 is never
   * listed) and the RAM each decoder needs; absent when it decodes none
   * (capability bit 28 clear).
   */
  readonly codecs?: readonly CodecInfoWire[] | undefined;
  readonly slots: readonly SlotInfo[];
}

export interface QueryMsg {
  readonly kind: 'query';
  readonly size: number;
  readonly sha256: Uint8Array;
}

export interface SessionMsg {
  readonly kind: 'session';
  readonly state: HoldState;
  readonly truncated: boolean;
  /** Size and SHA-256 of the image the ranges belong to (zeros when state is none). */
  readonly size: number;
  readonly sha256: Uint8Array;
  readonly ranges: readonly ByteRange[];
}

export interface BeginMsg extends Authenticable {
  readonly kind: 'begin';
  readonly size: number;
  readonly crc32: number;
  readonly sha256: Uint8Array;
  readonly slot: number;
  readonly imageKind: ImageKind;
  readonly chunk: number;
  readonly window: number;
  /** Target sends an ACK after this many in-order chunks (1..255). */
  readonly ackEvery: number;
  /** ... or this long after the first unacknowledged chunk, whichever is first. */
  readonly ackDelayMs: number;
  readonly fresh: boolean;
}

export interface DataMsg {
  readonly kind: 'data';
  readonly offset: number;
  readonly bytes: Uint8Array;
}

export interface AckMsg {
  readonly kind: 'ack';
  /** Every byte below this offset is held. */
  readonly cumulative: number;
  /** Bit i (MSB first) set: chunk cumulative/chunk + 1 + i is held. */
  readonly bitmap: Uint8Array;
}

export interface NackMsg {
  readonly kind: 'nack';
  readonly code: number;
  readonly offset: number;
}

export interface EndMsg {
  readonly kind: 'end';
}

export interface TargetCountersWire {
  readonly framesReceived: number;
  readonly duplicates: number;
  readonly outOfWindow: number;
  readonly crcErrors: number;
  readonly malformed: number;
}

export interface DoneMsg {
  readonly kind: 'done';
  readonly slot: number;
  readonly size: number;
  readonly crc32: number;
  readonly sha256: Uint8Array;
  readonly counters: TargetCountersWire;
}

export interface AbortMsg extends Authenticable {
  readonly kind: 'abort';
  readonly code: number;
  readonly detail: string;
}

export interface StatusMsg {
  readonly kind: 'status';
}

/** STATUS_INFO: the target's state, its current session and its slot table. */
export interface StatusInfoMsg {
  readonly kind: 'status_info';
  readonly state: string;
  readonly session: number;
  readonly size: number;
  readonly held: number;
  readonly slots: readonly SlotInfo[];
  /** Boots of the active image so far (trial boots while unconfirmed); optional on the wire. */
  readonly bootCount?: number | undefined;
  /** The error that last failed a load, null if none; optional on the wire. */
  readonly lastError?: { readonly code: string; readonly message: string } | null | undefined;
  /** Storage damage a power cut cannot explain, reported until repaired; optional on the wire (absent: none, or an older target). */
  readonly damage?: readonly { readonly code: string; readonly offset: number; readonly message: string }[] | undefined;
  /** The last time the target left an image for the previous one (docs/protocol.md 4.3.1); optional on the wire. */
  readonly lastEvent?: SlotEventInfo | undefined;
  /** An uncommitted image the target keeps with no session open (suspended, power cut); optional on the wire. */
  readonly staged?: StagedInfo | undefined;
  /** The bundle the active slot holds (docs/protocol.md 4.3.1); optional on the wire (absent: a single HXE, nothing active, or an older target). */
  readonly bundle?: BundleStatusInfo | undefined;
  /** Where the active image came from (docs/protocol.md 4.3.1); optional on the wire. */
  readonly origin?: OriginInfo | undefined;
}

/** STATUS_INFO `origin`: the active image's source (`host_file`, `uart`, `can_master`, `sd_manifest`; others may come) and, when the board's own loader read it, the path. */
export interface OriginInfo {
  readonly source: string;
  readonly path?: string | undefined;
}

/** STATUS_INFO `bundle`: the active slot's bundle, its segments and the apps it runs. */
export interface BundleStatusInfo {
  readonly name: string;
  readonly securityCounter: number;
  readonly segments: readonly BundleSegmentInfo[];
  /** Instance names of the apps the bundle's hxe segments run, in segment order. */
  readonly apps: readonly string[];
}

export interface BundleSegmentInfo {
  readonly name: string;
  /** boot, hxe, values, data (other kinds may come). */
  readonly kind: string;
  readonly size: number;
  /** Lowercase hex; a target may leave it out to fit the frame. */
  readonly sha256?: string | undefined;
}

/** STATUS_INFO `lastEvent`: a fallback at boot (`trial_exhausted`, `active_corrupt`) or a host's `rollback`; other kinds may come. */
export interface SlotEventInfo {
  readonly kind: string;
  readonly from: number;
  readonly to: number;
  /** Trial boots the image had (trial_exhausted). */
  readonly boots?: number | undefined;
  readonly fromApp?: string | undefined;
  readonly toApp?: string | undefined;
}

/** STATUS_INFO `staged`: what the target keeps of an image no session is receiving. */
export interface StagedInfo {
  readonly slot: number;
  readonly size: number;
  readonly held: number;
}

export interface RollbackMsg extends Authenticable {
  readonly kind: 'rollback';
  readonly slot: number;
}

export interface ConfirmMsg extends Authenticable {
  readonly kind: 'confirm';
  readonly slot: number;
}

export interface FactoryResetMsg extends Authenticable {
  readonly kind: 'factory_reset';
}

export interface FmapMsg {
  readonly kind: 'fmap';
}

export interface FmapInfoMsg {
  readonly kind: 'fmap_info';
  readonly regions: readonly FramRegion[];
}

/** SET_BAUD: "switch the line to `rate`; revert unless you hear me at it within `confirmMs`". Answered RESULT at the old rate. */
export interface SetBaudMsg extends Authenticable {
  readonly kind: 'set_baud';
  /** Bit/s, one of INFO's lineRates. */
  readonly rate: number;
  /** The target reverts to the previous rate unless an intact frame arrives at the new one within this many ms (1..65535). */
  readonly confirmMs: number;
}

/** Bytes of TRUST_ADD's vendor and board class fields (ASCII, zero-padded; empty = any). */
export const TRUST_NAME_SIZE = 24;
/** Keys a trust store holds at most (TRUST_INFO lists their ids). */
export const MAX_TRUST_KEYS = 4;
/** TRUST_ADD key type: Ed25519 (raw 32-byte public key). */
export const TRUST_KEY_ED25519 = 1;
/** TRUST_ADD flag bits. */
export const TrustFlag = {
  /** Set the image policy to `signed`. */
  requireSigned: 0x01,
} as const;

/** TRUST_ADD: write the first key (and the policy, vendor, board class) into an empty trust store (manufacturing). */
export interface TrustAddMsg extends Authenticable {
  readonly kind: 'trust_add';
  readonly requireSigned: boolean;
  /** Raw Ed25519 public key, 32 bytes. */
  readonly publicKey: Uint8Array;
  /** '' = any. */
  readonly vendor: string;
  /** '' = any. */
  readonly boardClass: string;
}

export interface TrustListMsg {
  readonly kind: 'trust_list';
}

/** TRUST_INFO: the trust store (answer to TRUST_LIST). */
export interface TrustInfoMsg {
  readonly kind: 'trust_info';
  /** 16 bytes, lowercase hex. */
  readonly boardId: string;
  readonly policy: 'open' | 'signed';
  readonly securityCounter: number;
  readonly vendor: string;
  readonly boardClass: string;
  /** 16 lowercase hex chars each. */
  readonly keyIds: readonly string[];
  /** Why the active image would be refused now ('' when it passes or none is active). */
  readonly note: string;
}

/** A command that may carry an AUTH block (messages-auth.ts AUTHENTICATED_KINDS). */
interface Authenticable {
  readonly auth?: AuthBlock | undefined;
}

export interface ResultMsg {
  readonly kind: 'result';
  readonly code: number;
  /** Image byte offset the code refers to, or undefined. */
  readonly offset: number | undefined;
  readonly detail: string;
}

export type Message =
  | HelloMsg
  | InfoMsg
  | QueryMsg
  | SessionMsg
  | BeginMsg
  | DataMsg
  | AckMsg
  | NackMsg
  | EndMsg
  | DoneMsg
  | AbortMsg
  | StatusMsg
  | StatusInfoMsg
  | RollbackMsg
  | ConfirmMsg
  | FactoryResetMsg
  | FmapMsg
  | FmapInfoMsg
  | ResultMsg
  | SetBaudMsg
  | TrustAddMsg
  | TrustListMsg
  | TrustInfoMsg
  | ChallengeMsg
  | NonceMsg
  | AuditMsg
  | AuditInfoMsg
  | BootcfgSetMsg
  | BootcfgGetMsg
  | BootcfgInfoMsg
  | SigsMsg
  | SigsInfoMsg
  | XdataMsg;

export type MessageKind = Message['kind'];

/** Message type number per kind. */
export const typeOfKind: Readonly<Record<MessageKind, number>> = {
  hello: MessageType.HELLO,
  info: MessageType.INFO,
  query: MessageType.QUERY,
  session: MessageType.SESSION,
  begin: MessageType.BEGIN,
  data: MessageType.DATA,
  ack: MessageType.ACK,
  nack: MessageType.NACK,
  end: MessageType.END,
  done: MessageType.DONE,
  abort: MessageType.ABORT,
  status: MessageType.STATUS,
  status_info: MessageType.STATUS_INFO,
  rollback: MessageType.ROLLBACK,
  confirm: MessageType.CONFIRM,
  factory_reset: MessageType.FACTORY_RESET,
  fmap: MessageType.FMAP,
  fmap_info: MessageType.FMAP_INFO,
  result: MessageType.RESULT,
  set_baud: MessageType.SET_BAUD,
  trust_add: MessageType.TRUST_ADD,
  trust_list: MessageType.TRUST_LIST,
  trust_info: MessageType.TRUST_INFO,
  challenge: MessageType.CHALLENGE,
  nonce: MessageType.NONCE,
  audit: MessageType.AUDIT,
  audit_info: MessageType.AUDIT_INFO,
  sigs: MessageType.SIGS,
  sigs_info: MessageType.SIGS_INFO,
  xdata: MessageType.XDATA,
  bootcfg_set: MessageType.BOOTCFG_SET,
  bootcfg_get: MessageType.BOOTCFG_GET,
  bootcfg_info: MessageType.BOOTCFG_INFO,
};

/** Fixed payload sizes (bytes before any variable part). */
export const Size = {
  hello: 10,
  infoFixed: 19,
  query: 4 + SHA256_SIZE,
  sessionFixed: 8 + SHA256_SIZE,
  sessionRange: 8,
  begin: 18 + SHA256_SIZE,
  ackFixed: 6,
  nack: 6,
  done: 12 + SHA256_SIZE + 20,
  abortFixed: 2,
  resultFixed: 6,
  slot: 1,
  factoryReset: 4,
  setBaud: 6,
  trustAdd: 2 + 32 + 2 * TRUST_NAME_SIZE,
  trustInfoFixed: 16 + 1 + 4 + 2 * TRUST_NAME_SIZE + 1,
  keyId: 8,
  nonce: 16 + 16 + 4,
  auditEntry: 20,
} as const;
