/**
 * The committed record: the one power-safe write primitive every FRAM
 * structure uses.
 *
 *   +0      commit  u8   0xC3 = committed, 0x00 = not (blank or interrupted)
 *   +1      body    n bytes
 *   +1+n    crc32   u32  CRC-32 of body
 *
 * Writing is three steps: (1) commit byte := 0x00, (2) body and CRC,
 * (3) commit byte := 0xC3. Steps 1 and 3 are single bytes, so atomic. A power
 * cut anywhere leaves the record either as it was (before step 1 changed a
 * byte), 'incomplete' (commit 0x00 during steps 1-3), or committed with the new
 * body. A committed record whose CRC fails was therefore not torn by a power
 * cut: it is real corruption (bit rot, a foreign write).
 */
import { crc32 } from '../util/digest.js';
import { view } from './codec.js';

/** What the FRAM layer reads and writes through (the store attributes wear; the map only reads). */
export interface FramIo {
  read(offset: number, length: number): Uint8Array;
  write(offset: number, data: Uint8Array): void;
}

export const COMMITTED = 0xc3;

export type RecordStatus = 'valid' | 'blank' | 'incomplete' | 'corrupt';

export interface RecordRead {
  readonly offset: number;
  readonly status: RecordStatus;
  /** The stored body, whatever its status (decoders may peek at an invalid one for diagnostics). */
  readonly body: Uint8Array;
}

export function recordSize(bodyLength: number): number {
  return 1 + bodyLength + 4;
}

export function readRecord(io: Pick<FramIo, 'read'>, offset: number, bodyLength: number): RecordRead {
  const raw = io.read(offset, recordSize(bodyLength));
  const body = raw.subarray(1, 1 + bodyLength);
  const commit = raw[0];
  if (commit === 0) {
    return { offset, status: raw.every((b) => b === 0) ? 'blank' : 'incomplete', body };
  }
  const stored = view(raw).getUint32(1 + bodyLength);
  const ok = commit === COMMITTED && stored === crc32(body);
  return { offset, status: ok ? 'valid' : 'corrupt', body };
}

export function writeRecord(io: FramIo, offset: number, body: Uint8Array): void {
  const tail = new Uint8Array(body.length + 4);
  tail.set(body);
  view(tail).setUint32(body.length, crc32(body));
  io.write(offset, Uint8Array.of(0));
  io.write(offset + 1, tail);
  io.write(offset, Uint8Array.of(COMMITTED));
}

/** Make a record 'incomplete' with one atomic byte write (its body stays for diagnostics). */
export function invalidateRecord(io: FramIo, offset: number): void {
  io.write(offset, Uint8Array.of(0));
}
