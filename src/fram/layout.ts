/**
 * The FRAM layout, computed from the device size alone (docs/fram.md has the
 * byte tables). Fixed areas first, then the value store (1/8 of the device,
 * 4 KiB to 32 KiB), then two equal image slots taking the rest.
 */
import { MIN_FRAM_SIZE } from './device.js';
import { FramError } from './errors.js';

export const LAYOUT_VERSION = 1;

export const PARTITION_NAMES = ['superblock', 'partition_table', 'trust', 'settings', 'wear', 'staging', 'values', 'slot_a', 'slot_b'] as const;
export type PartitionName = (typeof PARTITION_NAMES)[number];

export interface Partition {
  /** 1-based id stored in the partition table and the wear record. */
  readonly id: number;
  readonly name: PartitionName;
  readonly offset: number;
  readonly length: number;
}

export type SlotId = 'A' | 'B';
export const SLOT_IDS: readonly SlotId[] = ['A', 'B'];

export interface SlotLayout {
  readonly id: SlotId;
  /** Slot header (a committed record). */
  readonly headerOffset: number;
  /** First image byte. */
  readonly dataOffset: number;
  /** Largest image the slot holds. */
  readonly capacity: number;
}

export interface FramLayout {
  readonly size: number;
  readonly version: number;
  readonly partitions: readonly Partition[];
  /** Byte offsets of the two copies of each two-copy record. */
  readonly superblock: readonly [number, number];
  readonly partitionTable: number;
  readonly trust: readonly [number, number];
  readonly settings: readonly [number, number];
  readonly wear: readonly [number, number];
  readonly staging: readonly [number, number];
  /** The value cells: the values partition but its last AUDIT_AREA bytes. */
  readonly values: { readonly offset: number; readonly length: number };
  /** The audit ring (audit.ts): the last AUDIT_AREA bytes of the values partition. */
  readonly audit: { readonly offset: number; readonly length: number };
  readonly slots: readonly [SlotLayout, SlotLayout];
}

export const SLOT_HEADER_SIZE = 128;
const FIXED: readonly [PartitionName, number][] = [
  ['superblock', 0x100],
  ['partition_table', 0x100],
  ['trust', 0x200],
  ['settings', 0x100],
  ['wear', 0x200],
  ['staging', 0x200],
];

/** Bytes of the audit ring at the end of the values partition (src/fram/audit.ts). */
export const AUDIT_AREA = 0x200;

const alignDown = (n: number, a: number): number => n - (n % a);

/** The layout for a device of `size` bytes (at least 32 KiB). */
export function computeLayout(size: number): FramLayout {
  if (!Number.isInteger(size) || size < MIN_FRAM_SIZE) {
    throw new FramError('fram_too_small', `FRAM of ${size} bytes is smaller than the minimum of ${MIN_FRAM_SIZE} bytes (32 KiB)`);
  }
  const parts: Partition[] = [];
  let offset = 0;
  const add = (name: PartitionName, length: number): Partition => {
    const p = { id: parts.length + 1, name, offset, length };
    parts.push(p);
    offset += length;
    return p;
  };
  for (const [name, length] of FIXED) add(name, length);
  const values = add('values', Math.min(32 * 1024, Math.max(4 * 1024, alignDown(size / 8, 256))));
  const slotLength = alignDown(Math.floor((size - offset) / 2), 256);
  const a = add('slot_a', slotLength);
  const b = add('slot_b', slotLength);
  const halves = (name: PartitionName): [number, number] => {
    const p = parts.find((x) => x.name === name) as Partition;
    return [p.offset, p.offset + p.length / 2];
  };
  const slot = (id: SlotId, p: Partition): SlotLayout => ({
    id,
    headerOffset: p.offset,
    dataOffset: p.offset + SLOT_HEADER_SIZE,
    capacity: p.length - SLOT_HEADER_SIZE,
  });
  return {
    size,
    version: LAYOUT_VERSION,
    partitions: parts,
    superblock: halves('superblock'),
    partitionTable: (parts[1] as Partition).offset,
    trust: halves('trust'),
    settings: halves('settings'),
    wear: halves('wear'),
    staging: halves('staging'),
    values: { offset: values.offset, length: values.length - AUDIT_AREA },
    audit: { offset: values.offset + values.length - AUDIT_AREA, length: AUDIT_AREA },
    slots: [slot('A', a), slot('B', b)],
  };
}

/** The partition holding `offset` (every FRAM write lies inside one partition). */
export function partitionAt(layout: FramLayout, offset: number): Partition | undefined {
  return layout.partitions.find((p) => offset >= p.offset && offset < p.offset + p.length);
}

export function slotIndex(id: SlotId): 0 | 1 {
  return id === 'A' ? 0 : 1;
}
