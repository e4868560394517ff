/**
 * An image reader (src/image/reader.ts) over a file inside a FAT image: the
 * transfer engine and the board stream it chunk by chunk; size, CRC-32 and
 * SHA-256 are computed by streaming it once at open, as for a host file.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import type { ImageReader } from '../image/reader.js';
import { crc32 } from '../util/digest.js';
import type { FatFile } from './fat-volume.js';

const BLOCK = 64 * 1024;

export async function fatImageReader(file: FatFile, name: string): Promise<ImageReader> {
  const hash = createHash('sha256');
  let crc = 0;
  for (let o = 0; o < file.size; o += BLOCK) {
    const block = await file.read(o, Math.min(BLOCK, file.size - o));
    hash.update(block);
    crc = crc32(block, crc);
  }
  return {
    name,
    size: file.size,
    crc32: crc,
    sha256: new Uint8Array(hash.digest()),
    read(offset, length) {
      if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > file.size) {
        return Promise.reject(new UsageError('image_range', `cannot read ${length} bytes at offset ${offset} of ${name}: the image has ${file.size} bytes`));
      }
      return file.read(offset, length);
    },
    close: () => Promise.resolve(),
  };
}
