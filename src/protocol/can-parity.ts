/**
 * Segment parity on CAN (docs/protocol.md section 5.5): the sender may add
 * one XOR parity segment per group of k data segments of a frame, so the
 * receiver rebuilds one lost segment per group instead of losing the frame.
 *
 * Parity and the receiver's announcement travel as 29-bit CAN frames with
 * tag 0x1A, which a receiver that does not know them ignores (another
 * identifier format on an 11-bit link; not tag 0x1B on a 29-bit link):
 *
 *   bits 28..24 tag 0x1A | bit 23 direction | bits 22..15 node |
 *   bit 14 = 0: parity,  bits 13..12 kcode (k = 4 << kcode), bits 11..0 group g
 *   bit 14 = 1: announcement (bits 13..0 zero), data byte 0 = scheme version 1
 *
 * Group g covers data segments [g·k, min((g+1)·k, n)). Its parity is the XOR
 * of the frame bytes of those segments, each zero-extended to the segment
 * size S (8 classic, 64 FD). Parity of group 0 goes before segment 0 (it
 * tells the receiver the frame is coded and k); parity of every later group
 * right after that group's last segment.
 */
import type { CanFrame } from '../transports/types.js';
import type { CanDirection } from './can-id.js';

/** Bits 28..24 of a parity or announcement identifier. */
export const CAN_PARITY_TAG = 0x1a;
/** Group sizes a sender may use (kcode 0..3). */
export const PARITY_GROUP_SIZES = [4, 8, 16, 32] as const;
/** Highest group number a parity identifier carries; later groups go without parity. */
export const PARITY_MAX_GROUP = 0xfff;
/** Scheme version an announcement carries. */
export const PARITY_SCHEME = 1;
const ANNOUNCE_BIT = 0x4000;

export type ParityUnit =
  | { readonly kind: 'parity'; readonly direction: CanDirection; readonly node: number; readonly k: number; readonly group: number }
  | { readonly kind: 'announce'; readonly direction: CanDirection; readonly node: number };

const head = (direction: CanDirection, node: number): number =>
  ((CAN_PARITY_TAG << 24) | ((direction === 'toTarget' ? 1 : 0) << 23) | (node << 15)) >>> 0;

/** Identifier of the parity segment for group `group` with group size `k` (one of PARITY_GROUP_SIZES). */
export function parityId(direction: CanDirection, node: number, k: number, group: number): number {
  const kcode = PARITY_GROUP_SIZES.indexOf(k as (typeof PARITY_GROUP_SIZES)[number]);
  if (kcode < 0 || group < 0 || group > PARITY_MAX_GROUP) throw new RangeError(`no parity identifier for k ${k}, group ${group}`);
  return (head(direction, node) | (kcode << 12) | group) >>> 0;
}

/** The announcement a receiver that rebuilds segments from parity sends after INFO and SESSION. */
export function announceFrame(direction: CanDirection, node: number): CanFrame {
  return { id: (head(direction, node) | ANNOUNCE_BIT) >>> 0, extended: true, fd: false, data: Uint8Array.of(PARITY_SCHEME) };
}

/** Read a parity or announcement frame; undefined for anything else. */
export function decodeParityFrame(f: CanFrame): ParityUnit | undefined {
  if (!f.extended || f.id >>> 24 !== CAN_PARITY_TAG) return undefined;
  const direction: CanDirection = f.id & 0x800000 ? 'toTarget' : 'toHost';
  const node = (f.id >>> 15) & 0xff;
  if (node === 0) return undefined;
  if ((f.id & ANNOUNCE_BIT) !== 0) {
    return (f.id & 0x3fff) === 0 && f.data[0] === PARITY_SCHEME ? { kind: 'announce', direction, node } : undefined;
  }
  return { kind: 'parity', direction, node, k: PARITY_GROUP_SIZES[(f.id >>> 12) & 3]!, group: f.id & 0xfff };
}

/** acc ^= data (zero-extended), over acc's length. */
export function xorInto(acc: Uint8Array, data: Uint8Array): void {
  const n = Math.min(acc.length, data.length);
  for (let i = 0; i < n; i++) acc[i]! ^= data[i]!;
}

/** Parity of data segments [from, to) of `frame` with segment size `size`. */
export function groupParity(frame: Uint8Array, size: number, from: number, to: number): Uint8Array {
  const acc = new Uint8Array(size);
  for (let s = from; s < to; s++) xorInto(acc, frame.subarray(s * size, Math.min(frame.length, (s + 1) * size)));
  return acc;
}

/** True if a frame of `segments` segments is sent coded with group size k (at least two groups, each numbered). */
export function codesFrame(segments: number, k: number): boolean {
  return k >= 4 && segments > k && Math.ceil(segments / k) - 1 <= PARITY_MAX_GROUP;
}
