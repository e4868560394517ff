/**
 * Messages of delta and compressed transfers (docs/protocol.md section 9):
 * SIGS (0x24, host asks for block signatures of the board's active image and
 * what the board decodes), SIGS_INFO (0x25, the answer) and XDATA (0x26,
 * chunks built from operations: copy from the active slot, literal bytes,
 * compressed bytes). Types and codecs; big-endian like every message.
 */
import { ProtocolError } from '../errors.js';
import { PayloadReader, PayloadWriter } from './messages-bytes.js';
import type { Message } from './messages-types.js';
import type { ByteRange } from '../util/ranges.js';

/** SIGS payload bytes with one range; each further range adds SIGS_RANGE_SIZE. */
export const SIGS_SIZE = 10;
/** Bytes of each further SIGS range (start u32, end u32). */
export const SIGS_RANGE_SIZE = 8;
/** Most ranges one SIGS may ask for (the target reads no more). */
export const MAX_SIGS_RANGES = 64;
/** SIGS_INFO bytes before its groups: size u32, SHA-256, block size u16. */
export const SIGS_INFO_HEAD = 4 + 32 + 2;
/** Bytes before each further group's signatures (start u32, count u16). */
export const SIGS_GROUP_HEAD = 4 + 2;
/** Bytes per block signature (weak u32, strong u32). */
export const SIG_SIZE = 8;
/** Smallest and largest signature block a board must serve. */
export const MIN_SIG_BLOCK = 16;
export const MAX_SIG_BLOCK = 0x8000;
/** XDATA bytes before the operations (offset u32, count u16). */
export const XDATA_HEAD = 6;

/** XDATA operation codes. */
export const XdataOp = { copy: 0x01, literal: 0x02, packed: 0x03 } as const;

/**
 * SIGS: "signatures of your active image's blocks of `blockSize` bytes in
 * [start, end)", and in each of `more` (ascending, not overlapping, after
 * [start, end)); blockSize 0 asks only for the header.
 */
export interface SigsMsg {
  readonly kind: 'sigs';
  readonly start: number;
  readonly end: number;
  readonly blockSize: number;
  readonly more?: readonly ByteRange[];
}

/** A codec the board decodes (wire id as in src/codec; 0 is "none" and never listed) and the RAM its decoder needs (INFO). */
export interface CodecInfoWire {
  readonly id: number;
  readonly decoderRamBytes: number;
}

/** One block's signature: the rolling weak hash and the first 4 bytes of its SHA-256 (big-endian u32). */
export interface BlockSig {
  readonly weak: number;
  readonly strong: number;
}

export interface SigsInfoMsg {
  readonly kind: 'sigs_info';
  /** Size and SHA-256 of the active image (0 and zeros: none). */
  readonly activeSize: number;
  readonly activeSha256: Uint8Array;
  readonly blockSize: number;
  /** Active-image offset of the first signature's block. */
  readonly start: number;
  /** Signatures of consecutive blocks from `start` (the last may be short: it ends at activeSize). */
  readonly sigs: readonly BlockSig[];
  /** Groups for the further ranges SIGS asked for, in their order (as many as the frame held). */
  readonly more?: readonly SigGroup[];
}

/** Signatures of consecutive blocks from `start`. */
export interface SigGroup {
  readonly start: number;
  readonly sigs: readonly BlockSig[];
}

/** Every range a SIGS asks for, in order. */
export function sigsRanges(m: SigsMsg): ByteRange[] {
  return [{ start: m.start, end: m.end }, ...(m.more ?? [])];
}

/** Bytes of a SIGS_INFO payload whose groups hold these many signatures. */
export function sigsInfoSize(groupSigs: readonly number[]): number {
  return groupSigs.reduce((n, k) => n + SIGS_GROUP_HEAD + SIG_SIZE * k, SIGS_INFO_HEAD);
}

/** Every group of a SIGS_INFO, in order. */
export function sigGroups(m: SigsInfoMsg): SigGroup[] {
  return [{ start: m.start, sigs: m.sigs }, ...(m.more ?? [])];
}

export type XOp =
  | { readonly op: 'copy'; readonly src: number; readonly length: number }
  | { readonly op: 'literal'; readonly bytes: Uint8Array }
  | { readonly op: 'packed'; readonly codec: number; readonly rawLength: number; readonly bytes: Uint8Array };

/** XDATA: `count` consecutive chunks from `offset` (chunk-aligned), their bytes built by `ops` in order. */
export interface XdataMsg {
  readonly kind: 'xdata';
  readonly offset: number;
  readonly count: number;
  readonly ops: readonly XOp[];
}

/** Bytes an operation takes on the wire. */
export function opWireSize(op: XOp): number {
  switch (op.op) {
    case 'copy':
      return 9;
    case 'literal':
      return 3 + op.bytes.length;
    case 'packed':
      return 6 + op.bytes.length;
  }
}

