/** Shared by the writer tests: fixture locations and a byte comparison that says where bytes differ. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
export const PACK_DIR = `${FIXTURES}pack/`;
export const V2_DIR = `${FIXTURES}hsx/v2/`;

/** The three v2 fixtures and their description files in test/fixtures/pack. */
export const V2_CASES = [
  { name: 'calib', desc: 'calib.toml', format: 'toml' },
  { name: 'motor_ctl', desc: 'motor_ctl.toml', format: 'toml' },
  { name: 'telemetry', desc: 'telemetry.json', format: 'json' },
] as const;

export function readFixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(`${V2_DIR}${name}.hxe`));
}

/** Index of the first differing byte, or -1 when equal (length differences count). */
export function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** Assert byte equality; on failure the message names the first differing offset and both bytes. */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  const at = firstDiff(actual, expected);
  const hex = (b: number | undefined): string => (b === undefined ? 'EOF' : `0x${b.toString(16).padStart(2, '0')}`);
  const where =
    at < 0
      ? 'identical'
      : `first difference at offset 0x${at.toString(16)}: got ${hex(actual[at])}, expected ${hex(expected[at])} (sizes ${actual.length} vs ${expected.length})`;
  expect(where).toBe('identical');
  expect(Buffer.from(actual).equals(Buffer.from(expected))).toBe(true);
}
