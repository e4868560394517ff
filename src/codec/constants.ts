/**
 * The chunk codecs a DATA chunk may be compressed with, by wire id, and the
 * fixed parameters of codec 1 (`hlz1`) and codec 2 (`deflate`),
 * docs/compression.md: what a board advertises ("supports codec 1 with N
 * bytes of RAM") and what both the encoder and the decoder must agree on.
 */

/** Wire id of a chunk codec: 0 = none (the chunk is sent plain), 1 = hlz1, 2 = deflate (raw RFC 1951, 2 KiB window). */
export const CodecId = {
  None: 0,
  Hlz1: 1,
  Deflate: 2,
} as const;
export type CodecId = (typeof CodecId)[keyof typeof CodecId];

export interface CodecInfo {
  /** Wire id (a u8 on the wire). */
  readonly id: CodecId;
  /** Short name for logs and JSON. */
  readonly name: string;
  /** Farthest back a match may reach, bytes (0 for none). */
  readonly windowBytes: number;
  /**
   * RAM the board's decoder needs beyond the compressed input and the output
   * chunk buffer it holds anyway: a window-sized history ring (only needed
   * when it streams output straight to flash) plus the decoder's state.
   */
  readonly decoderRamBytes: number;
}

/** hlz1: bits of a near distance (flag 0): distances 1..2^7. */
export const HLZ1_NEAR_BITS = 7;
/** hlz1: bits of a far distance (flag 1): distances 1..2^11. */
export const HLZ1_FAR_BITS = 11;
/** hlz1: distances up to this (128) may take the near form. */
export const HLZ1_NEAR = 1 << HLZ1_NEAR_BITS;
/** hlz1: the window (2048 bytes); a match's distance is 1..HLZ1_WINDOW. */
export const HLZ1_WINDOW = 1 << HLZ1_FAR_BITS;
/** hlz1: shortest match (its length is coded as Elias-gamma of length - 1, so 2 is the least). */
export const HLZ1_MIN_MATCH = 2;
/** hlz1: most leading zeros an Elias-gamma length code may have (lengths up to 2^16); more is corrupt. */
export const HLZ1_MAX_GAMMA_ZEROS = 15;
/** hlz1 decoder state: input index, bit buffer and count, output count, ring index, length, distance (rounded up). */
export const HLZ1_STATE_BYTES = 16;

/** deflate: the window (2048 bytes); a match's distance is 1..DEFLATE_WINDOW (RFC 1951 allows 32768: refused here). */
export const DEFLATE_WINDOW = 2048;
/**
 * deflate decoder state on a 32-bit MCU, taken from uzlib (pfalcon/uzlib src/uzlib.h, src/tinflate.c), the
 * small streaming inflater: `struct uzlib_uncomp` is 17 words of fields (68 bytes) plus two TINF_TREE
 * (u16 table[16] + u16 trans[288] = 608 bytes each), 1284 bytes; decoding a dynamic block's trees keeps
 * `unsigned char lengths[288 + 32]` (320 bytes) on the stack. 1284 + 320 = 1604. (jibsen/tinf's
 * whole-buffer `struct tinf_data` is 1256 bytes with the same 320-byte array: 1576.)
 */
export const DEFLATE_STATE_BYTES = 1604;

/** The largest chunk a DATA frame carries (u16 chunk size), so the largest expected length. */
export const MAX_CHUNK_BYTES = 0xffff;

export const CODECS: Readonly<Record<CodecId, CodecInfo>> = {
  [CodecId.None]: { id: CodecId.None, name: 'none', windowBytes: 0, decoderRamBytes: 0 },
  [CodecId.Hlz1]: { id: CodecId.Hlz1, name: 'hlz1', windowBytes: HLZ1_WINDOW, decoderRamBytes: HLZ1_WINDOW + HLZ1_STATE_BYTES },
  [CodecId.Deflate]: { id: CodecId.Deflate, name: 'deflate', windowBytes: DEFLATE_WINDOW, decoderRamBytes: DEFLATE_WINDOW + DEFLATE_STATE_BYTES },
};

/** Every codec id this library implements, none first. */
export const CODEC_IDS: readonly CodecId[] = [CodecId.None, CodecId.Hlz1, CodecId.Deflate];

/** The codec for a wire id, or undefined for an id this library does not know. */
export function codecInfo(id: number): CodecInfo | undefined {
  const known = CODEC_IDS.find((c) => c === id);
  return known === undefined ? undefined : CODECS[known];
}
