/**
 * Local verification of an image before anything touches a link: the file
 * is streamed once through the loader's streaming verifier (bounded memory),
 * so a bad image fails with its ImageError (exit 1) and an unreadable file
 * with a UsageError (exit 2).
 */
import { createReadStream } from 'node:fs';
import { UsageError, isHilbridgeError } from '../errors.js';
import { MAX_HXE_FILE_SIZE } from '../hxe/constants.js';
import type { HxeImage } from '../hxe/image.js';
import { checkHostFile } from '../image/host-file.js';
import { HxeStreamVerifier } from '../hxe/stream.js';

export async function verifyImageFile(path: string): Promise<HxeImage> {
  const { size } = await checkHostFile(path, 'image', MAX_HXE_FILE_SIZE); // a regular file no longer than any HXE can be
  const verifier = new HxeStreamVerifier({ totalSize: size });
  try {
    for await (const block of createReadStream(path, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>) verifier.push(block);
  } catch (cause) {
    if (isHilbridgeError(cause)) throw cause; // the verifier's ImageError: the image is bad (exit 1)
    throw new UsageError('file_unreadable', `cannot read image "${path}": ${String(cause)}`, { cause });
  }
  return verifier.end();
}
