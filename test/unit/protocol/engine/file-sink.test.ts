import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSink } from '../../../../src/protocol/engine/file-sink.js';

const dir = mkdtempSync(join(tmpdir(), 'hilbridge-sink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const img = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);
const sha = new Uint8Array(createHash('sha256').update(img).digest());
const req = { size: img.length, crc32: crc32(img), sha256: sha, slot: 0, imageKind: 0 as const, fresh: false };

describe('FileSink', () => {
  it('writes chunks at offsets, persists held ranges, and a new sink resumes from them', async () => {
    const path = join(dir, 'a.bin');
    const a = new FileSink(path);
    expect(await a.begin(req)).toEqual({ resumed: false, ranges: [] });
    await a.write(0, img.subarray(0, 100));
    await a.write(300, img.subarray(300, 400));
    await a.write(0, img.subarray(0, 100)); // idempotent
    a.close();
    const b = new FileSink(path);
    expect((await b.held())?.ranges).toEqual([{ start: 0, end: 100 }, { start: 300, end: 400 }]);
    expect(await b.begin(req)).toEqual({ resumed: true, ranges: [{ start: 0, end: 100 }, { start: 300, end: 400 }] });
    await expect(b.end()).rejects.toMatchObject({ code: 'EAGAIN', offset: 100 });
    await b.write(100, img.subarray(100, 300));
    await b.write(400, img.subarray(400));
    const c = await b.end();
    expect(c).toMatchObject({ slot: 0, size: 1000, crc32: crc32(img) });
    expect(Buffer.from(c.sha256).equals(Buffer.from(sha))).toBe(true);
    expect(new Uint8Array(readFileSync(path))).toEqual(img);
    expect(await b.held()).toBeUndefined();
    expect((await b.status()).state).toBe('committed');
    b.close();
  });

  it('starts over for a different image or fresh, and rejects what does not fit', async () => {
    const s = new FileSink(join(dir, 'b.bin'), { capacity: 1000 });
    await s.begin(req);
    await s.write(0, img.subarray(0, 100));
    expect(await s.begin({ ...req, sha256: new Uint8Array(32) })).toEqual({ resumed: false, ranges: [] });
    await s.begin(req);
    await s.write(0, img.subarray(0, 100));
    expect((await s.begin({ ...req, fresh: true })).resumed).toBe(false);
    await expect(s.begin({ ...req, size: 1001 })).rejects.toMatchObject({ code: 'ENOSPC' });
    s.close();
  });

  it('fails verification when the bytes do not hash to BEGIN, and abort frees everything', async () => {
    const path = join(dir, 'c.bin');
    const s = new FileSink(path);
    await s.begin(req);
    const bad = img.slice();
    bad[500] = (bad[500] ?? 0) ^ 1;
    await s.write(0, bad);
    await expect(s.end()).rejects.toMatchObject({ code: 'sha256_mismatch' });
    await s.abort();
    expect(await s.held()).toBeUndefined();
    expect((await s.status()).state).toBe('empty');
    await expect(s.write(0, img)).rejects.toMatchObject({ code: 'ESRCH' });
    await expect(s.rollback(0)).rejects.toMatchObject({ code: 'ENOTSUP' });
    s.close();
  });
});
