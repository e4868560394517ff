/** Verification: every changed byte is refused with a typed error, signers are checked, hostile files fail fast. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BundleError, BundleStreamVerifier, TRAILER_SIZE, buildBundle, loadPublicKey, parseBundle } from '../../../src/bundle/index.js';
import { ImageError } from '../../../src/hxe/errors.js';
import { TEST_PUB, fixedBundle, fixture, otherKey, testKey, verdict } from './helpers.js';

const signed = fixedBundle(true);
const trusted = [loadPublicKey(TEST_PUB, 'test')];

describe('a signed bundle', () => {
  it('verifies, naming the signer', () => {
    const info = parseBundle(signed, { trusted });
    expect(info.signature?.keyId).toBe(testKey.keyId);
    expect(info.signature?.publicKey).toBe(TEST_PUB);
  });

  it('fails with a typed BundleError after any one byte at any position is changed (every position, every bit 0)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < signed.length; i++) {
      const c = signed.slice();
      c[i]! ^= 1;
      const v = verdict(() => parseBundle(c));
      expect(v.ok, `byte ${i} changed and accepted`).toBe(false);
      if (!v.ok) seen.add(v.code);
    }
    // the checks that catch them, region by region
    expect([...seen].sort()).toEqual(
      ['bad_field', 'bad_key', 'bad_magic', 'bad_segment_table', 'bad_signature', 'content_sha256_mismatch', 'padding_not_zero', 'reserved_not_zero', 'segment_invalid', 'segment_sha256_mismatch', 'trailing_bytes', 'truncated', 'unsupported_version'].sort(),
    );
  });

  it('fails after any single-byte change to any value (property over positions and values)', () => {
    fc.assert(
      fc.property(fc.nat({ max: signed.length - 1 }), fc.integer({ min: 1, max: 255 }), (pos, x) => {
        const c = signed.slice();
        c[pos]! ^= x;
        const v = verdict(() => parseBundle(c, { trusted }));
        return !v.ok;
      }),
      { numRuns: 500 },
    );
  });

  it('names the segment and the check when a segment byte changes', () => {
    const info = parseBundle(signed);
    const values = info.manifest.segments.find((s) => s.kind === 'values')!;
    const c = signed.slice();
    c[values.offset + 10]! ^= 0xff;
    const v = verdict(() => parseBundle(c));
    expect(v).toMatchObject({ ok: false, code: 'segment_sha256_mismatch', offset: values.offset });
    expect(!v.ok && v.message).toContain(`segment "values" (values, 100 bytes at 0x${values.offset.toString(16)}): SHA-256 is`);
  });

  it('refuses a bundle signed by an unknown key, naming the key id and the trusted ids', () => {
    const v = verdict(() => parseBundle(signed, { trusted: [loadPublicKey(Buffer.from(otherKey.raw).toString('hex'), 'other')] }));
    expect(v).toMatchObject({ ok: false, code: 'unknown_key' });
    expect(!v.ok && v.message).toContain(`signed by key ${testKey.keyId}`);
    expect(!v.ok && v.message).toContain(`trusted: ${otherKey.keyId}`);
  });

  it('refuses an unsigned bundle when trusted keys are given, and accepts it without', () => {
    const unsigned = fixedBundle(false);
    expect(parseBundle(unsigned).signature).toBeNull();
    expect(verdict(() => parseBundle(unsigned, { trusted }))).toMatchObject({ ok: false, code: 'not_signed' });
  });

  it('never takes a trailer signed over another manifest (signature moved from another bundle)', () => {
    const other = buildBundle([{ kind: 'hxe', bytes: fixture('v2/telemetry.hxe') }], { signer: testKey }).bytes;
    const moved = new Uint8Array(signed.length);
    moved.set(signed.subarray(0, signed.length - TRAILER_SIZE));
    moved.set(other.subarray(other.length - TRAILER_SIZE), signed.length - TRAILER_SIZE);
    expect(verdict(() => parseBundle(moved))).toMatchObject({ ok: false, code: 'bad_signature' });
  });
});

describe('hostile and damaged files', () => {
  it('every truncation is typed; cutting exactly the trailer leaves an unsigned bundle that trusted keys refuse', () => {
    const payloadEnd = signed.length - TRAILER_SIZE;
    expect(parseBundle(signed.subarray(0, payloadEnd)).signature).toBeNull();
    expect(verdict(() => parseBundle(signed.subarray(0, payloadEnd), { trusted }))).toMatchObject({ ok: false, code: 'not_signed' });
    for (let n = 0; n < signed.length; n++) {
      if (n === payloadEnd) continue;
      const v = verdict(() => parseBundle(signed.subarray(0, n)));
      expect(v.ok, `prefix ${n}`).toBe(false);
      if (!v.ok) expect(['truncated', 'trailing_bytes', 'bad_magic']).toContain(v.code);
    }
  });

  it('trailing bytes after an unsigned or signed bundle are refused', () => {
    const unsigned = fixedBundle(false);
    const plus = (b: Uint8Array, n: number): Uint8Array => Uint8Array.from([...b, ...new Uint8Array(n)]);
    expect(verdict(() => parseBundle(plus(signed, 1)))).toMatchObject({ ok: false, code: 'trailing_bytes', offset: signed.length });
    expect(verdict(() => parseBundle(plus(unsigned, 1)))).toMatchObject({ ok: false, code: 'truncated' });
    expect(verdict(() => parseBundle(plus(unsigned, TRAILER_SIZE)))).toMatchObject({ ok: false, code: 'bad_magic', offset: unsigned.length });
    expect(verdict(() => parseBundle(plus(unsigned, TRAILER_SIZE + 64)))).toMatchObject({ ok: false, code: 'trailing_bytes' });
  });

  it('a /dev/zero-like file of 64 MiB fails at its magic without reading more', () => {
    const v = new BundleStreamVerifier({ totalSize: 64 * 1024 * 1024 });
    expect(() => v.push(new Uint8Array(4))).toThrow(/bad magic at offset 0x0/);
    expect(v.error).toBeInstanceOf(BundleError);
    expect(() => v.push(new Uint8Array(4))).toThrow(v.error); // sticky
  });

  it('huge lengths in the header are refused before anything is allocated from them', () => {
    const head = signed.slice(0, 64);
    const set32 = (b: Uint8Array, o: number, v: number): void => new DataView(b.buffer).setUint32(o, v);
    const h1 = head.slice();
    set32(h1, 8, 0xffffffff); // manifest length
    const v1 = new BundleStreamVerifier({ totalSize: 0xffffffff });
    expect(() => v1.push(h1)).toThrow(/manifest length at offset 0x8 is 4294967295/);
    const h2 = head.slice();
    set32(h2, 16, 0xffffffc0); // payload end near 4 GiB, file small
    expect(verdict(() => parseBundle(Uint8Array.from([...h2, ...signed.subarray(64)])))).toMatchObject({ ok: false, code: 'truncated' });
    const h3 = head.slice();
    h3[13] = 200; // segment count
    expect(verdict(() => parseBundle(Uint8Array.from([...h3, ...signed.subarray(64)])))).toMatchObject({ ok: false, code: 'bad_field', offset: 12 });
    // a header claiming a 4 GiB payload, streamed: only the header and the manifest are held
    const h4 = head.slice();
    set32(h4, 16, 0xffffff00);
    const v4 = new BundleStreamVerifier({ totalSize: 0xffffff00 });
    v4.push(h4);
    expect(v4.error).toBeUndefined();
    expect(() => v4.push(signed.subarray(64, 64 + 256))).toThrow(/payload end is 0xffffff00/);
  });

  it('an hxe segment that fails the HXE verifier is segment_invalid naming the segment, the ImageError kept', () => {
    // a data segment holding a broken HXE, relabelled hxe in the manifest: hashes match, the HXE check does not
    const bad = fixture('v2/calib.hxe');
    bad[200]! ^= 1;
    const { bytes, info } = buildBundle([{ kind: 'data', name: 'app', bytes: bad }], { name: 'x' });
    const relabelled = bytes.slice();
    relabelled[64 + 120 + 24] = 2;
    const v = new BundleStreamVerifier({ totalSize: relabelled.length });
    let err: unknown;
    try {
      v.push(relabelled);
      v.end();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BundleError);
    const e = err as BundleError;
    expect(e.code).toBe('segment_invalid');
    expect(e.message).toMatch(/segment "app" \(hxe at 0x100\) fails the HXE check crc_mismatch/);
    expect(e.cause).toBeInstanceOf(ImageError);
    expect(e.offset).toBe(info.manifest.segments[0]!.offset + 0x1c);
  });
});
