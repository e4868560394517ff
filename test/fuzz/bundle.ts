/**
 * Fuzz target `bundle`: parseBundle and BundleStreamVerifier (src/bundle)
 * on bundles built with buildBundle (signed and unsigned, 1 to 16 segments,
 * the HXE fixtures), mutated: header and manifest length/count/offset/size
 * fields set to extremes, bytes flipped, inserted, deleted, cut; then, for
 * some cases, every hash and the signature recomputed over the mutated bytes
 * so the layout, text, kind and HXE checks behind them are reached. Also
 * bundles carrying a mutated HXE image in a segment turned hxe after
 * building. Pushed in random chunkings, with no, the right or a wrong
 * trusted key. Invariants: only typed HilbridgeErrors; stream and whole-file
 * verdicts agree; a bundle accepted under a trusted key is signed by it.
 */
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { BundleStreamVerifier, buildBundle, parseBundle, type BundleInfo, type PublicKey } from '../../src/bundle/index.js';
import { encodeTrailer } from '../../src/bundle/trailer.js';
import { HilbridgeError } from '../../src/errors.js';
import { fixedSegments, fixture, otherKey, testKey } from '../unit/bundle/helpers.js';
import { invariant, type FuzzTarget } from './harness.js';
import { fixHxeCrc, hxeSeeds, HXE_FIELDS } from './hxe.js';
import { applyMutations, chunk, chunkSizes, mutations, type Field, type Mutation } from './mutate.js';

const M = 64; // manifest offset
const entryFields = (i: number): Field[] => {
  const e = M + 120 + i * 68;
  return [
    { at: e + 24, size: 1 },
    { at: e + 25, size: 1 },
    { at: e + 28, size: 4 },
    { at: e + 32, size: 4 },
  ];
};
export const BUNDLE_FIELDS: readonly Field[] = [
  { at: 4, size: 2 },
  { at: 6, size: 2 },
  { at: 8, size: 4 },
  { at: 12, size: 2 },
  { at: 14, size: 2 },
  { at: 16, size: 4 },
  { at: 20, size: 4 },
  { at: M + 4, size: 2 },
  { at: M + 6, size: 2 },
  { at: M + 80, size: 4 },
  { at: M + 84, size: 4 },
  ...entryFields(0),
  ...entryFields(1),
  ...entryFields(2),
];

const blob = (n: number, k: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * k + 1) & 0xff);

export const bundleSeeds: readonly Uint8Array[] = [
  buildBundle(fixedSegments(), { vendor: 'acme', boardClass: 'hsx-a', securityCounter: 7, signer: testKey }).bytes,
  buildBundle(fixedSegments(), { vendor: 'acme', boardClass: 'hsx-a', securityCounter: 7 }).bytes,
  buildBundle([{ kind: 'hxe', bytes: fixture('v2/motor_ctl.hxe') }], { signer: testKey }).bytes,
  buildBundle(
    [
      { kind: 'boot', bytes: blob(10, 3) },
      { kind: 'hxe', bytes: fixture('v2/telemetry.hxe') },
      { kind: 'data', name: 'cal.bin', bytes: blob(200, 7) },
    ],
    { securityCounter: 0xffffffff, signer: testKey },
  ).bytes,
  buildBundle(Array.from({ length: 16 }, (_, i) => ({ kind: 'data' as const, name: `d${i}`, bytes: blob(1 + (i % 3), i) })), { name: 'many' }).bytes,
];

const readU32 = (b: Uint8Array, o: number): number => (o + 4 <= b.length ? new DataView(b.buffer, b.byteOffset + o, 4).getUint32(0) : 0);
const sha = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();

/**
 * Make the hashes and the signature match the (mutated) bytes, as far as the
 * header and the manifest lay them out, so the checks behind them are reached.
 */
