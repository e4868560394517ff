/**
 * Bytes of a FAT image, read on demand with bounds: a card image may be
 * gigabytes, so the reader never loads it whole; every read is checked
 * against the image size first (`sd_fat_truncated`, naming the offset).
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { SdError, at } from './errors.js';

export interface ByteSource {
  /** Names the image in messages (its path). */
  readonly name: string;
  readonly size: number;
  /** Bytes [offset, offset + length); SdError('sd_fat_truncated') when that passes the end. */
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

function checkRead(name: string, size: number, offset: number, length: number, what: string): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new SdError('sd_fat_truncated', `FAT image ${name}: ${what} needs bytes ${at(offset)}..${at(offset + length)}, but the image has ${size} bytes: the image is cut short or the volume is damaged`, { offset });
  }
}

export function bytesSource(bytes: Uint8Array, name = 'bytes'): ByteSource {
  return {
    name,
    size: bytes.length,
    read(offset, length) {
      return new Promise((resolve) => {
        checkRead(name, bytes.length, offset, length, 'a read');
        resolve(bytes.subarray(offset, offset + length));
      });
    },
    close: () => Promise.resolve(),
  };
}

/** An open image file of `size` bytes (the caller checked it is a regular file). */
export async function fileSource(path: string, size: number): Promise<ByteSource> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new UsageError('file_unreadable', `cannot open SD card image "${path}": ${e instanceof Error ? e.message : String(e)}; check the path and permissions`, { cause: e });
  }
  return {
    name: path,
    size,
    async read(offset, length) {
      checkRead(path, size, offset, length, 'a read');
      const buf = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await handle.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) throw new SdError('sd_fat_truncated', `FAT image ${path} shrank while being read (at ${at(offset + got)}): do not modify it while it is in use`, { offset: offset + got });
        got += bytesRead;
      }
      return buf;
    },
    close: () => handle.close(),
  };
}

/** Little-endian helpers (FAT is little-endian, unlike hilbridge's own formats). */
export function le16(b: Uint8Array, o: number): number {
  return (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
}
export function le32(b: Uint8Array, o: number): number {
  return (le16(b, o) | (le16(b, o + 2) << 16)) >>> 0;
}
export function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
}
export function put32(b: Uint8Array, o: number, v: number): void {
  put16(b, o, v & 0xffff);
  put16(b, o + 2, (v >>> 16) & 0xffff);
}
