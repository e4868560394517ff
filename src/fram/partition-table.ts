/**
 * The partition table, written once at format (and never by factory reset),
 * so an offline reader can check the layout it computes against the one the
 * board used. Body: magic u32 | layout version u16 | device size u32 | count u8
 * | count x (id u8, offset u32, length u32).
 */
import { view } from './codec.js';
import { type FramLayout, type Partition, PARTITION_NAMES } from './layout.js';
import { type FramIo, type RecordStatus, readRecord, writeRecord } from './record.js';

export const PARTITION_TABLE_MAGIC = 0x48425054; // "HBPT"
const BODY = 11 + 9 * 16;

export function writePartitionTable(io: FramIo, layout: FramLayout): void {
  const body = new Uint8Array(BODY);
  const v = view(body);
  v.setUint32(0, PARTITION_TABLE_MAGIC);
  v.setUint16(4, layout.version);
  v.setUint32(6, layout.size);
  v.setUint8(10, layout.partitions.length);
  layout.partitions.forEach((p, i) => {
    v.setUint8(11 + i * 9, p.id);
    v.setUint32(12 + i * 9, p.offset);
    v.setUint32(16 + i * 9, p.length);
  });
  writeRecord(io, layout.partitionTable, body);
}

export interface PartitionTableRead {
  readonly offset: number;
  readonly status: RecordStatus;
  /** Partitions as stored (empty unless the record is valid). */
  readonly partitions: readonly Partition[];
  /** True when valid and identical to the layout computed from the device size. */
  readonly matchesLayout: boolean;
}

export function readPartitionTable(io: Pick<FramIo, 'read'>, layout: FramLayout): PartitionTableRead {
  const r = readRecord(io, layout.partitionTable, BODY);
  const v = view(r.body);
  const partitions: Partition[] = [];
  if (r.status === 'valid' && v.getUint32(0) === PARTITION_TABLE_MAGIC) {
    const count = Math.min(16, v.getUint8(10));
    for (let i = 0; i < count; i++) {
      const id = v.getUint8(11 + i * 9);
      const name = PARTITION_NAMES[id - 1];
      if (name === undefined) continue;
      partitions.push({ id, name, offset: v.getUint32(12 + i * 9), length: v.getUint32(16 + i * 9) });
    }
  }
  const same =
    r.status === 'valid' &&
    v.getUint16(4) === layout.version &&
    v.getUint32(6) === layout.size &&
    partitions.length === layout.partitions.length &&
    partitions.every((p, i) => {
      const q = layout.partitions[i];
      return q !== undefined && p.id === q.id && p.offset === q.offset && p.length === q.length;
    });
  return { offset: layout.partitionTable, status: r.status, partitions, matchesLayout: same };
}
