/**
 * The host preload source: a directory of images on the host (`hilbridge
 * target --host-preload <dir>`). Every regular file named *.hxe or *.hxb is
 * an entry for every node, in name order (the first file has the highest
 * priority); size and SHA-256 are the file's own, read once when listed.
 * Bounded: at most MAX_PRELOAD_FILES entries.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { isBundleHead } from '../bundle/index.js';
import { type ImageReader, openFileImageReader } from '../image/reader.js';
import { toHex } from '../util/hex.js';
import type { ImageSource, ProvisionEntry } from './provision-source.js';

export const MAX_PRELOAD_FILES = 64;
const IMAGE_FILE = /\.(hxe|hxb)$/i;

export async function hostPreloadSource(dir: string): Promise<ImageSource> {
  let isDir: boolean;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch (cause) {
    throw new UsageError('file_unreadable', `host preload directory "${dir}" cannot be read: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  if (!isDir) throw new UsageError('invalid_option', `--host-preload "${dir}" is not a directory: name a directory of .hxe/.hxb images`);
  return {
    name: dir,
    async list(): Promise<readonly ProvisionEntry[]> {
      const names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile() && IMAGE_FILE.test(d.name)).map((d) => d.name).sort();
      if (names.length > MAX_PRELOAD_FILES) throw new UsageError('invalid_option', `host preload directory "${dir}" holds ${names.length} images; at most ${MAX_PRELOAD_FILES}`);
      const out: ProvisionEntry[] = [];
      for (const [i, name] of names.entries()) {
        const r = await openFileImageReader(join(dir, name));
        try {
          const head = r.size >= 4 ? await r.read(0, 4) : new Uint8Array(0);
          out.push({ name, path: name, appName: null, version: null, sha256: toHex(r.sha256), size: r.size, kind: isBundleHead(head) ? 'bundle' : 'hxe', priority: i, nodes: [], values: [], fallback: null });
        } finally {
          await r.close();
        }
      }
      return out;
    },
    open: (entry: ProvisionEntry): Promise<ImageReader> => openFileImageReader(join(dir, entry.path)),
    close: () => Promise.resolve(),
  };
}
