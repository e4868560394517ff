/**
 * The value store: fixed 32-byte cells, each a committed record holding one
 * copy of one persisted value. A key owns at most two cells; a save writes the
 * older of them (or a free cell), never the newest valid copy, so a power cut
 * leaves the previous value readable.
 *
 * Cell body: persist key u16 | length u8 | seq u32 | payload [20] (record:
 * commit u8 + body 27 + crc32 u32 = 32 bytes).
 */
import { view } from './codec.js';
import { FramError, at } from './errors.js';
import type { FramLayout } from './layout.js';
import { type FramIo, type RecordStatus, readRecord, writeRecord } from './record.js';

export const VALUE_CELL_SIZE = 32;
/** Longest persisted value a cell holds. */
export const MAX_VALUE_BYTES = 20;
const BODY = 27;

export interface ValueCell {
  readonly index: number;
  readonly offset: number;
  readonly status: RecordStatus;
  /** Key as stored (for an invalid cell: what the bytes say, a hint only; null when blank). */
  readonly key: number | null;
  readonly length: number;
  readonly seq: number;
  readonly payload: Uint8Array;
}

export function scanCells(io: Pick<FramIo, 'read'>, layout: FramLayout): ValueCell[] {
  const cells: ValueCell[] = [];
  const count = Math.floor(layout.values.length / VALUE_CELL_SIZE);
  for (let i = 0; i < count; i++) {
    const offset = layout.values.offset + i * VALUE_CELL_SIZE;
    const r = readRecord(io, offset, BODY);
    const v = view(r.body);
    const length = Math.min(MAX_VALUE_BYTES, v.getUint8(2));
    cells.push({
      index: i,
      offset,
      status: r.status,
      key: r.status === 'blank' ? null : v.getUint16(0),
      length,
      seq: v.getUint32(3),
      payload: r.body.slice(7, 7 + length),
    });
  }
  return cells;
}

export type ValueRead =
  | { readonly status: 'found'; readonly key: number; readonly bytes: Uint8Array; readonly offset: number; readonly seq: number }
  | { readonly status: 'missing'; readonly key: number }
  /** No valid copy, but a cell claims the key: interrupted first save ('incomplete') or real corruption ('corrupt'). */
  | { readonly status: 'interrupted' | 'corrupt'; readonly key: number; readonly offset: number };

export function checkKey(key: number): void {
  if (!Number.isInteger(key) || key < 0x0001 || key > 0xfffe) {
    throw new FramError('bad_persist_key', `persist key ${key} is not a FRAM key (0x0001-0xfffe); 0 means not persisted, 0xffff is reserved`);
  }
}

/** The newest valid copy of `key`, from a scan (or a fresh one). */
export function readValue(io: Pick<FramIo, 'read'>, layout: FramLayout, key: number, cells = scanCells(io, layout)): ValueRead {
  checkKey(key);
  const valid = cells.filter((c) => c.status === 'valid' && c.key === key).sort((a, b) => b.seq - a.seq);
  const best = valid[0];
  if (best !== undefined) return { status: 'found', key, bytes: best.payload, offset: best.offset, seq: best.seq };
  const claim = cells.find((c) => c.key === key && (c.status === 'corrupt' || c.status === 'incomplete'));
  if (claim === undefined) return { status: 'missing', key };
  return { status: claim.status === 'corrupt' ? 'corrupt' : 'interrupted', key, offset: claim.offset };
}

/** Save `bytes` as the next copy of `key`. Returns where it went. */
export function saveValue(io: FramIo, layout: FramLayout, key: number, bytes: Uint8Array): { offset: number; seq: number } {
  checkKey(key);
  if (bytes.length > MAX_VALUE_BYTES) {
    throw new FramError('value_too_large', `value for persist key 0x${key.toString(16)} is ${bytes.length} bytes; a value record holds at most ${MAX_VALUE_BYTES}`);
  }
  const cells = scanCells(io, layout);
  const mine = cells.filter((c) => c.status === 'valid' && c.key === key).sort((a, b) => a.seq - b.seq);
  const newest = mine[mine.length - 1];
  const target = mine.length >= 2 ? mine[0] : cells.find((c) => c.status !== 'valid');
  if (target === undefined) {
    throw new FramError('value_store_full', `value store at ${at(layout.values.offset)} has no free record for persist key 0x${key.toString(16)}; factory reset or a larger FRAM frees space`, layout.values.offset);
  }
  const seq = (newest?.seq ?? 0) + 1;
  const body = new Uint8Array(BODY);
  const v = view(body);
  v.setUint16(0, key);
  v.setUint8(2, bytes.length);
  v.setUint32(3, seq);
  body.set(bytes, 7);
  writeRecord(io, target.offset, body);
  return { offset: target.offset, seq };
}
