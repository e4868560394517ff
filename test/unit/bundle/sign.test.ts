/** signBundle adds or replaces the trailer and leaves the manifest; it never re-signs a changed bundle. */
import { describe, expect, it } from 'vitest';
import { TRAILER_SIZE, manifestDifference, manifestJson, manifestTextDifference, parseBundle, signBundle } from '../../../src/bundle/index.js';
import { fixedBundle, otherKey, testKey, verdict } from './helpers.js';

describe('signBundle', () => {
  const unsigned = fixedBundle(false);
  const signed = fixedBundle(true);

  it('signing an unsigned bundle gives exactly what buildBundle signs', () => {
    expect(Buffer.from(signBundle(unsigned, testKey)).equals(Buffer.from(signed))).toBe(true);
  });

  it('replaces a trailer, keeping the payload', () => {
    const re = signBundle(signed, otherKey);
    expect(re.length).toBe(signed.length);
    expect(Buffer.from(re.subarray(0, re.length - TRAILER_SIZE)).equals(Buffer.from(unsigned))).toBe(true);
    expect(parseBundle(re).signature?.keyId).toBe(otherKey.keyId);
    expect(manifestJson(parseBundle(re))).toBe(manifestJson(parseBundle(signed)));
  });

  it('refuses to re-sign a bundle whose signature no longer verifies', () => {
    const c = signed.slice();
    c[64 + 8]! ^= 2; // a letter of the bundle name: still a valid name
    expect(verdict(() => parseBundle(signBundle(c, otherKey)))).toMatchObject({ ok: false, code: 'bad_signature' });
  });
});

describe('manifestJson', () => {
  const info = parseBundle(fixedBundle(true));
  it('is fixed key order, two-space indent, trailing newline', () => {
    const text = manifestJson(info);
    expect(text.endsWith('}\n')).toBe(true);
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['formatVersion', 'name', 'vendor', 'boardClass', 'securityCounter', 'contentSha256', 'segments']);
    expect(text).toContain('\n  "segments": [\n    {\n      "name": "calib",\n      "kind": "hxe",');
  });
  it('manifestDifference names the first field that differs', () => {
    const given = JSON.parse(manifestJson(info)) as { segments: { sha256: string }[]; extra?: number; securityCounter: number };
    expect(manifestDifference(given, info.manifest)).toBeUndefined();
    given.segments[1]!.sha256 = '00';
    expect(manifestDifference(given, info.manifest)).toMatch(/^segments\[1\]\.sha256: file has "00", the bundle has "[0-9a-f]{64}"$/);
    const g2 = JSON.parse(manifestJson(info)) as Record<string, unknown>;
    g2.securityCounter = 6;
    expect(manifestDifference(g2, info.manifest)).toBe('securityCounter: file has 6, the bundle has 7');
    const g3 = { ...(JSON.parse(manifestJson(info)) as object), extra: 1 };
    expect(manifestDifference(g3, info.manifest)).toBe('extra: not a manifest field');
    expect(manifestDifference([], info.manifest)).toBe('the manifest: expected an object');
  });
});

describe('manifestTextDifference: the JSON manifest file is checked byte for byte', () => {
  const info = parseBundle(fixedBundle(true));
  const text = manifestJson(info);
  it('accepts the file as written, and refuses it after any one character is changed, naming the field when one differs', () => {
    expect(manifestTextDifference(text, info.manifest)).toBeUndefined();
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const changed = text.slice(0, i) + String.fromCharCode(c === 0x30 ? 0x31 : c ^ 1) + text.slice(i + 1);
      expect(manifestTextDifference(changed, info.manifest), `character ${i}`).toBeDefined();
    }
    expect(manifestTextDifference(text.replace('"securityCounter": 7', '"securityCounter": 8'), info.manifest)).toBe('securityCounter: file has 8, the bundle has 7');
    expect(manifestTextDifference(text.trimEnd(), info.manifest)).toMatch(/^the fields agree, but the text is not the canonical form from character \d+ \(line 24\)/);
    expect(manifestTextDifference(JSON.stringify(JSON.parse(text)), info.manifest)).toMatch(/character 1 \(line 1\)/);
    expect(manifestTextDifference('{', info.manifest)).toMatch(/^not JSON/);
  });
});
