/**
 * Fuzz target `hxe`: parseHxe and HxeStreamVerifier (src/hxe) on the
 * toolchain fixtures (test/fixtures/hsx) and hand-built images with metadata,
 * mutated (header fields set to extremes, bytes flipped, inserted, deleted,
 * cut; the CRC recomputed or not, so the checks behind it are reached), on
 * random bytes with and without a valid magic, pushed in random chunkings,
 * sometimes with a lying totalSize or a small metadata cap. Invariants: only
 * typed HilbridgeErrors; the stream verifier and parseHxe agree (same code,
 * or the same image); a failure is sticky; a lying size is refused.
 */
import fc from 'fast-check';
import { ImageError } from '../../src/hxe/errors.js';
import { Off } from '../../src/hxe/constants.js';
import { parseHxe } from '../../src/hxe/parse.js';
import { HxeStreamVerifier } from '../../src/hxe/stream.js';
import type { HxeImage } from '../../src/hxe/image.js';
import { buildImage, cmdSection, fixCrc, jsonMailboxSection, legacyMailboxSection, valueSection } from '../unit/hxe/helpers/build-image.js';
import { fixtureBytes, fixtureNames } from '../unit/hxe/helpers/fixtures.js';
import { invariant, type FuzzTarget } from './harness.js';
import { applyMutations, chunk, chunkSizes, mutations, type Field, type Mutation } from './mutate.js';

export const HXE_FIELDS: readonly Field[] = [
  { at: Off.version, size: 2 },
  { at: Off.flags, size: 2 },
  { at: Off.entry, size: 4 },
  { at: Off.codeLen, size: 4 },
  { at: Off.roLen, size: 4 },
  { at: Off.bssSize, size: 4 },
  { at: Off.reqCaps, size: 4 },
  { at: Off.metaOffset, size: 4 },
  { at: Off.metaCount, size: 4 },
  { at: Off.reserved, size: 4 },
];

/** Valid images to mutate: every fixture plus hand-built ones with each metadata section kind. */
export const hxeSeeds: readonly Uint8Array[] = [
  ...fixtureNames.map(fixtureBytes),
  buildImage({ sections: [valueSection([{ group: 1, id: 1, name: 'a', unit: 'b' }]), cmdSection([{ group: 1, id: 2, name: 'c', help: 'd' }])] }),
  buildImage({ sections: [legacyMailboxSection([{ name: 'q', depth: 4, flags: 3 }])] }),
  buildImage({ sections: [jsonMailboxSection([{ target: 'app:x', mode: 'RDWR', bindings: [{ pid: 1 }] }])] }),
];

/** Recompute the CRC when the image is long enough to hold one and names a version. */
export function fixHxeCrc(b: Uint8Array): Uint8Array {
  return b.length >= 96 || (b.length >= 32 && b[5] === 1) ? fixCrc(b) : b;
}

type HxeCase = {
  readonly bytes: Uint8Array;
  readonly sizes: readonly number[];
  /** totalSize announced to the stream verifier minus the real size (0: honest). */
  readonly lie: number;
  readonly maxMetadataBytes: number | undefined;
};

const HSXE = Uint8Array.of(0x48, 0x53, 0x58, 0x45);

const bytesArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 400 }) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.uint8Array({ minLength: 6, maxLength: 400 }), fc.constantFrom(1, 2), fc.boolean()).map(([raw, version, fix]) => {
      const b = raw.slice();
      b.set(HSXE.subarray(0, Math.min(4, b.length)), 0);
      b[4] = 0;
      b[5] = version;
      return fix ? fixHxeCrc(b) : b;
    }),
  },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom(...hxeSeeds), mutations(HXE_FIELDS), fc.boolean())
      .map(([seed, ms, fix]: [Uint8Array, Mutation[], boolean]) => {
        const b = applyMutations(seed, ms, HXE_FIELDS);
        return fix ? fixHxeCrc(b) : b;
      }),
  },
  { weight: 1, arbitrary: fc.constantFrom(...hxeSeeds) },
);

const arbitrary: fc.Arbitrary<HxeCase> = fc.record({
  bytes: bytesArb,
  sizes: chunkSizes,
  lie: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -8, max: 8 }) }, { weight: 1, arbitrary: fc.constantFrom(0x10000, 0x7fffffff, 2 ** 40) }),
  maxMetadataBytes: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.nat(512) }),
});

type Outcome = { ok: true; image: HxeImage } | { ok: false; error: unknown };

function outcome(fn: () => HxeImage): Outcome {
  try {
    return { ok: true, image: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

function streamed(c: HxeCase, totalSize: number): Outcome {
  let v: HxeStreamVerifier | undefined;
  const r = outcome(() => {
    v = new HxeStreamVerifier({ totalSize, maxMetadataBytes: c.maxMetadataBytes });
    for (const piece of chunk(c.bytes, c.sizes)) v.push(piece);
    return v.end();
  });
  if (!r.ok && v !== undefined && r.error instanceof ImageError) {
    invariant(v.error === r.error, 'the stream verifier threw an ImageError it does not keep as its error');
    const again = outcome(() => v!.end());
    invariant(!again.ok && again.error === r.error, 'a failed stream verifier did not rethrow its first error');
  }
  return r;
}

export const hxeTarget: FuzzTarget<HxeCase> = {
  name: 'hxe',
  what: 'parseHxe and HxeStreamVerifier (random chunkings, lying sizes, small caps) on mutated fixtures and random images',
  neverThrows: false,
  arbitrary,
  run(c) {
    const n = c.bytes.length;
    if (c.lie !== 0) {
      const total = Math.max(0, n + c.lie);
      const s = streamed(c, total);
      invariant(!s.ok || total === n, `a stream announced as ${total} bytes accepted ${n} bytes`);
      if (!s.ok) throw s.error;
      return undefined;
    }
    const whole = outcome(() => parseHxe(c.bytes, { maxMetadataBytes: c.maxMetadataBytes }));
    const s = streamed(c, n);
    if (whole.ok) {
      invariant(s.ok, `parseHxe accepted an image the stream verifier rejected (${s.ok ? '' : String(s.error)})`);
      invariant(s.image.sha256 === whole.image.sha256 && s.image.size === n && whole.image.size === n, 'stream and whole-file results differ');
      return undefined;
    }
    invariant(!s.ok, 'the stream verifier accepted an image parseHxe rejected');
    const a = whole.error;
    const b = s.error;
    if (!(a instanceof ImageError)) throw a; // the harness reports an untyped throw
    if (!(b instanceof ImageError)) throw b;
    invariant(a.code === b.code, `parseHxe says ${a.code}, the stream verifier in chunks says ${b.code}`);
    throw a;
  },
};
