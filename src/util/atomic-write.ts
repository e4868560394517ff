/**
 * Files hilbridge writes (pack's image, image build's bundle and manifest,
 * sign's bundle, sd write's card files): never half-written, whatever fails.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../errors.js';

/** Write to a temp file in the target directory, fsync, rename over `path`; on failure remove the temp file. */
export async function writeAtomically(path: string, bytes: Uint8Array | string, what: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (cause) {
    await rm(tmp, { force: true }).catch(() => undefined);
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new UsageError('file_unwritable', `cannot write ${what} "${path}": ${why}; check that the directory exists and is writable`, { cause });
  }
}
