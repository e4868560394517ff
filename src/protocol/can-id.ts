/**
 * hilbridge CAN identifiers (docs/protocol.md section 3.2).
 *
 *   11-bit: bit 10 direction | bits 9..5 node (1..31) | bits 4..0 segment index mod 32
 *   29-bit: bits 28..24 tag 0x1B | bit 23 direction | bits 22..15 node (1..254) |
 *           bits 14..0 segment index mod 32768
 *
 * Direction bit 0 = target -> host, so the target's responses win arbitration
 * over a host's data burst.
 */
import { UsageError } from '../errors.js';
import {
  CAN_EXT_INDEX_MOD,
  CAN_EXT_MAX_NODE,
  CAN_EXT_TAG,
  CAN_STD_INDEX_MOD,
  CAN_STD_MAX_NODE,
} from './constants.js';
import type { CanIdFormat } from '../transports/types.js';

export type { CanIdFormat };
/** Which way a CAN frame travels. */
export type CanDirection = 'toHost' | 'toTarget';

export interface CanAddress {
  readonly node: number;
  readonly direction: CanDirection;
  /** Segment index, already reduced modulo the format's modulus. */
  readonly index: number;
}

/** SocketCAN's flag bits in can_id / can_mask (linux/can.h). */
export const CAN_EFF_FLAG = 0x80000000;
export const CAN_RTR_FLAG = 0x40000000;

/** Segment index modulus: 32 for 11-bit identifiers, 32768 for 29-bit. */
export function canIndexModulus(format: CanIdFormat): number {
  return format === 'std' ? CAN_STD_INDEX_MOD : CAN_EXT_INDEX_MOD;
}

/** Largest node id the format can address (31 or 254). */
export function canMaxNode(format: CanIdFormat): number {
  return format === 'std' ? CAN_STD_MAX_NODE : CAN_EXT_MAX_NODE;
}

/** Throws UsageError unless `node` is a valid node id for `format`. */
export function checkCanNode(format: CanIdFormat, node: number, link: string): void {
  const max = canMaxNode(format);
  if (!Number.isInteger(node) || node < 1 || node > max) {
    throw new UsageError(
      'invalid_node',
      `node ${node} on ${link} is outside 1..${max} for ${format === 'std' ? '11-bit' : '29-bit'} identifiers` +
        (format === 'std' && node > max && node <= CAN_EXT_MAX_NODE ? ': use 29-bit identifiers (ext) for nodes above 31' : ''),
    );
  }
}

const dirBit = (d: CanDirection): number => (d === 'toTarget' ? 1 : 0);

/** The CAN identifier for a segment. The index is reduced modulo the format's modulus. */
export function encodeCanId(format: CanIdFormat, addr: CanAddress): number {
  const index = addr.index % canIndexModulus(format);
  if (format === 'std') return (dirBit(addr.direction) << 10) | (addr.node << 5) | index;
  return ((CAN_EXT_TAG << 24) | (dirBit(addr.direction) << 23) | (addr.node << 15) | index) >>> 0;
}

/**
 * Read a CAN identifier; undefined if it is not hilbridge traffic (29-bit
 * tag mismatch, node 0 or out of range, id out of range for the format).
 */
export function decodeCanId(format: CanIdFormat, id: number): CanAddress | undefined {
  if (format === 'std') {
    if (id < 0 || id > 0x7ff) return undefined;
    const node = (id >> 5) & 0x1f;
    if (node === 0) return undefined;
    return { direction: id & 0x400 ? 'toTarget' : 'toHost', node, index: id & 0x1f };
  }
  if (id < 0 || id > 0x1fffffff || id >>> 24 !== CAN_EXT_TAG) return undefined;
  const node = (id >>> 15) & 0xff;
  if (node === 0 || node > CAN_EXT_MAX_NODE) return undefined;
  return { direction: id & 0x800000 ? 'toTarget' : 'toHost', node, index: id & 0x7fff };
}

/** An acceptance filter: a frame matches when (frameId & mask) === (id & mask). */
export interface CanReceiveFilter {
  readonly id: number;
  readonly mask: number;
  readonly extended: boolean;
  /** The same filter as SocketCAN's struct can_filter wants it (flags included, unsigned). */
  readonly socketcan: { readonly canId: number; readonly canMask: number };
}

/** The filter that passes every segment for `node` travelling in `direction` (any index). */
export function canReceiveFilter(format: CanIdFormat, node: number, direction: CanDirection): CanReceiveFilter {
  const id = encodeCanId(format, { node, direction, index: 0 });
  const mask = format === 'std' ? 0x7e0 : 0x1fff8000;
  const extended = format === 'ext';
  return {
    id,
    mask,
    extended,
    socketcan: {
      canId: (extended ? id | CAN_EFF_FLAG : id) >>> 0,
      canMask: (mask | CAN_EFF_FLAG | CAN_RTR_FLAG) >>> 0,
    },
  };
}

/**
 * Group identifiers (docs/protocol.md section 3.5): 29-bit, tag 0x19, for
 * traffic addressed to every node or answered by many at once.
 *
 *   bits 28..24 tag 0x19 | bits 23..22 kind | bits 21..0 by kind
 *   kind 0 request (host -> every node):  bits 21..6 zero | bits 5..0 segment index mod 64
 *   kind 1 reply (node -> host):          bits 21..6 key (16 bits, docs 3.5) | bits 5..0 segment index mod 64
 *   kind 2 group data: bits 21..0 defined by the broadcast session (docs section 3.5)
 *   kind 3 reserved (a receiver ignores it)
 *
 * Requests have the lowest identifiers (the host's frame wins arbitration);
 * each reply carries its node's key, so replies of many nodes sent at once
 * are serialised by the bus instead of colliding.
 */
export const CAN_GROUP_TAG = 0x19;
export const GroupKind = { request: 0, reply: 1, groupData: 2, reserved: 3 } as const;
export type GroupKind = (typeof GroupKind)[keyof typeof GroupKind];
/** Segment index modulus of group requests and replies (6 bits). */
export const CAN_GROUP_INDEX_MOD = 64;

/** A decoded group identifier: kind, the 22 bits below it, and for requests and replies the key and index. */
export interface GroupAddress {
  readonly kind: GroupKind;
  /** Bits 21..0 as they are. */
  readonly low: number;
  /** Bits 21..6 (requests and replies). */
  readonly key: number;
  /** Bits 5..0 (requests and replies). */
  readonly index: number;
}

/** Identifier of a group request or reply segment. `key` is 0 for requests; the index is reduced mod 64. */
export function encodeGroupCanId(kind: typeof GroupKind.request | typeof GroupKind.reply, key: number, index: number): number {
  return ((CAN_GROUP_TAG << 24) | (kind << 22) | ((key & 0xffff) << 6) | (index % CAN_GROUP_INDEX_MOD)) >>> 0;
}

/** Identifier with tag 0x19, `kind`, and `low` in bits 21..0 (group data is laid out by its own section). */
export function groupCanId(kind: GroupKind, low: number): number {
  return ((CAN_GROUP_TAG << 24) | (kind << 22) | (low & 0x3fffff)) >>> 0;
}

/** Read a group identifier of a frame; undefined unless it is a 29-bit frame with tag 0x19. */
export function decodeGroupCanId(id: number, extended: boolean): GroupAddress | undefined {
  if (!extended || id < 0 || id > 0x1fffffff || id >>> 24 !== CAN_GROUP_TAG) return undefined;
  const low = id & 0x3fffff;
  return { kind: ((id >>> 22) & 3) as GroupKind, low, key: low >>> 6, index: low & 0x3f };
}
