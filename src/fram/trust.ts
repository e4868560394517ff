/**
 * The boot/trust area: board identity and the trust anchor (a public key slot
 * for image signatures). Written at format or provisioning time, preserved by
 * factory reset. Two-copy record. Payload: board id [16] | key type u8 |
 * public key [64] | reserved.
 */
import { fromHex, toHex } from '../util/hex.js';
import { type DualSpec, newestPayload, readDual, writeDual } from './dual.js';
import type { FramLayout } from './layout.js';
import type { FramIo } from './record.js';

export const TRUST_MAGIC = 0x48425442; // "HBTB"
const PAYLOAD = 96;

export const KEY_TYPES = ['none', 'ed25519', 'ecdsa_p256'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export interface TrustArea {
  /** 16 bytes, lowercase hex. */
  readonly boardId: string;
  readonly keyType: KeyType;
  /** Up to 64 bytes, lowercase hex ('' when keyType is 'none'). */
  readonly publicKey: string;
}

export function trustSpec(layout: FramLayout): DualSpec {
  return { offsets: layout.trust, magic: TRUST_MAGIC, payloadLength: PAYLOAD };
}

export function readTrust(io: Pick<FramIo, 'read'>, layout: FramLayout): TrustArea | null {
  const p = newestPayload(readDual(io, trustSpec(layout)));
  if (p === null) return null;
  const keyType = KEY_TYPES[p[16] ?? 0] ?? 'none';
  const keyLen = keyType === 'none' ? 0 : keyType === 'ed25519' ? 32 : 64;
  return { boardId: toHex(p.subarray(0, 16)), keyType, publicKey: toHex(p.subarray(17, 17 + keyLen)) };
}

export function writeTrust(io: FramIo, layout: FramLayout, t: TrustArea): void {
  const p = new Uint8Array(PAYLOAD);
  p.set(fromHex(t.boardId).subarray(0, 16), 0);
  p[16] = KEY_TYPES.indexOf(t.keyType);
  p.set(fromHex(t.publicKey).subarray(0, 64), 17);
  writeDual(io, trustSpec(layout), readDual(io, trustSpec(layout)), p);
}
