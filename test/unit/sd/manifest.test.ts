/** The manifest schema: TOML and JSON, strict, every error naming the file, the entry and the field. */
import { describe, expect, it } from 'vitest';
import { SdError } from '../../../src/sd/errors.js';
import { cardPathProblem, manifestJsonSchema, manifestText, parseManifest } from '../../../src/sd/manifest.js';

const SHA = 'a'.repeat(64);
const entry = { name: 'motor', path: 'images/motor.hxe', appName: 'motor_ctl', version: 0, sha256: SHA, size: 392, kind: 'hxe', priority: 0 };
const json = (images: unknown[]): string => JSON.stringify({ version: 1, images });

function refusal(text: string, syntax: 'json' | 'toml' = 'json'): SdError {
  try {
    parseManifest(text, 'card/hilbridge.json', syntax);
  } catch (e) {
    expect(e).toBeInstanceOf(SdError);
    return e as SdError;
  }
  throw new Error('accepted');
}

describe('parseManifest', () => {
  it('reads JSON with defaults (nodes all, no values, no fallback)', () => {
    const { entries } = parseManifest(json([entry]), 'm.json', 'json');
    expect(entries).toEqual([{ index: 0, ...entry, nodes: [], values: [], fallback: null }]);
  });

  it('reads TOML, hex integers, values as raw f16 or as a number', () => {
    const toml = `version = 1
[[images]]
name = "motor"
path = "images/motor.hxe"
appName = "motor_ctl"
version = 3
sha256 = "${SHA}"
size = 392
kind = "hxe"
priority = 10
nodes = [1, 2]
fallback = "old"
values = [ { key = 0x0105, value = 42.0 }, { key = 0x0106, raw = 0x4d60 } ]
`;
    const { entries } = parseManifest(toml, 'hilbridge.toml', 'toml');
    expect(entries[0]).toMatchObject({ version: 3, priority: 10, nodes: [1, 2], fallback: 'old', values: [{ key: 0x105, raw: 0x5140 }, { key: 0x106, raw: 0x4d60 }] });
  });

  it('refuses an unknown field, naming the file, the entry (index and appName) and the field', () => {
    const e = refusal(json([entry, { ...entry, name: 'b', appName: 'telemetry', colour: 'red' }]));
    expect(e.code).toBe('sd_manifest_invalid');
    expect(e.message).toMatch(/^card\/hilbridge\.json: entry 1 \("telemetry"\), field images\[1\]\.colour: unknown field "colour"/);
    expect(e.field).toBe('images[1].colour');
    expect(e.toJSON()).toMatchObject({ code: 'sd_manifest_invalid', field: 'images[1].colour', path: 'card/hilbridge.json' });
    expect(refusal(JSON.stringify({ version: 1, images: [entry], extra: 1 })).message).toMatch(/field extra: unknown field "extra"/);
  });

  it('refuses a bad value, naming the field', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ sha256: 'ABC' }, /entry 0 \("motor_ctl"\), field images\[0\]\.sha256: 64 lowercase hex digits/],
      [{ size: -1 }, /images\[0\]\.size/],
      [{ kind: 'elf' }, /images\[0\]\.kind/],
      [{ nodes: [0] }, /images\[0\]\.nodes\[0\]/],
      [{ path: '../etc/passwd' }, /images\[0\]\.path: "\.\.\/etc\/passwd" has "\.\."/],
      [{ path: '/abs.hxe' }, /is absolute/],
      [{ values: [{ key: 5 }] }, /images\[0\]\.values\[0\]: give exactly one of raw and value/],
      [{ values: [{ key: 0xffff, raw: 1 }] }, /images\[0\]\.values\[0\]\.key/],
      [{ name: 'Has Space' }, /images\[0\]\.name/],
    ];
    for (const [patch, why] of cases) expect(refusal(json([{ ...entry, ...patch }])).message, String(why)).toMatch(why);
    const missing: Record<string, unknown> = { ...entry };
    delete missing.sha256;
    expect(refusal(json([missing])).message).toMatch(/images\[0\]\.sha256/);
  });

  it('refuses text that does not parse, the wrong version, no images, and deep nesting before parsing', () => {
    expect(refusal('{"version": 1,').message).toMatch(/not valid JSON/);
    expect(refusal('version = = 1', 'toml').message).toMatch(/not valid TOML/);
    expect(refusal(JSON.stringify({ version: 2, images: [entry] })).message).toMatch(/field version/);
    expect(refusal(JSON.stringify({ version: 1, images: [] })).message).toMatch(/images/);
    expect(refusal('['.repeat(100000)).message).toMatch(/nest deeper than 8/);
  });

  it('manifestText is the JSON parseManifest reads back', () => {
    const { entries } = parseManifest(json([{ ...entry, values: [{ key: 7, raw: 1 }], nodes: [3] }]), 'm', 'json');
    expect(parseManifest(manifestText(entries), 'm', 'json').entries).toEqual(entries);
  });

  it('card paths stay on the card', () => {
    expect(cardPathProblem('images/a.hxe')).toBeUndefined();
    for (const p of ['', '/a', 'a/../b', '..', 'a\\b', 'a//b', './a', 'c:x', 'x'.repeat(256)]) expect(cardPathProblem(p), p).toBeDefined();
  });

  it('the JSON Schema is strict and lists every field', () => {
    const s = manifestJsonSchema() as { additionalProperties: boolean; properties: { images: { items: { additionalProperties: boolean; properties: Record<string, unknown>; required: string[] } } } };
    expect(s.additionalProperties).toBe(false);
    const item = s.properties.images.items;
    expect(item.additionalProperties).toBe(false);
    expect(Object.keys(item.properties)).toEqual(['name', 'path', 'appName', 'version', 'sha256', 'size', 'kind', 'priority', 'nodes', 'values', 'fallback']);
    expect(item.required).not.toContain('nodes');
  });
});
