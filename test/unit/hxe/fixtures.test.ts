import { describe, expect, it } from 'vitest';
import { parseHxe } from '../../../src/hxe/parse.js';
import { HxeStreamVerifier } from '../../../src/hxe/stream.js';
import { expected, fixtureBytes, fixtureNames } from './helpers/fixtures.js';

const camel = (k: string): string => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
/** expected.json names the decoded f16 `init_value`; our field is `init`. */
const ourKey = (k: string): string => (k === 'init_value' ? 'init' : camel(k));
const mapKeys = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [ourKey(k), v]));

describe('toolchain fixtures', () => {
  it('has all 17 fixtures (14 v1, 3 v2)', () => {
    expect(fixtureNames).toHaveLength(17);
    expect(fixtureNames.filter((n) => n.startsWith('v1/'))).toHaveLength(14);
  });

  for (const name of fixtureNames) {
    it(`${name} verifies and every field matches expected.json`, () => {
      const exp = expected[name]!;
      const img = parseHxe(fixtureBytes(name));
      const { values, commands, mailboxes, ...scalars } = exp;
      for (const [k, v] of Object.entries(scalars)) {
        expect({ field: k, value: (img as unknown as Record<string, unknown>)[ourKey(k)] }).toEqual({ field: k, value: v });
      }
      expect(img.computedCrc32).toBe(exp.crc32);
      expect(img.values).toEqual(values.map(mapKeys));
      expect(img.commands).toEqual(commands.map(mapKeys));
      expect(img.mailboxes).toEqual(mailboxes.map(mapKeys));
      expect(img.mailboxForm).toBe(mailboxes.length ? 'json' : 'none');
    });
  }

  it('streams byte by byte to the same result', () => {
    for (const name of fixtureNames) {
      const bytes = fixtureBytes(name);
      const v = new HxeStreamVerifier({ totalSize: bytes.length });
      for (let i = 0; i < bytes.length; i++) v.push(bytes.subarray(i, i + 1));
      expect(v.end()).toEqual(parseHxe(bytes));
    }
  });
});
