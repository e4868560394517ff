/** The streaming verifier: same verdict and result as parseHxe for any chunking, early rejection, bounded retention. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ImageError } from '../../../src/hxe/errors.js';
import type { HxeImage } from '../../../src/hxe/image.js';
import { parseHxe } from '../../../src/hxe/parse.js';
import { HxeStreamVerifier } from '../../../src/hxe/stream.js';
import { buildImage, code, fixCrc, valueSection } from './helpers/build-image.js';
import { fixtureBytes, fixtureNames } from './helpers/fixtures.js';

type Verdict = { ok: true; image: HxeImage } | { ok: false; code: string; message: string; offset: number | undefined };

function verdict(fn: () => HxeImage): Verdict {
  try {
    return { ok: true, image: fn() };
  } catch (e) {
    if (!(e instanceof ImageError)) throw e;
    return { ok: false, code: e.code, message: e.message, offset: e.offset };
  }
}

function streamed(bytes: Uint8Array, cuts: number[]): Verdict {
  return verdict(() => {
    const v = new HxeStreamVerifier({ totalSize: bytes.length });
    let at = 0;
    for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
      v.push(bytes.subarray(at, cut));
      at = cut;
    }
    v.push(bytes.subarray(at));
    return v.end();
  });
}

const fixture = fc.constantFrom(...fixtureNames).map(fixtureBytes);
const mutated = fc
  .tuple(fixture, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }), fc.boolean())
  .map(([b, edits, fix]) => {
    const out = b.slice();
    for (const [i, x] of edits) out[i % out.length]! ^= x;
    return fix && out.length >= 32 ? fixCrc(out) : out;
  });

describe('HxeStreamVerifier', () => {
  it('any chunking gives the same verdict and result as parseHxe (valid and mutated images)', () => {
    fc.assert(
      fc.property(fc.oneof(fixture, mutated), fc.array(fc.nat(), { maxLength: 12 }), (bytes, cuts) => {
        expect(streamed(bytes, cuts)).toEqual(verdict(() => parseHxe(bytes)));
      }),
      { numRuns: 1500 },
    );
  });

  it('rejects bad magic as soon as the first 4 bytes are in', () => {
    const v = new HxeStreamVerifier({ totalSize: 4096 });
    v.push(new TextEncoder().encode('HSX'));
    expect(() => v.push(new TextEncoder().encode('F'))).toThrow(expect.objectContaining({ code: 'bad_magic' }));
    expect(v.bytesReceived).toBe(3); // the rejected chunk is not accepted
  });

  it('rejects an unsupported version after 6 bytes, and bad header fields when the header is complete', () => {
    const v = new HxeStreamVerifier({ totalSize: 4096 });
    v.push(Uint8Array.of(0x48, 0x53, 0x58, 0x45, 0x00));
    expect(() => v.push(Uint8Array.of(0x07))).toThrow(expect.objectContaining({ code: 'unsupported_version' }));

    const img = buildImage({ entry: 12 });
    const w = new HxeStreamVerifier({ totalSize: img.length });
    w.push(img.subarray(0, 95));
    expect(() => w.push(img.subarray(95, 96))).toThrow(expect.objectContaining({ code: 'entry_out_of_range' }));
  });

  it('rejects regions declared beyond totalSize before any code arrives', () => {
    const img = buildImage({ code: code(64) });
    const v = new HxeStreamVerifier({ totalSize: 120 });
    expect(() => v.push(img.subarray(0, 96))).toThrow(expect.objectContaining({ code: 'truncated' }));
  });

  it('rejects a totalSize that cannot hold a header at construction', () => {
    expect(() => new HxeStreamVerifier({ totalSize: 10 })).toThrow(expect.objectContaining({ code: 'truncated' }));
  });

  it('refuses a metadata region above the cap as soon as the header is in', () => {
    const img = buildImage({ code: code(1024), sections: [valueSection([{ group: 1, id: 1, name: 'x'.repeat(200) }])] });
    const v = new HxeStreamVerifier({ totalSize: img.length, maxMetadataBytes: 128 });
    expect(() => v.push(img.subarray(0, 96))).toThrow(expect.objectContaining({ code: 'too_large', offset: 96 + 1024 }));
  });

  it('keeps failing with the same error once failed', () => {
    const img = buildImage({ crc: 1 });
    const v = new HxeStreamVerifier({ totalSize: img.length });
    v.push(img);
    const first = (() => {
      try {
        v.end();
      } catch (e) {
        return e;
      }
    })();
    expect(first).toBeInstanceOf(ImageError);
    expect(() => v.push(new Uint8Array(0))).toThrow(first);
    expect(v.error).toBe(first);
  });

  it('exposes the header fields once the header is in, even when a header check fails', () => {
    const img = buildImage({ entry: 2 });
    const v = new HxeStreamVerifier({ totalSize: img.length });
    expect(() => v.push(img)).toThrow(ImageError);
    expect(v.header).toMatchObject({ version: 2, entry: 2, codeLen: 8 });
  });
});
