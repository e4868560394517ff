/**
 * The host's choice per chunk (docs/compression.md section 1): every codec
 * both sides know is tried and the smallest result wins; none when no codec
 * makes the chunk strictly smaller. A chunk whose bytes look random (order-0
 * entropy above 7.9 bits a byte) and repeat no 4-byte sequence more than
 * random bytes would is not tried at all: no codec here can shrink it, and
 * skipping keeps incompressible images as cheap as plain. (Entropy alone
 * would skip a random blob stored twice, which deflate halves.)
 */
import { CodecId, MAX_CHUNK_BYTES } from './constants.js';
import { deflateEncode } from './deflate.js';
import { hlz1Encode } from './encode.js';
import { CodecError } from './errors.js';

/** A chunk compressed with `codec`. */
export interface Packed {
  readonly codec: CodecId;
  readonly bytes: Uint8Array;
}

/** Above this order-0 entropy (bits per byte, bias-corrected) a chunk is taken as incompressible. */
export const INCOMPRESSIBLE_BITS = 7.9;
/** Chunks shorter than this are always tried (the entropy estimate of a short sample is too low to tell). */
const ENTROPY_MIN_BYTES = 1024;

/**
 * Order-0 entropy of `data` in bits per byte, with the Miller-Madow
 * correction ((distinct values - 1) / (2 n ln 2)) for the plug-in estimate's
 * bias on short samples: 2 KiB of random bytes estimate about 8.0, not 7.91.
 */
export function entropyBits(data: Uint8Array): number {
  const n = data.length;
  if (n === 0) return 0;
  const counts = new Uint32Array(256);
  for (let i = 0; i < n; i++) counts[data[i]!]!++;
  let h = 0;
  let distinct = 0;
  for (let v = 0; v < 256; v++) {
    const c = counts[v]!;
    if (c === 0) continue;
    distinct++;
    h -= c * Math.log2(c / n);
  }
  return h / n + (distinct - 1) / (2 * n * Math.LN2);
}

/** Hash table of repeatedFourGrams (positions + 1; 0 = empty), reused: compression is synchronous. */
const seen = new Int32Array(1 << 13);

/**
 * How many positions of `data` start a 4-byte sequence that occurred before
 * (within the last few thousand bytes, through a 8192-entry hash of the most
 * recent position per sequence). Random bytes: almost none (2 KiB: an
 * expected 0.001); a blob stored twice: all of its second copy.
 */
export function repeatedFourGrams(data: Uint8Array): number {
  seen.fill(0);
  let repeats = 0;
  for (let i = 0; i + 4 <= data.length; i++) {
    const v = ((data[i]! << 24) | (data[i + 1]! << 16) | (data[i + 2]! << 8) | data[i + 3]!) >>> 0;
    const h = Math.imul(v, 0x9e3779b1) >>> 19;
    const j = seen[h]! - 1;
    if (j >= 0 && data[j] === data[i] && data[j + 1] === data[i + 1] && data[j + 2] === data[i + 2] && data[j + 3] === data[i + 3]) repeats++;
    seen[h] = i + 1;
  }
  return repeats;
}

/** True when `data` is long enough to judge and looks random: not worth an encoder's time. */
export function looksIncompressible(data: Uint8Array): boolean {
  return data.length >= ENTROPY_MIN_BYTES && entropyBits(data) > INCOMPRESSIBLE_BITS && repeatedFourGrams(data) < data.length / 64;
}

function encode(data: Uint8Array, codec: CodecId): Uint8Array | undefined {
  switch (codec) {
    case CodecId.None:
      return undefined;
    case CodecId.Hlz1:
      return hlz1Encode(data);
    case CodecId.Deflate:
      return deflateEncode(data);
  }
}

/**
 * `data` compressed with `codec` when that is strictly smaller, else
 * undefined. `codec` must be one this library implements (the caller checks).
 */
export function encodeWith(data: Uint8Array, codec: CodecId): Uint8Array | undefined {
  if (data.length > MAX_CHUNK_BYTES) throw new CodecError('codec_bad_length', `chunk length ${data.length} is not a chunk size (an integer 0..${MAX_CHUNK_BYTES})`);
  return encode(data, codec);
}

/**
 * The smallest encoding of `data` among `codecs` (ids this library
 * implements; others are skipped), or undefined when none is strictly
 * smaller than `data` or it looks random. Ties go to the codec listed first.
 */
export function compressBest(data: Uint8Array, codecs: readonly CodecId[]): Packed | undefined {
  if (data.length > MAX_CHUNK_BYTES) throw new CodecError('codec_bad_length', `chunk length ${data.length} is not a chunk size (an integer 0..${MAX_CHUNK_BYTES})`);
  if (looksIncompressible(data)) return undefined;
  let best: Packed | undefined;
  for (const codec of codecs) {
    const bytes = encode(data, codec);
    if (bytes !== undefined && (best === undefined || bytes.length < best.bytes.length)) best = { codec, bytes };
  }
  return best;
}
