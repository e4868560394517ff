/**
 * Canonical Huffman codes of RFC 1951 (section 3.2.2) for the deflate
 * decoder (inflate.ts), in the small form MCU inflaters use (tinf, uzlib):
 * per code length the number of codes, and the symbols sorted by code. A
 * code is checked when it is built: over-subscribed and incomplete sets are
 * refused, except a set of exactly one code of length 1 (RFC 1951 allows a
 * single distance code; zlib accepts it for both alphabets), whose unused
 * code then decodes to nothing.
 */

export const MAX_BITS = 15;

export interface HuffmanTree {
  /** Codes per length, index 1..15. */
  readonly counts: Uint16Array;
  /** Symbols in code order. */
  readonly symbols: Uint16Array;
  /** Codes in the set (0: empty). */
  readonly size: number;
}

/**
 * The tree for code lengths `lengths[from .. from + num)`, or a reason it is
 * not a valid code. `allowSingle`: one code of length 1 is accepted (literal/length
 * and distance alphabets); the code-length alphabet must be complete.
 */
export function buildTree(lengths: Uint8Array, from: number, num: number, allowSingle: boolean): HuffmanTree | string {
  const counts = new Uint16Array(MAX_BITS + 1);
  for (let i = 0; i < num; i++) counts[lengths[from + i]!]!++;
  counts[0] = 0;
  let left = 1;
  let size = 0;
  for (let len = 1; len <= MAX_BITS; len++) {
    left = (left << 1) - counts[len]!;
    size += counts[len]!;
    if (left < 0) return `over-subscribed: more codes of length ${len} than fit`;
  }
  if (size === 0) return 'empty: no symbol has a code';
  if (left > 0 && !(allowSingle && size === 1 && counts[1] === 1)) return `incomplete: ${size} code(s) leave code space unused`;
  const offs = new Uint16Array(MAX_BITS + 1);
  for (let len = 1; len < MAX_BITS; len++) offs[len + 1] = offs[len]! + counts[len]!;
  const symbols = new Uint16Array(size);
  for (let i = 0; i < num; i++) {
    const l = lengths[from + i]!;
    if (l !== 0) symbols[offs[l]!++] = i;
  }
  return { counts, symbols, size };
}

function fixed(lengths: number[]): HuffmanTree {
  const t = buildTree(Uint8Array.from(lengths), 0, lengths.length, false);
  if (typeof t === 'string') throw new Error(`fixed Huffman code: ${t}`);
  return t;
}

/** Fixed literal/length code (RFC 1951 3.2.6): 0-143 8 bits, 144-255 9, 256-279 7, 280-287 8. */
export const FIXED_LIT = fixed(Array.from({ length: 288 }, (_, i) => (i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8)));
/** Fixed distance code: 32 codes of 5 bits (30 and 31 never occur in valid data). */
export const FIXED_DIST = fixed(Array.from({ length: 32 }, () => 5));

/** Length symbols 257..285: base length and extra bits. */
export const LENGTH_BASE = Uint16Array.from([3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]);
export const LENGTH_EXTRA = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]);
/** Distance symbols 0..29: base distance and extra bits. */
export const DIST_BASE = Uint16Array.from([
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
]);
export const DIST_EXTRA = Uint8Array.from([0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]);
/** Order in which a dynamic block sends the code-length code's lengths. */
export const CLEN_ORDER = Uint8Array.from([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]);
