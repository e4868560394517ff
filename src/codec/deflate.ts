/**
 * The deflate encoder (codec 2, docs/compression.md section 9): node's zlib
 * as a raw RFC 1951 stream (no zlib or gzip header), level 9, a 2048-byte
 * window (windowBits 11: zlib then emits distances of at most 2048 - 262)
 * and memLevel 9. The default strategy compresses firmware best (filtered,
 * RLE, fixed and huffman-only all give less on the bench image and the HSX
 * fixtures, section 9.4), so only it is tried.
 */
import { constants, deflateRawSync } from 'node:zlib';

const OPTIONS = { level: 9, windowBits: 11, memLevel: 9, strategy: constants.Z_DEFAULT_STRATEGY } as const;

/** `data` (at most 65535 bytes) as one raw deflate stream; undefined unless strictly smaller than `data`. */
export function deflateEncode(data: Uint8Array): Uint8Array | undefined {
  if (data.length < 4) return undefined; // a stream of 2 bytes holds a block header and end-of-block, no byte: 3 bytes never shrink
  const z = deflateRawSync(data, OPTIONS);
  return z.length < data.length ? new Uint8Array(z) : undefined;
}
