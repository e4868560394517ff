/** Whole-number options: one parser for every command (decimal or 0x hex, a stated range, a UsageError naming the option). */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { optionalWholeNumber, wholeNumber } from '../../../src/cli/numbers.js';

describe('wholeNumber', () => {
  it('reads decimal and 0x hex, with surrounding spaces', () => {
    expect(wholeNumber('--node', '5', 1, 254)).toBe(5);
    expect(wholeNumber('--caps', '0x1F', 0, 0xffffffff)).toBe(0x1f);
    expect(wholeNumber('--fram-size', ' 262144 ', 1, 0xffffffff)).toBe(262144);
    expect(wholeNumber('--slot', '0', 0, 254)).toBe(0);
    expect(wholeNumber('--caps', '0xffffffff', 0, 0xffffffff)).toBe(0xffffffff);
  });

  it.each([
    ['five', '--node "five" is not a whole number in 1..254'],
    ['-1', '--node "-1" is not a whole number in 1..254'],
    ['2.5', '--node "2.5" is not a whole number in 1..254'],
    ['1e3', '--node "1e3" is not a whole number in 1..254'],
    ['', '--node "" is not a whole number in 1..254'],
    ['0', '--node "0" is not a whole number in 1..254'],
    ['255', '--node "255" is not a whole number in 1..254'],
    ['0x', '--node "0x" is not a whole number in 1..254'],
    ['99999999999999999999', '--node "99999999999999999999" is not a whole number in 1..254'],
  ])('refuses %j with invalid_option naming the option and the range', (text, message) => {
    let err: unknown;
    try {
      wholeNumber('--node', text, 1, 254);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect(err).toMatchObject({ code: 'invalid_option', message });
  });

  it('optionalWholeNumber passes an absent option through', () => {
    expect(optionalWholeNumber('--timeout', undefined, 1, 10)).toBeUndefined();
    expect(optionalWholeNumber('--timeout', '0xa', 1, 10)).toBe(10);
  });
});
