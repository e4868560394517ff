/**
 * The FAT writer and reader round trip (fast-check): any set of files the
 * card layout allows (names of A-Z a-z 0-9 . _ + - and space, up to two
 * directories deep, sizes across cluster boundaries, empty files) is read
 * back byte for byte, under its own name; the bytes depend on the files, not
 * on the order they are given in; and the same input gives the same bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FatVolume } from '../../../src/sd/fat-volume.js';
import { writeFatImage } from '../../../src/sd/fat-write.js';
import { bytesSource } from '../../../src/sd/source.js';

const nameChar = fc.constantFrom(...'abcXYZ019._-+ '.split(''));
const name = fc
  .array(nameChar, { minLength: 1, maxLength: 20 })
  .map((cs) => cs.join(''))
  .filter((n) => !n.endsWith('.') && !n.endsWith(' ') && !n.startsWith(' ') && n !== '.' && n !== '..');
const path = fc.array(name, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
const file = fc.record({ path, size: fc.oneof(fc.constantFrom(0, 1, 511, 512, 513, 2048), fc.integer({ min: 0, max: 6000 })), seed: fc.integer({ min: 0, max: 255 }) });

/** Files whose paths do not clash ignoring case, and where no file is also a directory. */
function consistent(list: { path: string; size: number; seed: number }[]): { path: string; bytes: Uint8Array }[] {
  const files = new Map<string, { path: string; bytes: Uint8Array }>();
  const dirs = new Set<string>();
  for (const f of list) {
    const key = f.path.toUpperCase();
    const parts = key.split('/');
    const prefixes = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
    if (files.has(key) || dirs.has(key) || prefixes.some((p) => files.has(p))) continue;
    prefixes.forEach((p) => dirs.add(p));
    files.set(key, { path: f.path, bytes: Uint8Array.from({ length: f.size }, (_, i) => (i * 13 + f.seed) & 0xff) });
  }
  return [...files.values()];
}

describe('FAT writer -> reader round trip', () => {
  it('every file reads back byte for byte under its name; order does not matter; deterministic', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(file, { minLength: 1, maxLength: 12 }), fc.constantFrom(1, 2, 4), async (list, mib) => {
        const files = consistent(list);
        const img = writeFatImage(files, mib * 1024 * 1024);
        expect(Buffer.from(writeFatImage([...files].reverse(), mib * 1024 * 1024)).equals(Buffer.from(img))).toBe(true);
        const vol = await FatVolume.open(bytesSource(img));
        const walked = (await vol.walk()).filter((w) => !w.entry.isDirectory);
        expect(walked.map((w) => w.path).sort()).toEqual(files.map((f) => f.path).sort());
        for (const f of files) {
          const got = await vol.readFile(f.path, 1e6);
          expect(Buffer.from(got).equals(Buffer.from(f.bytes)), f.path).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });
});
