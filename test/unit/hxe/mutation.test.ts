/**
 * Exhaustive single-byte mutations of every fixture: a change to any byte the
 * CRC covers is rejected; bytes outside it (v2 app_name, meta fields,
 * reserved) give their specific error or verify as the spec implies.
 */
import { describe, expect, it } from 'vitest';
import { ImageError, type ImageErrorCode } from '../../../src/hxe/errors.js';
import { inspectHxe, parseHxe } from '../../../src/hxe/parse.js';
import { fixtureBytes, fixtureNames } from './helpers/fixtures.js';

const MASKS = [0x01, 0x80, 0xff];
const META_CODES: ImageErrorCode[] = ['section_out_of_bounds', 'meta_overlaps_rodata', 'truncated_section', 'bad_string', 'too_large', 'duplicate_id', 'bad_mailbox_json', 'bad_mailbox', 'duplicate_mailbox'];

/** app_name as the spec defines it, computed independently: null when the field is invalid. */
function specAppName(field: Uint8Array): { ok: boolean; name: string | null } {
  const nul = field.indexOf(0);
  if (nul < 0 || field.some((b) => b >= 0x80)) return { ok: false, name: null };
  const name = Buffer.from(field.subarray(0, nul)).toString('latin1').trim();
  return { ok: true, name: name === '' ? null : name };
}

describe('single-byte mutations', () => {
  for (const name of fixtureNames) {
    it(`${name}: every covered byte is rejected, uncovered bytes behave as specified`, () => {
      const original = fixtureBytes(name);
      const good = parseHxe(original);
      let covered = 0;
      for (let i = 0; i < original.length; i++) {
        for (const mask of MASKS) {
          const b = original.slice();
          b[i]! ^= mask;
          const r = inspectHxe(b);
          if (i < 0x20 || i >= good.headerSize) {
            covered++;
            expect(r.valid, `byte ${i} ^ ${mask}`).toBe(false);
            continue;
          }
          if (i >= 0x48) {
            expect(r.valid ? 'valid' : r.error.code).toBe('reserved_not_zero');
          } else if (i < 0x40) {
            const spec = specAppName(b.subarray(0x20, 0x40));
            if (spec.ok) {
              expect(r.valid && r.image.appName).toBe(spec.name);
              if (r.valid) expect({ ...r.image, appName: good.appName, sha256: good.sha256 }).toEqual(good);
            } else expect(r.valid ? 'valid' : r.error.code).toBe('bad_app_name');
          } else {
            const v = new DataView(b.buffer);
            if (v.getUint32(0x40) === 0 || v.getUint32(0x44) === 0) {
              expect(r.valid && r.image.values.length + r.image.commands.length + r.image.mailboxes.length).toBe(0);
            } else if (!r.valid) expect(META_CODES).toContain(r.error.code);
          }
        }
      }
      expect(covered).toBeGreaterThan(0);
    });
  }

  it('a stored CRC of a different image is reported with both values', () => {
    const b = fixtureBytes('v2/calib.hxe');
    b[0x60]! ^= 0x01;
    const r = inspectHxe(b);
    expect(r.valid).toBe(false);
    if (!r.valid) {
      expect(r.error).toBeInstanceOf(ImageError);
      expect(r.error.code).toBe('crc_mismatch');
      expect(r.error.message).toMatch(/header says 0x237bfa6e, computed 0x[0-9a-f]{8} over bytes 0x00-0x1b and 0x60-0x137/);
      expect(r.computedCrc32).not.toBe(0x237bfa6e);
      expect(r.header?.codeLen).toBe(40);
    }
  });
});
