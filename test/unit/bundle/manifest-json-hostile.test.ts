/**
 * manifestDifference on a hostile manifest file (image verify --manifest
 * reads up to 1 MiB of JSON): a deeply nested value where a field belongs
 * made JSON.stringify overflow the stack (an untyped RangeError), and a long
 * value was echoed whole into the message. Found by `npm run fuzz`, target
 * manifest. Now the message names the kind of value, and clips a long one.
 */
import { describe, expect, it } from 'vitest';
import { manifestDifference, manifestJson, parseBundle } from '../../../src/bundle/index.js';
import { fixedBundle } from './helpers.js';

const info = parseBundle(fixedBundle());
const withName = (value: string): unknown => JSON.parse(manifestJson(info).replace(/"name": "[^"]*"/, `"name": ${value}`));

describe('manifestDifference on hostile files', () => {
  it('a value nested 100,000 levels deep where the name belongs is a difference, not a crash', () => {
    const given = withName('['.repeat(100_000) + ']'.repeat(100_000));
    expect(manifestDifference(given, info.manifest)).toBe(`name: file has a list, the bundle has "${info.manifest.name}"`);
    const obj = withName('{"a":'.repeat(100_000) + '0' + '}'.repeat(100_000));
    expect(manifestDifference(obj, info.manifest)).toBe(`name: file has an object, the bundle has "${info.manifest.name}"`);
  });

  it('a long value is clipped in the message', () => {
    const d = manifestDifference(withName(JSON.stringify('x'.repeat(500_000))), info.manifest);
    expect(d).toBe(`name: file has "${'x'.repeat(76)}..., the bundle has "${info.manifest.name}"`);
  });

  it('short values are still shown as they are', () => {
    expect(manifestDifference(withName('"other"'), info.manifest)).toBe(`name: file has "other", the bundle has "${info.manifest.name}"`);
    expect(manifestDifference(withName('null'), info.manifest)).toBe(`name: file has null, the bundle has "${info.manifest.name}"`);
  });
});
