/**
 * The hlz1 decoder (docs/compression.md section 3): a bit reader, MSB first,
 * over tokens `0 b7..b0` (literal) and `1 <gamma(length-1)> <distance>`
 * (match). Bounded for hostile input: it never writes past `expectedLength`,
 * every token writes at least one byte, so time is O(expectedLength) and the
 * input is read at most once; every refusal is a CodecError naming the byte
 * offset of the token to blame.
 */
import { HLZ1_FAR_BITS, HLZ1_MAX_GAMMA_ZEROS, HLZ1_NEAR_BITS } from './constants.js';
import { CodecError } from './errors.js';

const HINT = 'the chunk is corrupt, or was not compressed with hlz1 for this chunk size; the host sends it again or plain';

/** Decode one hlz1 chunk of exactly `expectedLength` bytes (validated by the caller). */
export function hlz1Decode(data: Uint8Array, expectedLength: number): Uint8Array {
  const out = new Uint8Array(expectedLength);
  const inLen = data.length;
  let pos = 0; // next input byte
  let buf = 0; // current input byte
  let cnt = 0; // unread bits left in buf
  let o = 0; // output bytes written
  let token = 0; // bit index of the current token's flag

  const truncated = (): CodecError =>
    new CodecError(
      'codec_truncated',
      `compressed chunk ends at byte ${inLen} inside the token at byte ${token >>> 3} with ${o} of ${expectedLength} bytes decoded: ${HINT}`,
      token >>> 3,
      o,
    );
  const bit = (): number => {
    if (cnt === 0) {
      if (pos >= inLen) throw truncated();
      buf = data[pos++]!;
      cnt = 8;
    }
    cnt--;
    return (buf >>> cnt) & 1;
  };
  const bits = (k: number): number => {
    let v = 0;
    for (let i = 0; i < k; i++) v = (v << 1) | bit();
    return v;
  };

  while (o < expectedLength) {
    token = pos * 8 - cnt;
    if (bit() === 0) {
      const literal = bits(8); // read before counting it: a truncated literal is not output
      out[o++] = literal;
      continue;
    }
    let zeros = 0;
    while (bit() === 0) {
      if (++zeros > HLZ1_MAX_GAMMA_ZEROS) {
        throw new CodecError(
          'codec_overrun',
          `compressed chunk: the match at byte ${token >>> 3} has a length code of more than ${HLZ1_MAX_GAMMA_ZEROS} leading zeros ` +
            `(a length above 65536) at output byte ${o} of ${expectedLength}: ${HINT}`,
          token >>> 3,
          o,
        );
      }
    }
    const length = ((1 << zeros) | bits(zeros)) + 1;
    const distance = (bit() === 0 ? bits(HLZ1_NEAR_BITS) : bits(HLZ1_FAR_BITS)) + 1;
    if (length > expectedLength - o) {
      throw new CodecError(
        'codec_overrun',
        `compressed chunk: the match at byte ${token >>> 3} copies ${length} bytes at output byte ${o}, past the chunk's ${expectedLength} bytes: ${HINT}`,
        token >>> 3,
        o,
      );
    }
    if (distance > o) {
      throw new CodecError(
        'codec_bad_distance',
        `compressed chunk: the match at byte ${token >>> 3} reaches back ${distance} bytes at output byte ${o}, before the start of the chunk: ${HINT}`,
        token >>> 3,
        o,
      );
    }
    // Forward byte copy: a distance shorter than the length repeats (RLE).
    for (let end = o + length; o < end; o++) out[o] = out[o - distance]!;
  }
  const padding = buf & ((1 << cnt) - 1);
  if (pos !== inLen || padding !== 0) {
    const at = padding !== 0 ? pos - 1 : pos;
    throw new CodecError(
      'codec_trailing',
      `compressed chunk: ${padding !== 0 ? 'non-zero padding bits in' : `${inLen - pos} byte(s) after`} byte ${at}, after the token that completed ` +
        `all ${expectedLength} bytes: ${HINT}`,
      at,
      o,
    );
  }
  return out;
}

