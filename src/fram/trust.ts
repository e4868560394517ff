/**
 * The boot/trust area: the board's identity and its trust store. Written at
 * format and at manufacturing (`hilbridge trust add`), preserved by factory
 * reset. Two-copy record (dual.ts), 198-byte payload, so one copy is 211
 * bytes and fits the 256 bytes each copy has:
 *
 *   +0    board id [16]
 *   +16   image policy u8 (0 open, 1 signed)
 *   +17   security counter u32 (the lowest bundle counter the board takes; only goes up)
 *   +21   vendor [24] (ASCII, zero-padded; empty = any)
 *   +45   board class [24] (ASCII, zero-padded; empty = any)
 *   +69   key count u8 (0..4)
 *   +70   4 x Ed25519 public key [32] (raw; unused entries zero)
 *
 * A key's id is the bundle library's (first 8 bytes of SHA-256 of the raw key).
 */
import { keyIdOf } from '../bundle/keys.js';
import { fromHex, toHex } from '../util/hex.js';
import { view } from './codec.js';
import { type DualRead, type DualSpec, newestPayload, readDual, writeDual } from './dual.js';
import type { FramLayout } from './layout.js';
import type { FramIo } from './record.js';

export const TRUST_MAGIC = 0x48425442; // "HBTB"

/** Field offsets in the payload. */
export const TrustOff = { boardId: 0, policy: 16, counter: 17, vendor: 21, boardClass: 45, keyCount: 69, keys: 70 } as const;
export const MAX_TRUST_KEYS = 4;
/** Vendor and board class fields, bytes (at most this many ASCII characters). */
export const TRUST_NAME_SIZE = 24;
const PAYLOAD = TrustOff.keys + MAX_TRUST_KEYS * 32; // 198

export const IMAGE_POLICIES = ['open', 'signed'] as const;
export type ImagePolicy = (typeof IMAGE_POLICIES)[number];

export interface TrustKey {
  /** 16 lowercase hex chars (keyIdOf the raw key). */
  readonly keyId: string;
  /** Raw 32-byte Ed25519 public key, 64 lowercase hex chars. */
  readonly publicKey: string;
}

export interface TrustArea {
  /** 16 bytes, lowercase hex. */
  readonly boardId: string;
  readonly policy: ImagePolicy;
  /** Bundles with a lower security counter are refused. */
  readonly securityCounter: number;
  /** '' = any vendor. */
  readonly vendor: string;
  /** '' = any board class. */
  readonly boardClass: string;
  /** At most MAX_TRUST_KEYS. */
  readonly keys: readonly TrustKey[];
}

/** A trust area with no keys, the open policy, counter 0 and no vendor or class: what a new board gets. */
export function emptyTrust(boardId: string): TrustArea {
  return { boardId, policy: 'open', securityCounter: 0, vendor: '', boardClass: '', keys: [] };
}

/** True while nothing has been provisioned: no key, open policy, counter 0, no vendor or class (trust add is allowed). */
export function trustStoreEmpty(t: TrustArea): boolean {
  return t.keys.length === 0 && t.policy === 'open' && t.securityCounter === 0 && t.vendor === '' && t.boardClass === '';
}

export function trustSpec(layout: FramLayout): DualSpec {
  return { offsets: layout.trust, magic: TRUST_MAGIC, payloadLength: PAYLOAD };
}

function ascii(field: Uint8Array): string {
  const end = field.indexOf(0);
  return Buffer.from(field.subarray(0, end < 0 ? field.length : end)).toString('latin1');
}

export function decodeTrust(p: Uint8Array): TrustArea {
  const v = view(p);
  const count = Math.min(p[TrustOff.keyCount] ?? 0, MAX_TRUST_KEYS);
  const keys: TrustKey[] = [];
  for (let i = 0; i < count; i++) {
    const raw = p.subarray(TrustOff.keys + 32 * i, TrustOff.keys + 32 * (i + 1));
    keys.push({ keyId: keyIdOf(raw), publicKey: toHex(raw) });
  }
  return {
    boardId: toHex(p.subarray(TrustOff.boardId, TrustOff.boardId + 16)),
    policy: p[TrustOff.policy] === 1 ? 'signed' : 'open',
    securityCounter: v.getUint32(TrustOff.counter),
    vendor: ascii(p.subarray(TrustOff.vendor, TrustOff.vendor + TRUST_NAME_SIZE)),
    boardClass: ascii(p.subarray(TrustOff.boardClass, TrustOff.boardClass + TRUST_NAME_SIZE)),
    keys,
  };
}

export function encodeTrust(t: TrustArea): Uint8Array {
  const p = new Uint8Array(PAYLOAD);
  p.set(fromHex(t.boardId).subarray(0, 16), TrustOff.boardId);
  p[TrustOff.policy] = t.policy === 'signed' ? 1 : 0;
  view(p).setUint32(TrustOff.counter, t.securityCounter >>> 0);
  p.set(Buffer.from(t.vendor, 'latin1').subarray(0, TRUST_NAME_SIZE), TrustOff.vendor);
  p.set(Buffer.from(t.boardClass, 'latin1').subarray(0, TRUST_NAME_SIZE), TrustOff.boardClass);
  const keys = t.keys.slice(0, MAX_TRUST_KEYS);
  p[TrustOff.keyCount] = keys.length;
  keys.forEach((k, i) => p.set(fromHex(k.publicKey).subarray(0, 32), TrustOff.keys + 32 * i));
  return p;
}

/**
 * The record as FRAMs formatted before the trust store wrote it (board id,
 * key type, a 64-byte key slot never used: 96 bytes). Read as an empty store
 * with that board id; the next write replaces it with the current layout.
 */
export function legacyTrustSpec(layout: FramLayout): DualSpec {
  return { offsets: layout.trust, magic: TRUST_MAGIC, payloadLength: 96 };
}

/** The two copies as the map judges them: the current layout, or the legacy one when only that one is valid. */
export function readTrustDual(io: Pick<FramIo, 'read'>, layout: FramLayout): { dual: DualRead; legacy: boolean } {
  const current = readDual(io, trustSpec(layout));
  if (current.newest !== null) return { dual: current, legacy: false };
  const old = readDual(io, legacyTrustSpec(layout));
  return old.newest !== null ? { dual: old, legacy: true } : { dual: current, legacy: false };
}

export function readTrust(io: Pick<FramIo, 'read'>, layout: FramLayout): TrustArea | null {
  const { dual, legacy } = readTrustDual(io, layout);
  const p = newestPayload(dual);
  if (p === null) return null;
  return legacy ? emptyTrust(toHex(p.subarray(0, 16))) : decodeTrust(p);
}

export function writeTrust(io: FramIo, layout: FramLayout, t: TrustArea): void {
  writeDual(io, trustSpec(layout), readDual(io, trustSpec(layout)), encodeTrust(t));
}
