/** Building: canonical layout, determinism (a fixed hash), and refusals of bad inputs. */
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BundleError, buildBundle, parseBundle } from '../../../src/bundle/index.js';
import { FIXED_SIGNED_SHA256, FIXED_UNSIGNED_SHA256, FIXTURES, fixedBundle, fixedSegments, fixture, testKey } from './helpers.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');


describe('buildBundle determinism', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('a two-segment bundle built from copies in two directories with different modes and mtimes is byte-identical', () => {
    const build = (mode: number, mtime: number): Uint8Array => {
      const dir = mkdtempSync(join(tmpdir(), 'hxb-det-'));
      dirs.push(dir);
      copyFileSync(FIXTURES + 'v2/calib.hxe', join(dir, 'calib.hxe'));
      copyFileSync(FIXTURES + 'v2/telemetry.hxe', join(dir, 'tele.hxe'));
      for (const f of ['calib.hxe', 'tele.hxe']) {
        chmodSync(join(dir, f), mode);
        utimesSync(join(dir, f), mtime, mtime);
      }
      const read = (f: string): Uint8Array => new Uint8Array(readFileSync(join(dir, f)));
      return buildBundle([{ kind: 'hxe', bytes: read('tele.hxe') }, { kind: 'hxe', bytes: read('calib.hxe') }], { signer: testKey }).bytes;
    };
    const a = build(0o644, 1_000_000);
    const b = build(0o600, 2_000_000_000);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(parseBundle(a).manifest.segments.map((s) => s.name)).toEqual(['calib', 'telemetry']);
  });

  it('has a fixed SHA-256 for fixed inputs, signed and unsigned', () => {
    expect(sha(fixedBundle(true))).toBe(FIXED_SIGNED_SHA256);
    expect(sha(fixedBundle(false))).toBe(FIXED_UNSIGNED_SHA256);
  });

  it('lays segments out in canonical order whatever the argument order', () => {
    const segs = [
      { kind: 'data' as const, name: 'b', bytes: new Uint8Array([1]) },
      { kind: 'data' as const, name: 'a', bytes: new Uint8Array([2]) },
      { kind: 'hxe' as const, bytes: fixture('v2/motor_ctl.hxe') },
      { kind: 'boot' as const, bytes: new Uint8Array(70).fill(9) },
      { kind: 'values' as const, bytes: new Uint8Array([3, 4]) },
    ];
    const one = buildBundle(segs);
    const two = buildBundle([...segs].reverse());
    expect(Buffer.from(one.bytes).equals(Buffer.from(two.bytes))).toBe(true);
    expect(one.info.manifest.segments.map((s) => `${s.kind}:${s.name}@${s.offset}+${s.size}`)).toEqual([
      'boot:boot@576+70',
      'hxe:motor_ctl@704+392',
      'values:values@1152+2',
      'data:a@1216+1',
      'data:b@1280+1',
    ]);
    expect(one.bytes.length).toBe(1344);
    expect(one.info.manifest.name).toBe('motor_ctl');
    expect(one.info.hxe.get('motor_ctl')?.appName).toBe('motor_ctl');
  });

  it('records the fields given and the whole-file hash', () => {
    const { bytes, info } = buildBundle(fixedSegments(), { name: 'line-3', vendor: 'acme', boardClass: 'hsx-a', securityCounter: 4294967295, signer: testKey });
    expect(info.manifest).toMatchObject({ formatVersion: 1, name: 'line-3', vendor: 'acme', boardClass: 'hsx-a', securityCounter: 4294967295 });
    expect(info.sha256).toBe(sha(bytes));
    expect(info.size).toBe(bytes.length);
    expect(info.signature).toEqual({ keyType: 'ed25519', keyId: testKey.keyId, publicKey: Buffer.from(testKey.raw).toString('hex') });
    expect(info.manifest.segments[0]?.sha256).toBe(sha(fixture('v2/calib.hxe')));
  });
});

