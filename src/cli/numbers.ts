/**
 * Whole-number command-line options, parsed one way everywhere: decimal, or
 * 0x hex (masks and sizes are often written so), within a stated range; a
 * UsageError('invalid_option') naming the option, the text and the range.
 */
import { UsageError } from '../errors.js';

export function wholeNumber(option: string, text: string, min: number, max: number): number {
  const t = text.trim();
  const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError('invalid_option', `${option} ${JSON.stringify(text)} is not a whole number in ${min}..${max}`);
  }
  return n;
}

/** `wholeNumber` of an option that may be absent. */
export function optionalWholeNumber(option: string, text: string | undefined, min: number, max: number): number | undefined {
  return text === undefined ? undefined : wholeNumber(option, text, min, max);
}
