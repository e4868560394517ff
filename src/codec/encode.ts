/**
 * The hlz1 encoder (docs/compression.md section 4): LZSS with lazy matching
 * over a hash chain keyed by the next two bytes. Work per input byte is
 * bounded: at most MAX_CHAIN candidates per search, a search stops at a
 * match of NICE_LENGTH bytes, and a match's bytes are inserted into the chain
 * but not searched from. Matches are chosen by the bits they save, not only
 * by length (a near distance costs 4 bits less than a far one).
 */
import { HLZ1_FAR_BITS, HLZ1_NEAR, HLZ1_NEAR_BITS, HLZ1_WINDOW, MAX_CHUNK_BYTES } from './constants.js';

/** Candidates examined per search (nearest first). */
export const MAX_CHAIN = 32;
/** A match this long ends the search and the lazy look-ahead. */
export const NICE_LENGTH = 128;

/**
 * Head of each 2-byte chain, as global positions (position + call base;
 * entries below the call's base are stale), and the previous position with
 * the same 2 bytes per position of the current call. 512 KiB in all,
 * allocated on first use and reused (compression is synchronous).
 */
let tables: { readonly head: Int32Array; readonly prev: Int32Array } | undefined;
/** Base of the next call's global positions: bumping it invalidates every older head without clearing. */
let nextBase = 1;

/** Bits a match token takes: flag, Elias-gamma of length-1, distance form bit, distance bits. */
export function matchBits(length: number, distance: number): number {
  return 1 + 2 * (31 - Math.clz32(length - 1)) + 1 + 1 + (distance <= HLZ1_NEAR ? HLZ1_NEAR_BITS : HLZ1_FAR_BITS);
}

/** Bits a match saves over sending its bytes as literals (9 bits each). */
function gain(length: number, distance: number): number {
  return length < 2 ? 0 : 9 * length - matchBits(length, distance);
}

/**
 * Encode `data` (at most 65535 bytes) as hlz1; undefined when the result
 * would not be strictly smaller than `data` (the encoder stops as soon as it
 * knows, so incompressible input costs little).
 */
export function hlz1Encode(data: Uint8Array): Uint8Array | undefined {
  const n = data.length;
  if (n < 2) return undefined;
  tables ??= { head: new Int32Array(1 << 16), prev: new Int32Array(MAX_CHUNK_BYTES + 1) };
  const { head, prev } = tables;
  if (nextBase + n > 0x3fffffff) {
    head.fill(0);
    nextBase = 1;
  }
  const base = nextBase;
  nextBase += n;

  const limit = n - 1; // output bytes allowed: strictly smaller than the input
  const out = new Uint8Array(limit);
  let op = 0;
  let acc = 0;
  let nacc = 0;
  let full = false;
  const put = (v: number, k: number): void => {
    acc = (acc << k) | v;
    nacc += k;
    while (nacc >= 8) {
      nacc -= 8;
      if (op >= limit) full = true;
      else out[op++] = (acc >>> nacc) & 0xff;
    }
    acc &= (1 << nacc) - 1;
  };

  let ins = 0; // next position to insert into the chains
  const insertUpTo = (q: number): void => {
    for (; ins < q && ins + 1 < n; ins++) {
      const h = (data[ins]! << 8) | data[ins + 1]!;
      prev[ins] = head[h]!;
      head[h] = base + ins;
    }
    if (ins < q) ins = q;
  };

  let bestLen = 0;
  let bestDist = 0;
  /** Best match at q among positions before q (sets bestLen/bestDist; bestLen 0 = none). */
  const find = (q: number): void => {
    insertUpTo(q);
    bestLen = 0;
    bestDist = 0;
    if (q + 1 >= n) return;
    const maxLen = n - q;
    let bestGain = 0;
    let g = head[(data[q]! << 8) | data[q + 1]!]!;
    for (let chain = 0; chain < MAX_CHAIN && g >= base; chain++) {
      const c = g - base;
      const dist = q - c;
      if (dist > HLZ1_WINDOW) break;
      if (bestLen === 0 || data[c + bestLen] === data[q + bestLen]) {
        let len = 2;
        while (len < maxLen && data[c + len] === data[q + len]) len++;
        const gn = gain(len, dist);
        if (gn > bestGain) {
          bestGain = gn;
          bestLen = len;
          bestDist = dist;
          if (len >= NICE_LENGTH || len === maxLen) break;
        }
      }
      g = prev[c]!;
    }
  };

  const literal = (b: number): void => put(b, 9); // flag 0 + 8 bits
  const match = (len: number, dist: number): void => {
    const v = len - 1;
    const zeros = 31 - Math.clz32(v);
    put(1, 1);
    if (zeros > 0) put(0, zeros);
    put(v, zeros + 1);
    if (dist <= HLZ1_NEAR) put(dist - 1, 1 + HLZ1_NEAR_BITS);
    else put((1 << HLZ1_FAR_BITS) | (dist - 1), 1 + HLZ1_FAR_BITS);
  };

  let p = 0;
  find(0);
  while (p < n && !full) {
    if (bestLen < 2) {
      literal(data[p]!);
      p++;
      if (p < n) find(p);
      continue;
    }
    const len = bestLen;
    const dist = bestDist;
    if (len < NICE_LENGTH && p + 1 < n) {
      find(p + 1);
      if (gain(bestLen, bestDist) > gain(len, dist)) {
        literal(data[p]!);
        p++;
        continue; // the match at p + 1 is the candidate now
      }
    }
    match(len, dist);
    p += len;
    if (p < n) find(p);
  }
  if (nacc > 0) put(0, 8 - nacc);
  return full ? undefined : out.slice(0, op);
}
