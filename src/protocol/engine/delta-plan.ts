/**
 * The host's delta plan (docs/protocol.md 9.3): which byte ranges of the new
 * image the board can copy from its active image. Pure computation: rolling
 * over the new image (rsync), every block of the active image whose
 * signature matches is found at any offset, so content that moved (a block
 * inserted near the start) is still reused.
 *
 * A wrong match (weak and strong hash collide) yields a wrong staged image,
 * which the board's verification at END refuses: a plan is never trusted for
 * correctness, only for speed.
 */
import type { ByteRange } from '../messages-types.js';
import type { BlockSig } from '../messages-delta.js';
import { RollingHash, strongHash, weakHash } from '../delta-hash.js';

/** A range of the new image [dst, dst + length) equal to active-image bytes [src, src + length). */
export interface CopySeg {
  readonly dst: number;
  readonly src: number;
  readonly length: number;
}

/** Signatures of consecutive full blocks of the active image. */
export interface SigPage {
  readonly blockSize: number;
  readonly start: number;
  readonly sigs: readonly BlockSig[];
  /** Size of the active image (blocks past it are short and never matched). */
  readonly activeSize: number;
}

interface Block {
  readonly src: number;
  readonly strong: number;
}

/** Find every block of `pages` (one block size) in the new image's `regions`, greedy left to right. */
export function matchBlocks(image: Uint8Array, regions: readonly ByteRange[], pages: readonly SigPage[]): CopySeg[] {
  const b = pages[0]?.blockSize;
  if (b === undefined) return [];
  const byWeak = new Map<number, Block[]>();
  // one bit per value of the weak hash's low half: most positions of the new image are rejected without a map lookup
  const maybe = new Uint8Array(0x10000 / 8);
  let tail: (Block & { readonly length: number; readonly weak: number }) | undefined;
  for (const p of pages) {
    p.sigs.forEach((s, i) => {
      const src = p.start + i * b;
      if (src + b > p.activeSize) {
        // the active image's short last block: rolling never looks for it, only the new image's end is tried (below)
        if (src < p.activeSize) tail = { src, strong: s.strong, weak: s.weak, length: p.activeSize - src };
        return;
      }
      maybe[(s.weak & 0xffff) >>> 3]! |= 1 << (s.weak & 7);
      const list = byWeak.get(s.weak);
      if (list === undefined) byWeak.set(s.weak, [{ src, strong: s.strong }]);
      else if (list.length < 16) list.push({ src, strong: s.strong }); // bounded: many equal blocks (padding) need one entry
    });
  }
  const out: CopySeg[] = [];
  for (const r of regions) {
    let p = r.start;
    if (r.end - p < b) continue;
    let roll = new RollingHash(image, p, b);
    for (;;) {
      const v = roll.value;
      const cands = (maybe[(v & 0xffff) >>> 3]! & (1 << (v & 7))) === 0 ? undefined : byWeak.get(v);
      let hit: Block | undefined;
      if (cands !== undefined) {
        const strong = strongHash(image.subarray(p, p + b));
        const last = out.at(-1);
        const want = last !== undefined && last.dst + last.length === p ? last.src + last.length : -1;
        hit = cands.find((c) => c.strong === strong && c.src === want) ?? cands.find((c) => c.strong === strong);
      }
      if (hit !== undefined) {
        out.push({ dst: p, src: hit.src, length: b });
        p += b;
        if (p + b > r.end) break;
        roll = new RollingHash(image, p, b);
        continue;
      }
      if (p + b >= r.end) break;
      roll.roll();
      p++;
    }
  }
  const end = tailMatch(image, regions, out, tail);
  if (end !== undefined) out.push(end);
  return out;
}

/**
 * The active image's short last block as the new image's last bytes (an image that kept its end, as firmware
 * usually does): when that range lies in a region, overlaps no match found, and its signature is the block's.
 */
function tailMatch(image: Uint8Array, regions: readonly ByteRange[], found: readonly CopySeg[], tail: (Block & { length: number; weak: number }) | undefined): CopySeg | undefined {
  if (tail === undefined || tail.length > image.length) return undefined;
  const dst = image.length - tail.length;
  if (!regions.some((r) => r.start <= dst && image.length <= r.end)) return undefined;
  if (found.some((f) => f.dst + f.length > dst)) return undefined;
  const bytes = image.subarray(dst);
  return weakHash(bytes) === tail.weak && strongHash(bytes) === tail.strong ? { dst, src: tail.src, length: tail.length } : undefined;
}

/** Sorted by dst, adjacent segments with contiguous sources merged. */
export function mergeSegs(segs: readonly CopySeg[]): CopySeg[] {
  const sorted = [...segs].sort((x, y) => x.dst - y.dst);
  const out: CopySeg[] = [];
  for (const s of sorted) {
    const last = out.at(-1);
    if (last !== undefined && last.dst + last.length === s.dst && last.src + last.length === s.src) out[out.length - 1] = { ...last, length: last.length + s.length };
    else out.push(s);
  }
  return out;
}

/** The parts of [0, size) not covered by `covered` (which may overlap). */
export function gaps(size: number, covered: readonly ByteRange[]): ByteRange[] {
  const sorted = [...covered].sort((a, b) => a.start - b.start);
  const out: ByteRange[] = [];
  let at = 0;
  for (const c of sorted) {
    if (c.start > at) out.push({ start: at, end: Math.min(c.start, size) });
    at = Math.max(at, c.end);
    if (at >= size) break;
  }
  if (at < size) out.push({ start: at, end: size });
  return out.filter((g) => g.end > g.start);
}

export function segBytes(segs: readonly CopySeg[]): number {
  return segs.reduce((n, s) => n + s.length, 0);
}

/** Signature block sizes the host asks for: a coarse level over the whole active image, a fine one inside what it left unmatched. */
export function blockSizes(size: number): { coarse: number; fine: number } {
  // about 64 coarse blocks (512 B of signatures) whatever the size, 256..8192 B; fine blocks 1/16 of that, at least 64 B
  let coarse = 256;
  while (coarse < 8192 && size / coarse > 64) coarse *= 2;
  return { coarse, fine: Math.max(64, coarse / 16) };
}
