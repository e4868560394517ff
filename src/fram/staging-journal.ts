/**
 * The staging journal: which image (SHA-256, size) is being staged into which
 * slot, and which byte ranges of it the slot already holds. A two-copy record;
 * ranges are added only after their bytes are written, and a new image's
 * journal (with no ranges) is written before any of its bytes, so the newest
 * valid journal never claims bytes the slot does not hold.
 *
 * Payload: slot u8 | source u8 | size u32 | sha256 [32] | app_name [32] |
 * range count u8 | 16 x (start u32, end u32).
 */
import { fromHex, toHex } from '../util/hex.js';
import { decodeName, encodeName, view } from './codec.js';
import { type DualRead, type DualSpec, newestPayload, readDual, writeDual } from './dual.js';
import type { FramLayout, SlotId } from './layout.js';
import type { ByteRange } from '../util/ranges.js';
import type { FramIo } from './record.js';
import { IMAGE_ORIGINS, type ImageOrigin } from './slot.js';

export const STAGING_MAGIC = 0x48425354; // "HBST"
/** Disjoint ranges a journal records; a chunk that would need more is written but not recorded (resent on resume). */
export const MAX_STAGING_RANGES = 16;
const PAYLOAD = 200;

export interface StagingJournal {
  readonly slot: SlotId;
  readonly source: ImageOrigin | null;
  readonly size: number;
  readonly sha256: string;
  readonly appName: string | null;
  readonly held: readonly ByteRange[];
}

export function stagingSpec(layout: FramLayout): DualSpec {
  return { offsets: layout.staging, magic: STAGING_MAGIC, payloadLength: PAYLOAD };
}

export function encodeJournal(j: StagingJournal): Uint8Array {
  const out = new Uint8Array(PAYLOAD);
  const v = view(out);
  v.setUint8(0, j.slot === 'A' ? 0 : 1);
  v.setUint8(1, j.source === null ? 0 : IMAGE_ORIGINS.indexOf(j.source) + 1);
  v.setUint32(2, j.size);
  out.set(fromHex(j.sha256), 6);
  out.set(encodeName(j.appName, 32), 38);
  const held = j.held.slice(0, MAX_STAGING_RANGES);
  v.setUint8(70, held.length);
  held.forEach((r, i) => {
    v.setUint32(71 + i * 8, r.start);
    v.setUint32(75 + i * 8, r.end);
  });
  return out;
}

export function decodeJournal(p: Uint8Array): StagingJournal {
  const v = view(p);
  const held: ByteRange[] = [];
  const n = Math.min(MAX_STAGING_RANGES, v.getUint8(70));
  for (let i = 0; i < n; i++) held.push({ start: v.getUint32(71 + i * 8), end: v.getUint32(75 + i * 8) });
  return {
    slot: v.getUint8(0) === 0 ? 'A' : 'B',
    source: IMAGE_ORIGINS[v.getUint8(1) - 1] ?? null,
    size: v.getUint32(2),
    sha256: toHex(p.subarray(6, 38)),
    appName: decodeName(p.subarray(38, 70)),
    held,
  };
}

export interface JournalRead {
  readonly dual: DualRead;
  readonly current: StagingJournal | null;
}

export function readJournal(io: Pick<FramIo, 'read'>, layout: FramLayout): JournalRead {
  const dual = readDual(io, stagingSpec(layout));
  const p = newestPayload(dual);
  return { dual, current: p === null ? null : decodeJournal(p) };
}

/** Callers keep `held` at MAX_STAGING_RANGES or fewer (extra ranges are not stored). */
export function writeJournal(io: FramIo, layout: FramLayout, j: StagingJournal): void {
  writeDual(io, stagingSpec(layout), readDual(io, stagingSpec(layout)), encodeJournal(j));
}