export function rehash(b: Uint8Array): Uint8Array {
  if (b.length < M + 120) return b;
  const mLen = readU32(b, 8);
  const end = readU32(b, 16);
  if (mLen > 1208 || M + mLen > b.length) return b;
  const count = Math.min(16, (b[M + 6]! << 8) | b[M + 7]!);
  for (let i = 0; i < count; i++) {
    const e = M + 120 + i * 68;
    if (e + 68 > M + mLen) break;
    const off = readU32(b, e + 28);
    const size = readU32(b, e + 32);
    if (off + size <= b.length) b.set(sha(b.subarray(off, off + size)), e + 36);
  }
  if (end <= b.length && end >= M + mLen) {
    b.set(createHash('sha256').update(b.subarray(0, M)).update(b.subarray(M + mLen, end)).digest(), M + 88);
  }
  if (end + 112 === b.length) b.set(encodeTrailer(b.subarray(M, M + mLen), testKey), end);
  return b;
}

type BundleCase = { readonly bytes: Uint8Array; readonly sizes: readonly number[]; readonly trusted: readonly PublicKey[] | undefined };

/** A mutated HXE image in a one-segment bundle, built as data and turned hxe (kind byte 2) afterwards. */
const hxeInside: fc.Arbitrary<Uint8Array> = fc
  .tuple(fc.constantFrom(...hxeSeeds), mutations(HXE_FIELDS, 3), fc.boolean())
  .map(([seed, ms, signed]: [Uint8Array, Mutation[], boolean]) => {
    let img = fixHxeCrc(applyMutations(seed, ms, HXE_FIELDS));
    if (img.length === 0) img = Uint8Array.of(0);
    const b = buildBundle([{ kind: 'data', name: 'x', bytes: img }], signed ? { name: 'x', signer: testKey } : { name: 'x' }).bytes.slice();
    b[M + 120 + 24] = 2;
    return rehash(b);
  });

const bytesArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 400 }) },
  { weight: 1, arbitrary: fc.constantFrom(...bundleSeeds) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom(...bundleSeeds), mutations(BUNDLE_FIELDS), fc.boolean())
      .map(([seed, ms, fix]: [Uint8Array, Mutation[], boolean]) => {
        const b = applyMutations(seed, ms, BUNDLE_FIELDS);
        return fix ? rehash(b) : b;
      }),
  },
  { weight: 2, arbitrary: hxeInside },
);

const arbitrary: fc.Arbitrary<BundleCase> = fc.record({
  bytes: bytesArb,
  sizes: chunkSizes,
  trusted: fc.constantFrom(undefined, undefined, [testKey], [otherKey], [otherKey, testKey]),
});

type Outcome = { ok: true; info: BundleInfo } | { ok: false; error: unknown };

function outcome(fn: () => BundleInfo): Outcome {
  try {
    return { ok: true, info: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

export const bundleTarget: FuzzTarget<BundleCase> = {
  name: 'bundle',
  what: 'parseBundle and BundleStreamVerifier (random chunkings, trusted keys) on mutated, rehashed and re-signed bundles',
  neverThrows: false,
  arbitrary,
  run(c) {
    const whole = outcome(() => parseBundle(c.bytes, { trusted: c.trusted }));
    let v: BundleStreamVerifier | undefined;
    const s = outcome(() => {
      v = new BundleStreamVerifier({ totalSize: c.bytes.length, trusted: c.trusted });
      for (const piece of chunk(c.bytes, c.sizes)) v.push(piece);
      return v.end();
    });
    if (whole.ok) {
      invariant(s.ok, `parseBundle accepted a bundle the stream verifier rejected (${s.ok ? '' : String(s.error)})`);
      invariant(s.info.sha256 === whole.info.sha256 && whole.info.size === c.bytes.length, 'stream and whole-file results differ');
      if (c.trusted) invariant(c.trusted.some((k) => k.keyId === whole.info.signature?.keyId), 'accepted under trusted keys without a signature by one of them');
      return undefined;
    }
    const a = whole.error;
    if (!(a instanceof HilbridgeError)) throw a; // the harness reports an untyped throw
    invariant(!s.ok, `the stream verifier accepted a bundle parseBundle rejected with ${a.code}`);
    const b = s.error;
    if (!(b instanceof HilbridgeError)) throw b;
    invariant(a.code === b.code, `parseBundle says ${a.code}, the stream verifier in chunks says ${b.code}`);
    if (v !== undefined) invariant(v.error === b, 'the stream verifier does not keep its first error');
    throw a;
  },
};
