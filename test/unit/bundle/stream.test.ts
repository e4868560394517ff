/** The stream verifier in any chunking gives what parseBundle gives: the same info, or the same error at the same offset. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BundleStreamVerifier, parseBundle, type BundleInfo } from '../../../src/bundle/index.js';
import { fixedBundle, verdict, type Verdict } from './helpers.js';

function streamed(bytes: Uint8Array, cuts: number[]): Verdict {
  return verdict(() => {
    const v = new BundleStreamVerifier({ totalSize: bytes.length });
    let at = 0;
    for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
      v.push(bytes.subarray(at, cut));
      at = cut;
    }
    v.push(bytes.subarray(at));
    return v.end();
  });
}

const plain = (v: Verdict): unknown => (v.ok ? { ...v, info: { ...v.info, hxe: [...v.info.hxe] } } : v);
const signed = fixedBundle(true);

describe('BundleStreamVerifier', () => {
  it('equals parseBundle for random chunk sizes', () => {
    const whole = plain(verdict(() => parseBundle(signed)));
    fc.assert(fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
        expect(plain(streamed(signed, cuts))).toEqual(whole);
      }), { numRuns: 200 });
  });

  it('equals parseBundle on damaged bundles, chunked at random', () => {
    fc.assert(
      fc.property(fc.nat({ max: signed.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.array(fc.nat(), { maxLength: 20 }), (pos, x, cuts) => {
        const c = signed.slice();
        c[pos]! ^= x;
        const whole = verdict(() => parseBundle(c));
        expect(whole.ok).toBe(false);
        expect(streamed(c, cuts)).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('byte by byte: knows the manifest once it is in, and the segment at an offset', () => {
    const v = new BundleStreamVerifier({ totalSize: signed.length });
    let manifestAt = -1;
    for (let i = 0; i < signed.length; i++) {
      v.push(signed.subarray(i, i + 1));
      if (manifestAt < 0 && v.manifest) manifestAt = i + 1;
    }
    const info: BundleInfo = v.end();
    expect(manifestAt).toBe(64 + 120 + 2 * 68);
    const values = info.manifest.segments[1]!;
    expect(v.segmentAt(values.offset + 99)).toEqual(values);
    expect(v.segmentAt(values.offset + 100)).toBeUndefined(); // padding
    expect(v.end()).toBe(info);
    expect(() => v.push(new Uint8Array(1))).toThrow(/pushed after end/);
  });

  it('end() before every byte is in is truncated', () => {
    const v = new BundleStreamVerifier({ totalSize: signed.length });
    v.push(signed.subarray(0, 500));
    expect(() => v.end()).toThrow(/ended after 500 of/);
    expect(v.error?.code).toBe('truncated');
  });

  it('more bytes than announced are refused', () => {
    const v = new BundleStreamVerifier({ totalSize: 100 });
    expect(() => v.push(signed.subarray(0, 101))).toThrow(/more than the announced bundle size of 100/);
  });
});
