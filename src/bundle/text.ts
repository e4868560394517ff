/**
 * Fixed 24-byte text fields (segment and bundle names, vendor, board class):
 * ASCII [a-z0-9._-], zero padded, no NUL inside. One charset for every field,
 * so a name means the same on the host, in JSON and on the board.
 */
import { TEXT_SIZE } from './constants.js';
import { BundleError } from './errors.js';
import { hex } from '../util/hex.js';

const ALLOWED = /^[a-z0-9._-]*$/;

/** Check a text value before it is written; `field` names it in the message. */
export function checkText(value: string, field: string, allowEmpty: boolean): void {
  if (value.length > TEXT_SIZE) {
    throw new BundleError('bad_field', `${field} "${value}" is ${value.length} characters; at most ${TEXT_SIZE} fit`);
  }
  if (!allowEmpty && value.length === 0) throw new BundleError('bad_field', `${field} is empty: give it 1 to ${TEXT_SIZE} characters of [a-z0-9._-]`);
  if (!ALLOWED.test(value)) {
    throw new BundleError('bad_field', `${field} "${value}" has a character outside [a-z0-9._-]: use lowercase letters, digits, '.', '_' or '-'`);
  }
}

export function encodeText(out: Uint8Array, at: number, value: string): void {
  for (let i = 0; i < value.length; i++) out[at + i] = value.charCodeAt(i);
}

/**
 * Decode the field at `at` in `bytes`; `fileOffset` is where `bytes[0]` sits in
 * the bundle file (for the error's offset).
 */
export function decodeText(bytes: Uint8Array, at: number, fileOffset: number, field: string, allowEmpty: boolean): string {
  let len = 0;
  while (len < TEXT_SIZE && bytes[at + len] !== 0) len++;
  for (let i = len; i < TEXT_SIZE; i++) {
    if (bytes[at + i] !== 0) {
      throw new BundleError(
        'bad_field',
        `${field} at ${hex(fileOffset + at)}: byte ${hex(fileOffset + at + i)} is ${hex(bytes[at + i] ?? 0, 2)} after the terminating zero at ${hex(fileOffset + at + len)}; a text field is zero padded with no NUL inside`,
        fileOffset + at + i,
      );
    }
  }
  let value = '';
  for (let i = 0; i < len; i++) {
    const c = bytes[at + i] ?? 0;
    const ch = String.fromCharCode(c);
    if (!ALLOWED.test(ch)) {
      throw new BundleError('bad_field', `${field} at ${hex(fileOffset + at)}: byte ${hex(fileOffset + at + i)} is ${hex(c, 2)}, outside [a-z0-9._-]`, fileOffset + at + i);
    }
    value += ch;
  }
  if (!allowEmpty && len === 0) throw new BundleError('bad_field', `${field} at ${hex(fileOffset + at)} is empty; it must have 1 to ${TEXT_SIZE} characters`, fileOffset + at);
  return value;
}
