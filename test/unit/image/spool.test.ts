/** Spooling a stream to a private temporary file: bounded by what its first bytes call for, removed on every path. */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { spoolToFile } from '../../../src/image/spool.js';
import { imageSpoolLimit, withImageFile } from '../../../src/cli/link-image.js';
import { MAX_HXE_FILE_SIZE } from '../../../src/hxe/constants.js';

const root = mkdtempSync(join(tmpdir(), 'hilbridge-spool-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const HXE = Uint8Array.from([0x48, 0x53, 0x58, 0x45]);
function stream(...blocks: Uint8Array[]): Readable {
  return Readable.from(blocks.map((b) => Buffer.from(b)));
}

describe('spoolToFile', () => {
  it('copies every byte, however the stream is cut, into a private file, and remove() deletes it and its directory', async () => {
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) & 0xff);
    const s = await spoolToFile(stream(bytes.subarray(0, 1), bytes.subarray(1, 3), bytes.subarray(3, 50_000), bytes.subarray(50_000)), {
      name: 'stdin', limitFor: () => ({ maxBytes: 1 << 20, what: 'a test' }), tmpRoot: root,
    });
    expect(new Uint8Array(readFileSync(s.path))).toEqual(bytes);
    expect(s.size).toBe(bytes.length);
    expect(statSync(s.path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(s.path)).mode & 0o777).toBe(0o700);
    await s.remove();
    expect(existsSync(dirname(s.path))).toBe(false);
  });

  it('a stream shorter than the head is still spooled', async () => {
    const s = await spoolToFile(stream(Uint8Array.of(1, 2)), { name: 'stdin', limitFor: () => ({ maxBytes: 10, what: 'a test' }), tmpRoot: root });
    expect([...readFileSync(s.path)]).toEqual([1, 2]);
    await s.remove();
  });

  it('stops at the limit the first bytes call for: file_too_large, nothing left behind, the endless stream not read to its end', async () => {
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled++;
        this.push(Buffer.concat([Buffer.from(HXE), Buffer.alloc(65_532)]));
      },
    });
    await expect(spoolToFile(endless, { name: 'stdin', limitFor: imageSpoolLimit, tmpRoot: root })).rejects.toMatchObject({
      code: 'file_too_large', message: expect.stringContaining(`more than ${MAX_HXE_FILE_SIZE} bytes, the most an HXE image can be`) as unknown,
    });
    expect(pulled).toBeLessThan(10);
    expect(readdirSync(root)).toEqual([]);
  });

  it('the limit: an HXE image (magic first) at most MAX_HXE_FILE_SIZE; anything else is refused by its first 4 bytes', () => {
    expect(imageSpoolLimit(HXE).maxBytes).toBe(MAX_HXE_FILE_SIZE);
    expect(() => imageSpoolLimit(Uint8Array.of(0, 0, 0, 0))).toThrow(expect.objectContaining({ code: 'bad_magic' }));
    expect(imageSpoolLimit(Uint8Array.of(0x48)).maxBytes).toBe(MAX_HXE_FILE_SIZE); // a stream of 1 byte: the verifier says what it is
  });

  it('/dev/zero on stdin: refused as bad_magic after its first block, nothing left behind', async () => {
    let pulled = 0;
    const zeros = new Readable({
      read() {
        pulled++;
        this.push(Buffer.alloc(65_536));
      },
    });
    await expect(spoolToFile(zeros, { name: 'stdin', limitFor: imageSpoolLimit, tmpRoot: root })).rejects.toMatchObject({ code: 'bad_magic' });
    expect(pulled).toBeLessThan(4);
    expect(readdirSync(root)).toEqual([]);
  });
});

describe('withImageFile', () => {
  it('a named file is used as it is', async () => {
    expect(await withImageFile('app.hxe', (p) => Promise.resolve(p))).toBe('app.hxe');
  });

  it.each(['-', '/dev/stdin'])('%s: fn gets a regular file holding stdin, removed once fn settles, also when it throws', async (arg) => {
    const bytes = Uint8Array.from({ length: 5000 }, (_, i) => (i < HXE.length ? HXE[i]! : i & 0xff)); // the HXE magic first, as flash takes
    let seen = '';
    await expect(
      withImageFile(arg, (p) => {
        seen = p;
        expect(new Uint8Array(readFileSync(p))).toEqual(bytes);
        return Promise.reject(new Error('flash failed'));
      }, stream(bytes)),
    ).rejects.toThrow('flash failed');
    expect(seen).not.toBe(arg);
    expect(existsSync(seen)).toBe(false);
  });

  it('a terminal on stdin is refused (exit 2), nothing read', async () => {
    const tty = Object.assign(stream(HXE), { isTTY: true });
    await expect(withImageFile('-', () => Promise.resolve(0), tty)).rejects.toMatchObject({ code: 'stdin_is_tty' });
  });
});