describe('buildBundle refuses bad inputs with a BundleError', () => {
  const refuse = (fn: () => unknown, code: string, text: RegExp): void => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(BundleError);
      expect((e as BundleError).code).toBe(code);
      expect((e as BundleError).message).toMatch(text);
      return;
    }
    expect.fail('no error');
  };
  const hxe = fixture('v2/calib.hxe');
  it('names', () => {
    refuse(() => buildBundle([{ kind: 'hxe', bytes: hxe }, { kind: 'data', name: 'calib', bytes: new Uint8Array(1) }]), 'bad_segment_table', /two segments are named "calib"/);
    refuse(() => buildBundle([{ kind: 'data', name: 'Bad', bytes: new Uint8Array(1) }], { name: 'x' }), 'bad_field', /outside \[a-z0-9._-\]/);
    refuse(() => buildBundle([{ kind: 'data', bytes: new Uint8Array(1) }]), 'bad_field', /no hxe segment to take its name from/);
    refuse(() => buildBundle([{ kind: 'hxe', bytes: hxe }], { vendor: 'x'.repeat(25) }), 'bad_field', /at most 24/);
    refuse(() => buildBundle([{ kind: 'hxe', bytes: fixture('v1/examples_c_hello.hxe') }]), 'bad_field', /without an app name.*hxe:<name>=<path>/);
  });
  it('counts, sizes and values', () => {
    refuse(() => buildBundle([]), 'bad_field', /1 to 16 segments/);
    refuse(() => buildBundle(Array.from({ length: 17 }, (_, i) => ({ kind: 'data' as const, name: `d${i}`, bytes: new Uint8Array(1) })), { name: 'x' }), 'bad_field', /1 to 16 segments; 17/);
    refuse(() => buildBundle([{ kind: 'data', bytes: new Uint8Array(0) }], { name: 'x' }), 'bad_field', /empty/);
    refuse(() => buildBundle([{ kind: 'hxe', bytes: hxe }], { securityCounter: -1 }), 'bad_field', /security counter -1/);
    refuse(() => buildBundle([{ kind: 'hxe', bytes: hxe }], { securityCounter: 2 ** 32 }), 'bad_field', /security counter/);
  });
  it('an hxe segment that is not a valid HXE image', () => {
    const bad = hxe.slice();
    bad[100]! ^= 1;
    refuse(() => buildBundle([{ kind: 'hxe', bytes: bad }]), 'segment_invalid', /segment 0 \(hxe\) is not a valid HXE image: CRC-32 mismatch/);
  });
});

describe('buildBundle, any segment set', () => {
  const segment = fc.record({
    kind: fc.constantFrom('boot' as const, 'values' as const, 'data' as const),
    name: fc.stringMatching(/^[a-z0-9._-]{1,24}$/),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 200 }),
  });
  it('round-trips, is independent of argument order, and lays segments out aligned and contiguous', () => {
    fc.assert(
      fc.property(fc.uniqueArray(segment, { minLength: 1, maxLength: 16, selector: (s) => s.name }), fc.nat(), (segs, seed) => {
        const shuffled = [...segs].sort((a, b) => ((a.name.charCodeAt(0) * 31 + seed) % 7) - ((b.name.charCodeAt(0) * 31 + seed) % 7));
        const one = buildBundle(segs, { name: 'x' });
        const two = buildBundle(shuffled, { name: 'x' });
        expect(Buffer.from(one.bytes).equals(Buffer.from(two.bytes))).toBe(true);
        const info = parseBundle(one.bytes);
        let end = 64 + 120 + 68 * segs.length;
        for (const s of info.manifest.segments) {
          expect(s.offset % 64).toBe(0);
          expect(s.offset).toBe(Math.ceil(end / 64) * 64);
          const input = segs.find((x) => x.name === s.name)!;
          expect(Buffer.from(one.bytes.subarray(s.offset, s.offset + s.size)).equals(Buffer.from(input.bytes))).toBe(true);
          end = s.offset + s.size;
        }
        expect(one.bytes.length).toBe(Math.ceil(end / 64) * 64);
      }),
      { numRuns: 150 },
    );
  });
});
