/**
 * Local verification of an image before anything touches a link: the file
 * is streamed once through the loader's streaming verifier (bounded memory),
 * so a bad image fails with its ImageError (exit 1) and an unreadable file
 * with a UsageError (exit 2).
 *
 * An image given as `-` (or /dev/stdin) is read from stdin: spooled to a
 * private temporary file first (src/image/spool.ts), bounded by the HXE limit
 * when it starts with the HXE magic and by the protocol's 4 GiB otherwise,
 * and removed when the command ends.
 *
 * A bundle (told by its magic) is streamed through the bundle library's
 * verifier instead: header, manifest, every digest, every hxe segment's HXE
 * checks and, with trusted keys (`flash --pub`), the signature.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isBundleHead } from '../bundle/index.js';
import type { BundleInfo, PublicKey } from '../bundle/index.js';
import { MAX_IMAGE_SIZE, openFileImageReader } from '../image/reader.js';
import type { ImageReader } from '../image/reader.js';
import { sha256Hex } from '../util/digest.js';
import { toHex } from '../util/hex.js';
import { isBundleFile, verifyBundleFile } from './commands/bundle-files.js';
import { UsageError, isHilbridgeError } from '../errors.js';
import { MAX_HXE_FILE_SIZE } from '../hxe/constants.js';
import { checkMagic } from '../hxe/header.js';
import { spoolToFile } from '../image/spool.js';
import { isStdinName } from '../image/stdin.js';
import type { SpoolLimit } from '../image/spool.js';
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

/** What flash verified on the host: an HXE image or a bundle. */
export type LocalImage = { readonly kind: 'hxe'; readonly image: HxeImage } | { readonly kind: 'bundle'; readonly bundle: BundleInfo };

/** The most a bundle piped on stdin may carry (a file is bounded by the protocol's 4 GiB, and the board's slot). */
export const MAX_BUNDLE_SPOOL = 64 * 1024 * 1024;

/**
 * Verify an image file for flash: a bundle by its magic (with `trusted`,
 * signed by one of those keys, else BundleError `unknown_key`/`not_signed`),
 * else an HXE image (`trusted` given: UsageError, an HXE image carries no
 * bundle signature).
 */
export async function verifyLocalImage(path: string, trusted?: readonly PublicKey[]): Promise<LocalImage> {
  if (await isBundleFile(path, 'image', MAX_IMAGE_SIZE)) return { kind: 'bundle', bundle: await verifyBundleFile(path, trusted) };
  if (trusted !== undefined) {
    throw new UsageError('not_a_bundle', `--pub checks a bundle's signature, and "${path}" is not a bundle (no bundle magic): flash it without --pub, or build a signed bundle (hilbridge image build --sign)`);
  }
  return { kind: 'hxe', image: await verifyImageFile(path) };
}

/**
 * Open the reader flash sends from (it streams the file again for BEGIN's
 * size and SHA-256) and refuse, before anything reaches a link, when that
 * SHA-256 is not the one `local` verified: the file was replaced or written
 * between the two reads, and what would go out is not what was verified
 * (with --pub: not what the signature covers). From here on the board checks
 * every byte it gets against that SHA-256, so the bytes sent are the bytes
 * verified. `shown` names the image in the message (`-` for stdin).
 */
export async function openVerifiedImage(path: string, local: LocalImage, shown = path): Promise<ImageReader> {
  const reader = await openFileImageReader(path);
  const read = toHex(reader.sha256);
  if (read !== verifiedSha256(local)) {
    await reader.close();
    throw imageChanged(local, shown, reader.size, read);
  }
  return reader;
}

/** Largest image `flash --nodes` takes: the broadcast master keeps the whole image in memory to repair from (far above any board slot). */
export const MAX_BROADCAST_IMAGE = 16 * 1024 * 1024;

/**
 * The verified image's bytes in memory, for a broadcast session (which
 * re-sends any part on request), refused when they are not the bytes
 * verified, like openVerifiedImage.
 */
export async function readVerifiedImage(path: string, local: LocalImage, shown = path): Promise<Uint8Array> {
  const size = local.kind === 'bundle' ? local.bundle.size : local.image.size;
  if (size > MAX_BROADCAST_IMAGE) {
    throw new UsageError('image_too_large', `"${shown}" has ${size} bytes; a broadcast session holds the image in memory and takes at most ${MAX_BROADCAST_IMAGE} bytes (no board slot is larger)`);
  }
  const { size: now } = await checkHostFile(path, 'image', MAX_BROADCAST_IMAGE);
  const bytes = new Uint8Array(await readFile(path));
  const read = sha256Hex(bytes);
  if (read !== verifiedSha256(local)) throw imageChanged(local, shown, now, read);
  return bytes;
}

function verifiedSha256(local: LocalImage): string {
  return local.kind === 'bundle' ? local.bundle.sha256 : local.image.sha256;
}

function imageChanged(local: LocalImage, shown: string, size: number, read: string): UsageError {
  return new UsageError(
    'image_changed',
    `${local.kind === 'bundle' ? 'bundle' : 'image'} "${shown}" changed while it was being flashed: it was verified with SHA-256 ${verifiedSha256(local)}, but the file now has ${size} bytes with SHA-256 ${read}; nothing was sent. Do not replace or write the file during a flash, and run flash again`,
  );
}

/**
 * How much an image on a stream may carry: flash sends HXE images and
 * bundles only, so a stream whose first 4 bytes are neither magic is refused
 * there and then (bad_magic, exit 1: `flash - < /dev/zero` copies 4 bytes,
 * not 4 GiB); an HXE image at most MAX_HXE_FILE_SIZE, a bundle at most
 * MAX_BUNDLE_SPOOL.
 */
export function imageSpoolLimit(head: Uint8Array): SpoolLimit {
  if (head.length >= 4 && isBundleHead(head.subarray(0, 4))) return { maxBytes: MAX_BUNDLE_SPOOL, what: 'a bundle' };
  if (head.length >= 4) checkMagic(head);
  return { maxBytes: MAX_HXE_FILE_SIZE, what: 'an HXE image' };
}

/**
 * Run `fn` on the image file `arg` names; for `-` or /dev/stdin on a file
 * holding what stdin carries, removed when `fn` settles. A terminal on stdin
 * is refused (exit 2): the image must be piped or redirected in.
 */
export async function withImageFile<T>(arg: string, fn: (path: string) => Promise<T>, stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean } = process.stdin): Promise<T> {
  if (!isStdinName(arg)) return fn(arg);
  if (stdin.isTTY === true) {
    throw new UsageError('stdin_is_tty', `image "${arg}" is stdin, which is a terminal: pipe or redirect the image in (\`hilbridge flash - ... < app.hxe\`), or name the file`);
  }
  const spooled = await spoolToFile(stdin as AsyncIterable<Uint8Array>, { name: `image "${arg}" (stdin)`, limitFor: imageSpoolLimit, fileName: 'stdin.hxe' });
  try {
    return await fn(spooled.path);
  } finally {
    await spooled.remove();
  }
}
