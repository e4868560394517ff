/**
 * Files the bundle commands read and write: keys (from a file or the
 * environment, never echoed), bundles (streamed through the verifier, so
 * memory stays bounded whatever the file says), segments with a size cap,
 * and atomic writes (temp file in the same directory, fsync, rename).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { BundleError, BundleStreamVerifier, isBundleHead, loadPublicKey, loadSigningKey, type BundleInfo, type PublicKey, type SigningKey } from '../../bundle/index.js';
import { MAX_BUNDLE_SIZE, TRAILER_SIZE } from '../../bundle/constants.js';
import { UsageError, isHilbridgeError } from '../../errors.js';
import { checkHostFile, readHostFile } from '../../image/host-file.js';

/** The environment variable `sign` takes a key from when --key is absent: PKCS#8 PEM text or a 64-hex seed. */
export const SIGNING_KEY_ENV = 'HILBRIDGE_SIGNING_KEY';
/** A key file is a few hundred bytes of PEM. */
const MAX_KEY_FILE_BYTES = 64 * 1024;
/** A boot, values or data segment read by `image build`. */
export const MAX_SEGMENT_FILE_BYTES = 16 * 1024 * 1024;
/** A bundle read whole (`sign`): 16 segments of 16 MiB and the rest. */
export const MAX_BUNDLE_READ_BYTES = 16 * MAX_SEGMENT_FILE_BYTES + 64 * 1024;
/** A JSON manifest file. */
export const MAX_MANIFEST_FILE_BYTES = 1024 * 1024;

/** A bundle's error with the file named in front (the library knows bytes, not paths); code, offset and cause kept. */
export function inFile(path: string, e: unknown): unknown {
  return e instanceof BundleError ? new BundleError(e.code, `bundle "${path}": ${e.message}`, e.offset, { cause: e.cause ?? e }) : e;
}

/** A key in the wrong form is the user's configuration: exit 2, the message naming where it came from (never its text). */
function asUsage(e: unknown): never {
  if (e instanceof BundleError && e.code === 'bad_key') throw new UsageError('bad_key', e.message, { cause: e });
  throw e;
}

export async function signingKeyFromFile(path: string): Promise<SigningKey> {
  const text = Buffer.from(await readHostFile(path, 'key file', MAX_KEY_FILE_BYTES)).toString('utf8');
  try {
    return loadSigningKey(text, `key file "${path}"`);
  } catch (e) {
    return asUsage(e);
  }
}

/** --key <file>, else the environment; never a prompt. */
export async function signingKey(keyFile: string | undefined, option: string): Promise<SigningKey> {
  if (keyFile !== undefined) return signingKeyFromFile(keyFile);
  const env = process.env[SIGNING_KEY_ENV];
  if (env === undefined || env.trim() === '') {
    throw new UsageError('no_signing_key', `no signing key: pass ${option} <file> (a PKCS#8 PEM, as hilbridge keygen writes) or set ${SIGNING_KEY_ENV} to the PEM text or a 64-hex seed`);
  }
  try {
    return loadSigningKey(env, `environment variable ${SIGNING_KEY_ENV}`);
  } catch (e) {
    return asUsage(e);
  }
}

/**
 * --pub: 64 hex characters, or a file holding an SPKI PEM (or the hex), read
 * with a cap (a regular file of at most 64 KiB: not /dev/zero, not a FIFO).
 */
export async function publicKey(arg: string): Promise<PublicKey> {
  try {
    if (/^[0-9a-fA-F]{64}$/.test(arg)) return loadPublicKey(arg, "--pub (64 hex characters)");
    const text = Buffer.from(await readHostFile(arg, 'public key file', MAX_KEY_FILE_BYTES)).toString('utf8');
    return loadPublicKey(text, `public key file "${arg}"`);
  } catch (e) {
    return asUsage(e);
  }
}

/** Every --pub (flash, image verify), in order; undefined when none was given (no signer required). */
export async function publicKeys(args: readonly string[] | undefined): Promise<PublicKey[] | undefined> {
  if (args === undefined || args.length === 0) return undefined;
  const keys: PublicKey[] = [];
  for (const arg of args) keys.push(await publicKey(arg));
  return keys;
}

/** A bundle's largest possible size: 32-bit payload end plus the trailer. */
const MAX_BUNDLE_FILE = MAX_BUNDLE_SIZE + TRAILER_SIZE;

/**
 * Stream a bundle file through the verifier (64 KiB at a time); `verifier`
 * is handed out so a caller can read the manifest of a bundle that failed.
 */
export async function verifyBundleFile(path: string, trusted: readonly PublicKey[] | undefined, seen?: (v: BundleStreamVerifier) => void): Promise<BundleInfo> {
  const st = await checkHostFile(path, 'bundle', MAX_BUNDLE_FILE);
  try {
    const v = new BundleStreamVerifier({ totalSize: st.size, trusted });
    seen?.(v);
    for await (const block of createReadStream(path, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>) {
      v.push(new Uint8Array(block.buffer, block.byteOffset, block.byteLength));
    }
    return v.end();
  } catch (e) {
    if (e instanceof BundleError) throw inFile(path, e);
    if (isHilbridgeError(e)) throw e; // already says what went wrong
    throw new UsageError('file_unreadable', `cannot read bundle "${path}": ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/**
 * The first four bytes of a file (fewer when it is shorter), to tell a bundle
 * from an HXE image: a regular file no longer than `maxBytes`, else the
 * UsageError of src/image/host-file.ts naming it as `what`.
 */
export async function fileHead(path: string, what = 'file', maxBytes = Number.MAX_SAFE_INTEGER): Promise<Uint8Array> {
  await checkHostFile(path, what, maxBytes);
  try {
    const fh = await open(path, 'r');
    try {
      const buf = new Uint8Array(4);
      const { bytesRead } = await fh.read(buf, 0, 4, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (cause) {
    throw new UsageError('file_unreadable', `cannot read ${what} "${path}": ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** True when the file starts with the bundle magic "HXBN" (fileHead's refusals otherwise). */
export async function isBundleFile(path: string, what = 'file', maxBytes = Number.MAX_SAFE_INTEGER): Promise<boolean> {
  return isBundleHead(await fileHead(path, what, maxBytes));
}

