/**
 * The host's choice per chunk (docs/compression.md section 1): every codec
 * both sides know is tried and the smallest result wins; none when no codec
 * makes the chunk strictly smaller. A chunk whose bytes look random (order-0
 * entropy above 7.9 bits a byte) is not tried at all: no codec here can
 * shrink it, and skipping keeps incompressible images as cheap as plain.
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

/** True when `data` is long enough to judge and looks random: not worth an encoder's time. */
export function looksIncompressible(data: Uint8Array): boolean {
  return data.length >= ENTROPY_MIN_BYTES && entropyBits(data) > INCOMPRESSIBLE_BITS;
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
