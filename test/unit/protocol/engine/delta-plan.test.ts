import { describe, expect, it } from 'vitest';
import { blockSig } from '../../../../src/protocol/delta-hash.js';
import { RollingHash, weakHash } from '../../../../src/protocol/delta-hash.js';
import { blockSizes, gaps, matchBlocks, mergeSegs, segBytes } from '../../../../src/protocol/engine/delta-plan.js';
import { ChunkCoder } from '../../../../src/protocol/engine/delta-coder.js';
import { prng } from '../../codec/firmware-like.js';

function sigsOf(old: Uint8Array, b: number): { blockSize: number; start: number; sigs: ReturnType<typeof blockSig>[]; activeSize: number } {
  const sigs = [];
  for (let o = 0; o < old.length; o += b) sigs.push(blockSig(old.subarray(o, Math.min(old.length, o + b))));
  return { blockSize: b, start: 0, sigs, activeSize: old.length };
}

const rnd = prng(5);
const old = new Uint8Array(8192).map(() => Math.floor(rnd() * 256));

describe('delta plan', () => {
  it('the rolling hash equals the block hash at every offset', () => {
    const r = new RollingHash(old, 0, 64);
    for (let p = 0; p < 500; p++) {
      expect(r.value).toBe(weakHash(old.subarray(p, p + 64)));
      r.roll();
    }
  });

  it('finds content that moved (a block inserted near the start) and copies it from where it was', () => {
    const ins = new Uint8Array(100).fill(7);
    const img = new Uint8Array([...old.subarray(0, 300), ...ins, ...old.subarray(300)]);
    const segs = mergeSegs(matchBlocks(img, [{ start: 0, end: img.length }], [sigsOf(old, 256)]));
    expect(segBytes(segs)).toBeGreaterThan(img.length - 100 - 2 * 256);
    for (const s of segs) expect(img.subarray(s.dst, s.dst + s.length)).toEqual(old.subarray(s.src, s.src + s.length));
    expect(segs.some((s) => s.dst - s.src === 100)).toBe(true);
  });

  it("the active image's short last block is matched at the new image's end only, when its bytes are the same there", () => {
    const old2 = old.subarray(0, 8192 - 100); // 31 full blocks of 256 and a last block of 156
    const img = new Uint8Array([...old2.subarray(0, 1000), ...new Uint8Array(40).fill(9), ...old2.subarray(1000)]); // 40 bytes inserted
    const segs = mergeSegs(matchBlocks(img, [{ start: 0, end: img.length }], [sigsOf(old2, 256)]));
    expect(segs.at(-1)).toEqual({ dst: 1024 + 40, src: 1024, length: old2.length - 1024 }); // whole blocks from 1024, then the 156-byte tail
    for (const x of segs) expect(img.subarray(x.dst, x.dst + x.length)).toEqual(old2.subarray(x.src, x.src + x.length));
    const changedEnd = img.slice();
    changedEnd[changedEnd.length - 1] = changedEnd[changedEnd.length - 1]! ^ 1;
    const segs2 = mergeSegs(matchBlocks(changedEnd, [{ start: 0, end: changedEnd.length }], [sigsOf(old2, 256)]));
    expect(segs2.at(-1)!.dst + segs2.at(-1)!.length).toBe(changedEnd.length - 156); // the tail goes as data
    const outside = matchBlocks(img, [{ start: 0, end: img.length - 10 }], [sigsOf(old2, 256)]);
    expect(outside.some((x) => x.dst + x.length > img.length - 156)).toBe(false); // not inside the regions asked
  });

  it('an image unlike the old one matches nothing', () => {
    const other = new Uint8Array(8192).map(() => Math.floor(rnd() * 256));
    expect(matchBlocks(other, [{ start: 0, end: other.length }], [sigsOf(old, 256)])).toEqual([]);
  });

  it('gaps and block sizes', () => {
    expect(gaps(100, [{ start: 10, end: 20 }, { start: 15, end: 30 }, { start: 90, end: 120 }])).toEqual([{ start: 0, end: 10 }, { start: 30, end: 90 }]);
    expect(blockSizes(128 * 1024)).toEqual({ coarse: 2048, fine: 128 });
    expect(blockSizes(1000)).toEqual({ coarse: 256, fine: 64 });
  });

  it('the coder sends whole copies of consecutive bytes as one run, the rest as DATA', () => {
    const img = new Uint8Array([...old.subarray(0, 4096), ...new Uint8Array(1024).fill(1)]);
    const c = new ChunkCoder(img, 1024, [{ dst: 0, src: 0, length: 4096 }], undefined, 0);
    expect(c.joins(0, 1) && c.joins(1, 2) && c.joins(2, 3)).toBe(true);
    expect(c.joins(3, 4)).toBe(false);
    expect(c.message(0, 4)).toEqual({ kind: 'xdata', offset: 0, count: 4, ops: [{ op: 'copy', src: 0, length: 4096 }] });
    expect(c.message(4, 1)).toMatchObject({ kind: 'data', offset: 4096 });
    expect(c.savings).toMatchObject({ reusedBytes: 4096, wireBytes: 6 + 9 + 4 + 1024 });
  });

  it('never builds an XDATA larger than the chunk\'s DATA: tiny copies ride in the literal, a chunk that saves nothing goes as DATA', () => {
    const img = old.slice(0, 4096);
    // 3 bytes copyable at the start and 2 at the end of chunk 0, the rest new: copies cost more than they save
    const c = new ChunkCoder(img, 4096, [{ dst: 0, src: 0, length: 3 }, { dst: 4094, src: 4094, length: 2 }], undefined, 0);
    expect(c.message(0, 1)).toEqual({ kind: 'data', offset: 0, bytes: img });
    // a chunk that compresses by a few bytes only: the packed op plus its header is no smaller than DATA
    const rnd2 = prng(9);
    const nearlyRandom = new Uint8Array(4096).map((_, i) => (i % 9 === 0 ? 0 : Math.floor(rnd2() * 256)));
    const packer = { pack: (b: Uint8Array): { codec: number; bytes: Uint8Array } | undefined => (b.length > 8 ? { codec: 1, bytes: b.subarray(0, b.length - 4) } : undefined) };
    const p = new ChunkCoder(nearlyRandom, 4096, [], packer, 0);
    const m = p.message(0, 1);
    expect(m.kind).toBe('data');
    expect(p.savings).toMatchObject({ compressedBytes: 0, wireBytes: 4 + 4096 });
  });

  it('a chunk sent again counts on the wire again, but its reused bytes once', () => {
    const img = new Uint8Array([...old.subarray(0, 2048), ...new Uint8Array(1024).fill(3)]);
    const c = new ChunkCoder(img, 1024, [{ dst: 0, src: 0, length: 2048 }], undefined, 0);
    c.message(0, 2);
    c.message(0, 2);
    c.message(1, 1);
    expect(c.savings.reusedBytes).toBe(2048);
    expect(c.savings.wireBytes).toBe(2 * (6 + 9) + (6 + 9));
  });
});
