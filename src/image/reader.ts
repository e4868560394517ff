/**
 * Where an image comes from, read on demand: the transfer engine asks for one
 * chunk at a time, so a 64 MiB image never sits in memory. Size, CRC-32 and
 * SHA-256 are computed by streaming the file once at open.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { checkHostFile } from './host-file.js';
import { crc32, sha256Bytes } from '../util/digest.js';

/** The protocol's image size is a u32 (the 4 GiB `flash` limit). */
export const MAX_IMAGE_SIZE = 0xffffffff;

export interface ImageReader {
  /** Names the image in messages (the file path, or "bytes"). */
  readonly name: string;
  readonly size: number;
  /** CRC-32 (IEEE, zlib) of the whole image. */
  readonly crc32: number;
  /** SHA-256 of the whole image, 32 bytes. */
  readonly sha256: Uint8Array;
  /** Bytes [offset, offset + length); rejects with UsageError if the range is outside the image or the file changed. */
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

function checkRange(name: string, size: number, offset: number, length: number): void {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new UsageError('image_range', `cannot read ${length} bytes at offset ${offset} of ${name}: the image has ${size} bytes`);
  }
}

/** An image held in memory (small images, tests). The bytes are not copied: do not modify them while in use. */
export function bytesImageReader(bytes: Uint8Array, name = 'bytes'): ImageReader {
  return {
    name,
    size: bytes.length,
    crc32: crc32(bytes),
    sha256: sha256Bytes(bytes),
    read(offset, length) {
      return new Promise((resolve) => {
        checkRange(name, bytes.length, offset, length);
        resolve(bytes.subarray(offset, offset + length));
      });
    },
    close: () => Promise.resolve(),
  };
}

/** Open an image file: stream it once for size, CRC-32 and SHA-256, then serve reads from the open file. */
export async function openFileImageReader(path: string): Promise<ImageReader> {
  await checkHostFile(path, 'image', MAX_IMAGE_SIZE); // a FIFO would block at open, a device never ends
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new UsageError('image_unreadable', `cannot open image ${path}: ${e instanceof Error ? e.message : String(e)}; check the path and permissions`, { cause: e });
  }
  try {
    const hash = createHash('sha256');
    let crc = 0;
    let size = 0;
    for await (const block of createReadStream(path, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>) {
      hash.update(block);
      crc = crc32(block, crc);
      size += block.length;
    }
    const sha256 = new Uint8Array(hash.digest());
    return {
      name: path,
      size,
      crc32: crc,
      sha256,
      async read(offset, length) {
        checkRange(path, size, offset, length);
        const buf = new Uint8Array(length);
        let got = 0;
        while (got < length) {
          const { bytesRead } = await handle.read(buf, got, length - got, offset + got);
          if (bytesRead === 0) {
            throw new UsageError('image_changed', `image ${path} shrank while it was being sent (read ${got} of ${length} bytes at offset ${offset}): do not modify it during a transfer`);
          }
          got += bytesRead;
        }
        return buf;
      },
      close: () => handle.close(),
    };
  } catch (e) {
    await handle.close();
    throw e instanceof UsageError ? e : new UsageError('image_unreadable', `cannot read image ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
