/**
 * Consistent Overhead Byte Stuffing (Cheshire & Baker, 1999), as pure
 * functions. The encoding contains no 0x00, so 0x00 delimits frames on a byte
 * stream (docs/protocol.md section 2). A block of 254 non-zero bytes is
 * coded 0xFF with no implied zero; the encoder emits no trailing 0x01 group
 * when the data ends on such a block.
 */
import { COBS_MAX_RUN } from './constants.js';

/** Largest COBS encoding of `n` bytes (without delimiter): n + ceil(n/254), and 1 for n = 0. */
export function cobsMaxEncodedSize(n: number): number {
  return n + Math.max(1, Math.ceil(n / COBS_MAX_RUN));
}

/**
 * Encode `src` into `dst` starting at `offset`; returns the offset after the
 * last byte written. `dst` must have cobsMaxEncodedSize(src.length) bytes
 * free from `offset`.
 */
export function cobsEncodeInto(src: Uint8Array, dst: Uint8Array, offset = 0): number {
  let codeAt = offset;
  let out = offset + 1;
  let code = 1;
  for (let i = 0; i < src.length; i++) {
    const b = src[i]!;
    if (b === 0) {
      dst[codeAt] = code;
      codeAt = out++;
      code = 1;
    } else {
      dst[out++] = b;
      code++;
      if (code === 0xff) {
        dst[codeAt] = code;
        code = 1;
        if (i + 1 < src.length) codeAt = out++;
        else return out;
      }
    }
  }
  dst[codeAt] = code;
  return out;
}

/** Encode `src` (no delimiter). */
export function cobsEncode(src: Uint8Array): Uint8Array {
  const dst = new Uint8Array(cobsMaxEncodedSize(src.length));
  return dst.subarray(0, cobsEncodeInto(src, dst));
}

/**
 * Decode one COBS run (without its delimiter). Returns undefined if the run
 * is not valid COBS: empty, a 0x00 inside it, or a code byte pointing past
 * its end. The result is a new array.
 */
export function cobsDecode(src: Uint8Array): Uint8Array | undefined {
  const n = src.length;
  if (n === 0) return undefined;
  const dst = new Uint8Array(n);
  let out = 0;
  let i = 0;
  while (i < n) {
    const code = src[i]!;
    if (code === 0 || i + code > n) return undefined;
    i++;
    for (let k = 1; k < code; k++) {
      const b = src[i++]!;
      if (b === 0) return undefined;
      dst[out++] = b;
    }
    if (code !== 0xff && i < n) dst[out++] = 0;
  }
  return dst.slice(0, out);
}