/** Bytes an operation produces. */
export function opLength(op: XOp): number {
  switch (op.op) {
    case 'copy':
      return op.length;
    case 'literal':
      return op.bytes.length;
    case 'packed':
      return op.rawLength;
  }
}

function range(what: string, v: number, max: number, min = 0): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new ProtocolError('message_field_range', `cannot encode ${what} ${v} (must be ${min}..${max}; a bug in the caller)`);
}

export function encodeSigs(m: SigsMsg): Uint8Array {
  range('SIGS start', m.start, 0xffffffff);
  range('SIGS end', m.end, 0xffffffff);
  range('SIGS block size', m.blockSize, MAX_SIG_BLOCK);
  const more = m.more ?? [];
  range('SIGS range count', more.length + 1, MAX_SIGS_RANGES, 1);
  sigsRanges(m).forEach((r, i, all) => {
    if (r.end < r.start || (i > 0 && r.start < all[i - 1]!.end)) throw new ProtocolError('message_field_range', `cannot encode SIGS range ${i} [${r.start}, ${r.end}): ranges ascend and do not overlap (a bug in the caller)`);
  });
  const w = new PayloadWriter(SIGS_SIZE + SIGS_RANGE_SIZE * more.length).u32(m.start).u32(m.end).u16(m.blockSize);
  for (const r of more) {
    range('SIGS range start', r.start, 0xffffffff);
    range('SIGS range end', r.end, 0xffffffff);
    w.u32(r.start).u32(r.end);
  }
  return w.done();
}

export function encodeSigsInfo(m: SigsInfoMsg): Uint8Array {
  if (m.activeSha256.length !== 32) throw new ProtocolError('message_field_range', 'cannot encode SIGS_INFO: the SHA-256 must be 32 bytes (a bug in the caller)');
  const groups = sigGroups(m);
  groups.forEach((g, i) => {
    range('SIGS_INFO signature count', g.sigs.length, 0xffff);
    if (i > 0 && g.start <= groups[i - 1]!.start) throw new ProtocolError('message_field_range', `cannot encode SIGS_INFO group ${i} at ${g.start}: groups ascend (a bug in the caller)`);
  });
  const n = sigsInfoSize(groups.map((g) => g.sigs.length));
  const w = new PayloadWriter(n);
  w.u32(m.activeSize).bytes(m.activeSha256).u16(m.blockSize);
  for (const g of groups) {
    w.u32(g.start).u16(g.sigs.length);
    for (const s of g.sigs) w.u32(s.weak).u32(s.strong);
  }
  return w.done();
}

export function encodeXdata(m: XdataMsg): Uint8Array {
  range('XDATA count', m.count, 0xffff, 1);
  let n = XDATA_HEAD;
  for (const op of m.ops) n += opWireSize(op);
  const w = new PayloadWriter(n).u32(m.offset).u16(m.count);
  for (const op of m.ops) {
    switch (op.op) {
      case 'copy':
        range('XDATA copy length', op.length, 0xffffffff, 1);
        w.u8(XdataOp.copy).u32(op.src).u32(op.length);
        break;
      case 'literal':
        range('XDATA literal length', op.bytes.length, 0xffff, 1);
        w.u8(XdataOp.literal).u16(op.bytes.length).bytes(op.bytes);
        break;
      case 'packed':
        range('XDATA packed raw length', op.rawLength, 0xffff, 1);
        range('XDATA packed length', op.bytes.length, 0xffff, 1);
        w.u8(XdataOp.packed).u8(op.codec).u16(op.rawLength).u16(op.bytes.length).bytes(op.bytes);
        break;
    }
  }
  return w.done();
}

type Decoded = { readonly ok: true; readonly msg: Message } | { readonly ok: false; readonly detail: string };

export function decodeSigs(p: Uint8Array): Decoded {
  const r = new PayloadReader(p);
  const start = r.u32('start');
  const end = r.u32('end');
  const blockSize = r.u16('block size');
  if (r.short !== undefined) return { ok: false, detail: `SIGS payload too short for field ${r.short}` };
  if (r.remaining % SIGS_RANGE_SIZE !== 0) return { ok: false, detail: `SIGS payload has ${r.remaining} bytes after the first range: not a whole number of ${SIGS_RANGE_SIZE}-byte ranges` };
  if (r.remaining / SIGS_RANGE_SIZE + 1 > MAX_SIGS_RANGES) return { ok: false, detail: `SIGS asks for ${r.remaining / SIGS_RANGE_SIZE + 1} ranges (at most ${MAX_SIGS_RANGES})` };
  if (blockSize !== 0 && (blockSize < MIN_SIG_BLOCK || blockSize > MAX_SIG_BLOCK)) return { ok: false, detail: `SIGS block size ${blockSize} is not 0 or ${MIN_SIG_BLOCK}..${MAX_SIG_BLOCK}` };
  const more: ByteRange[] = [];
  let prevEnd = end;
  if (end < start) return { ok: false, detail: `SIGS range [${start}, ${end}) ends before it starts` };
  while (r.remaining > 0) {
    const rs = r.u32('range start');
    const re = r.u32('range end');
    if (re < rs || rs < prevEnd) return { ok: false, detail: `SIGS range ${more.length + 1} [${rs}, ${re}) is empty backwards or overlaps the one before (ranges ascend)` };
    more.push({ start: rs, end: re });
    prevEnd = re;
  }
  return { ok: true, msg: more.length === 0 ? { kind: 'sigs', start, end, blockSize } : { kind: 'sigs', start, end, blockSize, more } };
}

