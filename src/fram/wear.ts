/**
 * Wear counters: per partition, bytes actually written and write operations
 * that changed at least one byte (identical writes are skipped by the device
 * and not counted). Counted in RAM as writes happen and persisted as a
 * two-copy record at the end of every mutating operation, so they survive
 * power cycles; the writes of an operation cut short by power failure are not
 * counted (the counters are a lower bound by at most one operation).
 *
 * Payload: count u8 | count x (partition id u8, bytes u64, writes u64).
 */
import { getU64, setU64, view } from './codec.js';
import { type DualSpec, newestPayload, readDual, writeDual } from './dual.js';
import { type FramLayout, type PartitionName, PARTITION_NAMES } from './layout.js';
import type { FramIo } from './record.js';

export const WEAR_MAGIC = 0x48425743; // "HBWC"
const PAYLOAD = 160;

export interface WearCounter {
  readonly partition: PartitionName;
  readonly bytes: number;
  readonly writes: number;
}

export function wearSpec(layout: FramLayout): DualSpec {
  return { offsets: layout.wear, magic: WEAR_MAGIC, payloadLength: PAYLOAD };
}

/** Persisted counters (zero for every partition when none were stored yet). */
export function readWear(io: Pick<FramIo, 'read'>, layout: FramLayout): WearCounter[] {
  const p = newestPayload(readDual(io, wearSpec(layout)));
  const counts = new Map<PartitionName, WearCounter>(PARTITION_NAMES.map((n) => [n, { partition: n, bytes: 0, writes: 0 }]));
  if (p !== null) {
    const v = view(p);
    const n = Math.min(PARTITION_NAMES.length, v.getUint8(0));
    for (let i = 0; i < n; i++) {
      const name = PARTITION_NAMES[v.getUint8(1 + i * 17) - 1];
      if (name !== undefined) counts.set(name, { partition: name, bytes: getU64(v, 2 + i * 17), writes: getU64(v, 10 + i * 17) });
    }
  }
  return [...counts.values()];
}

export function writeWear(io: FramIo, layout: FramLayout, counters: readonly WearCounter[]): void {
  const p = new Uint8Array(PAYLOAD);
  const v = view(p);
  v.setUint8(0, counters.length);
  counters.forEach((c, i) => {
    v.setUint8(1 + i * 17, PARTITION_NAMES.indexOf(c.partition) + 1);
    setU64(v, 2 + i * 17, c.bytes);
    setU64(v, 10 + i * 17, c.writes);
  });
  writeDual(io, wearSpec(layout), readDual(io, wearSpec(layout)), p);
}
