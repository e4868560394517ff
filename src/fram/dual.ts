/**
 * Two-copy records with a sequence number, written as a mirror: every state
 * goes into both copies, first into the copy that does not count now (the
 * older or invalid one), then into the other. So:
 *
 * - a power cut during the first write leaves the previous state in the other
 *   copy (old); during the second, the new state in the first copy (new);
 * - once a write completes both copies hold the same state, so any single
 *   damaged copy (a flipped bit, a torn write) still leaves exactly the last
 *   committed state. An alternating scheme (each write to one copy only)
 *   kept the previous state in the other copy, and one bit in the newest copy
 *   silently went back to it: a confirmed image on trial again, a trust store
 *   or settings from before the last change.
 *
 * Reading: the newest valid copy wins (equal seqs: identical contents).
 * Body: seq u32 | magic u32 | payload.
 */
import { view } from './codec.js';
import { type FramIo, type RecordRead, readRecord, writeRecord } from './record.js';

export interface DualCopy extends RecordRead {
  /** Sequence number when the copy is valid and carries the right magic, else null. */
  readonly seq: number | null;
}

export interface DualRead {
  readonly copies: readonly [DualCopy, DualCopy];
  /** Index of the newest valid copy, or null when neither is valid. */
  readonly newest: 0 | 1 | null;
}

export interface DualSpec {
  readonly offsets: readonly [number, number];
  readonly magic: number;
  /** Payload bytes after seq and magic. */
  readonly payloadLength: number;
}

export function readDual(io: Pick<FramIo, 'read'>, spec: DualSpec): DualRead {
  const copy = (i: 0 | 1): DualCopy => {
    const r = readRecord(io, spec.offsets[i], 8 + spec.payloadLength);
    const v = view(r.body);
    const seq = r.status === 'valid' && v.getUint32(4) === spec.magic ? v.getUint32(0) : null;
    return { ...r, seq };
  };
  const copies = [copy(0), copy(1)] as const;
  const [a, b] = [copies[0].seq, copies[1].seq];
  const newest = a === null ? (b === null ? null : 1) : b === null || a > b ? 0 : 1;
  return { copies, newest };
}

/** Payload of the newest valid copy, or null. */
export function newestPayload(read: DualRead): Uint8Array | null {
  return read.newest === null ? null : read.copies[read.newest].body.subarray(8);
}

/** Write `payload` as the next sequence into both copies, the one that does not count now first. Returns the new seq. */
export function writeDual(io: FramIo, spec: DualSpec, current: DualRead, payload: Uint8Array): number {
  const first = current.newest === null ? 0 : 1 - current.newest;
  const seq = current.newest === null ? 1 : (current.copies[current.newest].seq ?? 0) + 1;
  const body = new Uint8Array(8 + spec.payloadLength);
  const v = view(body);
  v.setUint32(0, seq);
  v.setUint32(4, spec.magic);
  body.set(payload.subarray(0, spec.payloadLength), 8);
  writeRecord(io, spec.offsets[first] as number, body);
  writeRecord(io, spec.offsets[1 - first] as number, body);
  return seq;
}