export function decodeSigsInfo(p: Uint8Array): Decoded {
  const r = new PayloadReader(p);
  const activeSize = r.u32('active size');
  const activeSha256 = new Uint8Array(r.bytes(32, 'active sha256'));
  const blockSize = r.u16('block size');
  if (r.short !== undefined) return { ok: false, detail: `SIGS_INFO payload too short for field ${r.short}` };
  const groups: SigGroup[] = [];
  do {
    const start = r.u32('start');
    const n = r.u16('signature count');
    const short = r.short as string | undefined; // the reads above may have set it
    if (short !== undefined) return { ok: false, detail: `SIGS_INFO payload too short for field ${short} of group ${groups.length}` };
    if (r.remaining < n * SIG_SIZE) return { ok: false, detail: `SIGS_INFO group ${groups.length} says ${n} signatures but carries ${r.remaining} bytes for them` };
    if (n > 0 && (blockSize < MIN_SIG_BLOCK || start + (n - 1) * blockSize >= activeSize)) return { ok: false, detail: `SIGS_INFO signatures of ${blockSize}-byte blocks from ${start} go beyond the ${activeSize}-byte active image` };
    // a range's last block may reach past the next range's start (ranges ascend, blocks are whole): only starts ascend
    if (groups.length > 0 && start <= groups[groups.length - 1]!.start) return { ok: false, detail: `SIGS_INFO group ${groups.length} starts at ${start}, not after the group before it (groups ascend)` };
    const sigs: BlockSig[] = [];
    for (let i = 0; i < n; i++) sigs.push({ weak: r.u32('weak'), strong: r.u32('strong') });
    groups.push({ start, sigs });
  } while (r.remaining > 0);
  const [first, ...more] = groups as [SigGroup, ...SigGroup[]];
  const base = { kind: 'sigs_info', activeSize, activeSha256, blockSize, start: first.start, sigs: first.sigs } as const;
  return { ok: true, msg: more.length === 0 ? base : { ...base, more } };
}

/** Decode XDATA's structure (lengths inside the payload); whether it fits the session is the target's check. */
export function decodeXdata(p: Uint8Array): Decoded {
  const r = new PayloadReader(p);
  const offset = r.u32('offset');
  const count = r.u16('count');
  if (r.short !== undefined) return { ok: false, detail: `XDATA payload too short for field ${r.short}` };
  if (count === 0) return { ok: false, detail: 'XDATA covers zero chunks' };
  const ops: XOp[] = [];
  while (r.remaining > 0) {
    const code = r.u8('op');
    const i = ops.length;
    if (code === XdataOp.copy) {
      const src = r.u32('copy source');
      const length = r.u32('copy length');
      if (r.short === undefined && length === 0) return { ok: false, detail: `XDATA operation ${i} copies zero bytes` };
      ops.push({ op: 'copy', src, length });
    } else if (code === XdataOp.literal) {
      const n = r.u16('literal length');
      const bytes = r.bytes(n, 'literal bytes');
      if (r.short === undefined && n === 0) return { ok: false, detail: `XDATA operation ${i} is an empty literal` };
      ops.push({ op: 'literal', bytes });
    } else if (code === XdataOp.packed) {
      const codec = r.u8('codec');
      const rawLength = r.u16('raw length');
      const n = r.u16('packed length');
      const bytes = r.bytes(n, 'packed bytes');
      if (r.short === undefined && (rawLength === 0 || n === 0 || codec === 0)) return { ok: false, detail: `XDATA operation ${i} is packed with codec 0, or with a zero length` };
      ops.push({ op: 'packed', codec, rawLength, bytes });
    } else return { ok: false, detail: `XDATA operation ${i} has unknown code 0x${code.toString(16).padStart(2, '0')}` };
    const short = r.short as string | undefined; // each read above may have set it
    if (short !== undefined) return { ok: false, detail: `XDATA payload too short for field ${short} of operation ${i}` };
  }
  if (ops.length === 0) return { ok: false, detail: 'XDATA has no operations' };
  return { ok: true, msg: { kind: 'xdata', offset, count, ops } };
}
