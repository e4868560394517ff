/**
 * Image slots A/B: a slot header (a committed record) followed by the image
 * bytes. The header is written only after the bytes verify, and is
 * invalidated (one byte) before any byte of the slot is overwritten.
 *
 * Header body: magic u32 "HBSL" | generation u32 | size u32 | crc32 u32 |
 * sha256 [32] | app_name [32] | source u8.
 */
import { crc32, sha256Hex } from '../util/digest.js';
import { fromHex, toHex } from '../util/hex.js';
import { decodeName, encodeName, view } from './codec.js';
import type { FramLayout, SlotId, SlotLayout } from './layout.js';
import { slotIndex } from './layout.js';
import { type FramIo, type RecordStatus, readRecord, writeRecord } from './record.js';

export const SLOT_MAGIC = 0x4842534c; // "HBSL"
const BODY = 81;

/** Where an image came from (reported in status and the FRAM map). */
export const IMAGE_ORIGINS = ['host_file', 'uart', 'can_master', 'sd_manifest'] as const;
export type ImageOrigin = (typeof IMAGE_ORIGINS)[number];

export interface SlotHeader {
  /** Seq of the superblock that activates (or activated) this image. */
  readonly generation: number;
  readonly size: number;
  readonly crc32: number;
  /** Lowercase hex. */
  readonly sha256: string;
  readonly appName: string | null;
  readonly source: ImageOrigin | null;
}

/**
 * The HXE check run on a slot's bytes before commit (and optionally at boot):
 * `parseHxe` from src/hxe fits. Throw (an ImageError) to reject.
 */
export type ImageCheck = (image: Uint8Array) => { readonly appName: string | null };

export function slotLayout(layout: FramLayout, id: SlotId): SlotLayout {
  return layout.slots[slotIndex(id)];
}

export function writeSlotHeader(io: FramIo, slot: SlotLayout, h: SlotHeader): void {
  const body = new Uint8Array(BODY);
  const v = view(body);
  v.setUint32(0, SLOT_MAGIC);
  v.setUint32(4, h.generation);
  v.setUint32(8, h.size);
  v.setUint32(12, h.crc32);
  body.set(fromHex(h.sha256), 16);
  body.set(encodeName(h.appName, 32), 48);
  v.setUint8(80, h.source === null ? 0 : IMAGE_ORIGINS.indexOf(h.source) + 1);
  writeRecord(io, slot.headerOffset, body);
}

export interface SlotHeaderRead {
  readonly status: RecordStatus;
  /** Decoded when the record is valid and carries the slot magic. */
  readonly header: SlotHeader | null;
}

export function readSlotHeader(io: Pick<FramIo, 'read'>, slot: SlotLayout): SlotHeaderRead {
  const r = readRecord(io, slot.headerOffset, BODY);
  const v = view(r.body);
  if (r.status !== 'valid' || v.getUint32(0) !== SLOT_MAGIC) {
    return { status: r.status === 'valid' ? 'corrupt' : r.status, header: null };
  }
  const src = v.getUint8(80);
  return {
    status: 'valid',
    header: {
      generation: v.getUint32(4),
      size: v.getUint32(8),
      crc32: v.getUint32(12),
      sha256: toHex(r.body.subarray(16, 48)),
      appName: decodeName(r.body.subarray(48, 80)),
      source: IMAGE_ORIGINS[src - 1] ?? null,
    },
  };
}

export type SlotProblem =
  | 'header_blank' // never written
  | 'header_incomplete' // invalidated for staging, or a header write was interrupted
  | 'header_corrupt' // committed header fails its CRC: real corruption
  | 'generation_mismatch' // a valid image, but not the one the superblock refers to
  | 'too_large' // header size beyond the slot capacity
  | 'crc_mismatch' // image bytes fail the recorded CRC-32
  | 'sha_mismatch' // image bytes fail the recorded SHA-256
  | 'image_rejected'; // the HXE check threw

export type SlotCheck =
  | { readonly ok: true; readonly slot: SlotId; readonly header: SlotHeader }
  | { readonly ok: false; readonly slot: SlotId; readonly problem: SlotProblem; readonly header: SlotHeader | null; readonly detail: string };

/**
 * Verify a slot by reading it back: header valid, generation as expected (when
 * given), CRC-32 and SHA-256 recomputed over the stored bytes, then `check`.
 * Memory: one slot image at most.
 */
export function verifySlot(io: Pick<FramIo, 'read'>, layout: FramLayout, id: SlotId, expectedGen?: number, check?: ImageCheck): SlotCheck {
  const slot = slotLayout(layout, id);
  const h = readSlotHeader(io, slot);
  const fail = (problem: SlotProblem, header: SlotHeader | null, detail: string): SlotCheck => ({ ok: false, slot: id, problem, header, detail });
  const where = `slot ${id} header at 0x${slot.headerOffset.toString(16)}`;
  if (h.header === null) {
    const problem = h.status === 'blank' ? 'header_blank' : h.status === 'incomplete' ? 'header_incomplete' : 'header_corrupt';
    return fail(problem, null, `${where} is ${h.status}`);
  }
  const header = h.header;
  if (expectedGen !== undefined && header.generation !== expectedGen) {
    return fail('generation_mismatch', header, `${where} holds generation ${header.generation}, superblock expects ${expectedGen}`);
  }
  if (header.size > slot.capacity) return fail('too_large', header, `${where} claims ${header.size} bytes, slot holds ${slot.capacity}`);
  const image = io.read(slot.dataOffset, header.size);
  const crc = crc32(image);
  if (crc !== header.crc32) {
    return fail('crc_mismatch', header, `slot ${id} image at 0x${slot.dataOffset.toString(16)}: CRC-32 0x${crc.toString(16)} != recorded 0x${header.crc32.toString(16)}`);
  }
  const sha = sha256Hex(image);
  if (sha !== header.sha256) return fail('sha_mismatch', header, `slot ${id} image at 0x${slot.dataOffset.toString(16)}: SHA-256 ${sha} != recorded ${header.sha256}`);
  if (check !== undefined) {
    try {
      check(image);
    } catch (e) {
      return fail('image_rejected', header, `slot ${id} image rejected by the HXE check: ${(e as Error).message}`);
    }
  }
  return { ok: true, slot: id, header };
}
