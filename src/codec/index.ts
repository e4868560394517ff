/**
 * Per-chunk compression of image DATA (docs/compression.md): a chunk is sent
 * compressed only when that is strictly smaller, and each chunk decodes on
 * its own (no state across chunks), so resume, repair and broadcast keep
 * working chunk by chunk.
 */
import { CODECS, CodecId, MAX_CHUNK_BYTES, codecInfo, type CodecInfo } from './constants.js';
import { encodeWith } from './best.js';
import { hlz1Decode } from './decode.js';
import { CodecError } from './errors.js';
import { inflateChunk } from './inflate.js';

export { CODECS, CODEC_IDS, CodecId, DEFLATE_WINDOW, HLZ1_WINDOW, MAX_CHUNK_BYTES, codecInfo, type CodecInfo } from './constants.js';
export { CODEC_ERROR_CODES, CodecError, type CodecErrorCode } from './errors.js';
export { compressBest, entropyBits, looksIncompressible, type Packed } from './best.js';

function known(codec: number): CodecInfo {
  const info = codecInfo(codec);
  if (info === undefined) {
    const ids = Object.values(CODECS).map((c) => `${c.id} (${c.name})`).join(', ');
    throw new CodecError('codec_unknown', `codec id ${codec} is not implemented here (known: ${ids}): check what the board's INFO advertises`);
  }
  return info;
}

function checkLength(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > MAX_CHUNK_BYTES) {
    throw new CodecError('codec_bad_length', `${what} ${n} is not a chunk size (an integer 0..${MAX_CHUNK_BYTES})`);
  }
}

/**
 * `data` compressed with `codec` (default hlz1) when that is strictly
 * smaller, else undefined (send the chunk plain). Codec 0 (none) always
 * gives undefined.
 */
export function compressChunk(data: Uint8Array, codec: CodecId = CodecId.Hlz1): Uint8Array | undefined {
  const info = known(codec);
  checkLength(data.length, 'chunk length');
  return encodeWith(data, info.id);
}

/**
 * The `expectedLength` bytes a compressed chunk stands for. Bounded: never
 * writes more than `expectedLength` bytes, reads the input once; throws a
 * CodecError (with the byte offset of the token to blame) for a truncated
 * input, a match past the end, before the start or beyond the window,
 * trailing bytes, an output shorter than expected, or (deflate) a bad block
 * header or Huffman code. Codec 0 (none) returns a copy of `data`,
 * which must be exactly `expectedLength` bytes.
 */
export function decompressChunk(data: Uint8Array, expectedLength: number, codec: CodecId = CodecId.Hlz1): Uint8Array {
  const info = known(codec);
  checkLength(expectedLength, 'expected chunk length');
  switch (info.id) {
    case CodecId.None:
      if (data.length !== expectedLength) {
        throw new CodecError('codec_bad_length', `plain chunk of ${data.length} bytes where ${expectedLength} were expected`, Math.min(data.length, expectedLength));
      }
      return data.slice();
    case CodecId.Hlz1:
      return hlz1Decode(data, expectedLength);
    case CodecId.Deflate:
      return inflateChunk(data, expectedLength);
  }
}
