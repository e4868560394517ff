import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesImageReader, openFileImageReader } from '../../../src/image/reader.js';

const dir = mkdtempSync(join(tmpdir(), 'hilbridge-src-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const img = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 31 + (i >> 8)) & 0xff);

describe('image sources', () => {
  it('a file source streams size, CRC-32 and SHA-256 and reads ranges on demand', async () => {
    const path = join(dir, 'img.bin');
    writeFileSync(path, img);
    const s = await openFileImageReader(path);
    expect(s.size).toBe(img.length);
    expect(s.crc32).toBe(crc32(img));
    expect(Buffer.from(s.sha256).toString('hex')).toBe(createHash('sha256').update(img).digest('hex'));
    expect(await s.read(70_000, 5000)).toEqual(img.subarray(70_000, 75_000));
    await expect(s.read(199_999, 2)).rejects.toMatchObject({ code: 'image_range' });
    truncateSync(path, 100_000);
    await expect(s.read(150_000, 10)).rejects.toMatchObject({ code: 'image_changed' });
    await s.close();
  });

  it('a missing file is a UsageError naming the path', async () => {
    await expect(openFileImageReader(join(dir, 'nope.hxe'))).rejects.toMatchObject({ code: 'file_unreadable', message: expect.stringContaining('nope.hxe') as unknown });
  });

  it('a bytes source agrees with a file source', async () => {
    const b = bytesImageReader(img);
    expect(b.crc32).toBe(crc32(img));
    expect(await b.read(10, 3)).toEqual(img.subarray(10, 13));
    await expect(b.read(-1, 3)).rejects.toMatchObject({ code: 'image_range' });
  });
});
