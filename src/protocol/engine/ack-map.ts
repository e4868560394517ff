/**
 * ACK semantics (docs/protocol.md section 5.2): `cumulative` is the offset
 * below which every byte is held (chunk-aligned, or the image size); bit i of
 * the bitmap (MSB of byte 0 first) says chunk cumulative/chunk + 1 + i is
 * held. The chunk at `cumulative` is by definition missing, so it has no bit.
 * Trailing zero bytes are not sent.
 */
import type { AckMsg } from '../messages-types.js';
import type { RangeSet } from '../../util/ranges.js';

/** Build the ACK for what `held` says, listing chunks up to `maxChunks` beyond the cumulative point. */
export function buildAck(held: RangeSet, chunk: number, size: number, maxChunks: number): AckMsg {
  const cumulative = Math.min(size, held.prefix);
  const base = cumulative / chunk;
  const bits: number[] = [];
  let last = -1;
  const total = Math.ceil(size / chunk);
  for (let i = 0; i < maxChunks; i++) {
    const idx = base + 1 + i;
    if (idx >= total) break;
    const start = idx * chunk;
    if (held.has(start, Math.min(size, start + chunk))) {
      bits.push(i);
      last = i;
    }
  }
  const bitmap = new Uint8Array(last < 0 ? 0 : (last >> 3) + 1);
  for (const i of bits) bitmap[i >> 3]! |= 0x80 >> (i & 7);
  return { kind: 'ack', cumulative, bitmap };
}

/**
 * Chunk indices an ACK reports held: every chunk below cumulative/chunk is
 * reported as the range [0, cumChunks), plus the bitmap's chunks. Returns
 * undefined if the ACK is inconsistent with the session (unaligned cumulative,
 * beyond the image, or bits past the last chunk).
 */
export function readAck(ack: AckMsg, chunk: number, size: number): { cumChunks: number; extra: number[] } | undefined {
  const total = Math.ceil(size / chunk);
  if (ack.cumulative > size || (ack.cumulative !== size && ack.cumulative % chunk !== 0)) return undefined;
  const cumChunks = Math.ceil(ack.cumulative / chunk);
  const extra: number[] = [];
  for (let byte = 0; byte < ack.bitmap.length; byte++) {
    const v = ack.bitmap[byte]!;
    if (v === 0) continue;
    for (let bit = 0; bit < 8; bit++) {
      if ((v & (0x80 >> bit)) === 0) continue;
      const idx = cumChunks + 1 + byte * 8 + bit;
      if (idx >= total) return undefined;
      extra.push(idx);
    }
  }
  return { cumChunks, extra };
}
