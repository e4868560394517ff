/**
 * Files on the host that a command reads whole (an HXE image to inspect, a
 * description and segments to pack, a FRAM image to map) or streams (a
 * capture to decode, an image to flash), read with bounds: only regular
 * files (a FIFO would block at open, /dev/zero never ends), never more than
 * the format allows. Every refusal is a UsageError (exit 2) naming the file
 * and what to do.
 */
import { open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';

/**
 * Stat `path` and refuse anything but a regular file of at most `maxBytes`.
 * `what` names the file's role in messages ("image", "FRAM file").
 */
export async function checkHostFile(path: string, what: string, maxBytes: number): Promise<Stats> {
  let st: Stats;
  try {
    st = await stat(path);
  } catch (cause) {
    throw unreadable(path, what, cause);
  }
  if (st.isDirectory()) {
    throw new UsageError('file_is_directory', `${what} "${path}" is a directory: name a file in it`);
  }
  if (!st.isFile()) {
    const kind = st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'not a regular file';
    throw new UsageError('file_not_regular', `${what} "${path}" is ${kind}; hilbridge reads a ${what} from a regular file only: save it to a file first`);
  }
  if (st.size > maxBytes) throw tooLarge(path, what, `is ${st.size} bytes`, maxBytes);
  return st;
}

/**
 * A file a command opens for writing and creates when missing (a FRAM file):
 * when it exists it must be a regular file; when it does not, its directory
 * must exist. Refusals are UsageErrors (exit 2) naming the file or directory.
 */
export async function checkFileToCreate(path: string, what: string): Promise<void> {
  let st: Stats;
  try {
    st = await stat(path);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw unreadable(path, what, cause);
    const dir = dirname(resolve(path));
    let d: Stats;
    try {
      d = await stat(dir);
    } catch (dirCause) {
      const why = (dirCause as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${String(dirCause)})`;
      throw new UsageError('file_unreadable', `cannot create ${what} "${path}": its directory "${dir}" ${why}; create the directory first or name a file in one that exists`, { cause: dirCause });
    }
    if (!d.isDirectory()) throw new UsageError('file_unreadable', `cannot create ${what} "${path}": "${dir}" is not a directory`);
    return;
  }
  if (st.isDirectory()) throw new UsageError('file_is_directory', `${what} "${path}" is a directory: name a file in it`);
  if (!st.isFile()) throw new UsageError('file_not_regular', `${what} "${path}" is not a regular file: name a regular file (it is created when missing)`);
}

/** Read a regular file whole, refusing it past `maxBytes` (also when it grows while being read). */
export async function readHostFile(path: string, what: string, maxBytes: number): Promise<Uint8Array> {
  const st = await checkHostFile(path, what, maxBytes);
  try {
    const fh = await open(path, 'r');
    try {
      // one byte more than allowed: a file that grew since stat is caught, never read past the cap
      const buf = new Uint8Array(Math.min(st.size, maxBytes) + 1);
      let got = 0;
      for (;;) {
        const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
        if (bytesRead === 0) break;
        got += bytesRead;
        if (got > maxBytes) throw tooLarge(path, what, `grew past ${maxBytes} bytes while being read`, maxBytes);
        if (got === buf.length) break;
      }
      return buf.subarray(0, got);
    } finally {
      await fh.close();
    }
  } catch (cause) {
    if (cause instanceof UsageError) throw cause;
    throw unreadable(path, what, cause);
  }
}

function unreadable(path: string, what: string, cause: unknown): UsageError {
  const code = (cause as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : cause instanceof Error ? cause.message : String(cause);
  return new UsageError('file_unreadable', `cannot read ${what} "${path}": ${why}`, { cause });
}

function tooLarge(path: string, what: string, found: string, max: number): UsageError {
  return new UsageError('file_too_large', `${what} "${path}" ${found}; a ${what} is at most ${max} bytes: is this the right file?`);
}
