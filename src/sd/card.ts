/**
 * An SD card: a directory (a mounted card) or a FAT image file, told apart
 * by stat. `openCard` reads and validates the manifest (`hilbridge.toml` or
 * `hilbridge.json` at the root, at most MAX_MANIFEST_BYTES); `openEntry`
 * gives an image reader (src/image/reader.ts) for one entry, after checking
 * its size and SHA-256 against the manifest. A path never leaves the card:
 * no "..", no absolute path, and in a directory no symbolic link pointing
 * outside it.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, sep } from 'node:path';
import { UsageError } from '../errors.js';
import { type ImageReader, openFileImageReader } from '../image/reader.js';
import { readHostFile } from '../image/host-file.js';
import { toHex } from '../util/hex.js';
import { SdError } from './errors.js';
import { fatImageReader } from './entry-reader.js';
import { FatVolume } from './fat-volume.js';
import { type CardEntry, MANIFEST_FILES, MAX_MANIFEST_BYTES, type ManifestFileName, type SdManifest, cardPathProblem, parseManifest } from './manifest.js';
import { fileSource } from './source.js';

export type CardFormat = 'directory' | 'fat';

export interface OpenEntryOptions {
  /** Check size and SHA-256 against the manifest (default true); `checkCard` reads a mismatching file too. */
  readonly verify?: boolean;
}

export interface Card {
  /** The path given to openCard. */
  readonly path: string;
  readonly format: CardFormat;
  /** The manifest's file name at the card root. */
  readonly manifestFile: ManifestFileName;
  readonly manifest: SdManifest;
  /** The manifest's images, in manifest order. */
  readonly entries: readonly CardEntry[];
  /** A reader of the entry's file; SdError sd_missing_file, sd_size_mismatch, sd_hash_mismatch (unless verify: false). */
  openEntry(entry: CardEntry, opts?: OpenEntryOptions): Promise<ImageReader>;
  close(): Promise<void>;
}

/** Where an entry's file is named in messages: "<card>:<path>". */
export function entryFileName(card: Pick<Card, 'path'>, entry: Pick<CardEntry, 'path'>): string {
  return `${card.path}:${entry.path}`;
}

export function entryLabel(entry: Pick<CardEntry, 'index' | 'appName'>): string {
  return `entry ${entry.index} (${JSON.stringify(entry.appName)})`;
}

async function statCard(path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : cause instanceof Error ? cause.message : String(cause);
    throw new UsageError('file_unreadable', `cannot read SD card "${path}": ${why}; name a directory (a mounted card) or a FAT image file`, { cause });
  }
}

function notACard(path: string, st: Stats): UsageError {
  const kind = st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'not a regular file';
  return new UsageError('file_not_regular', `SD card "${path}" is ${kind}; a card is a directory (a mounted card) or a FAT image file: copy the card to an image first (dd if=/dev/sdX of=card.img)`);
}

export async function openCard(path: string): Promise<Card> {
  const st = await statCard(path);
  if (st.isDirectory()) return openDirectoryCard(path);
  if (st.isFile()) return openFatCard(path, st.size);
  throw notACard(path, st);
}

/**
 * What openCard refuses before it reads a manifest, checked without keeping
 * anything open: the path is readable, a directory or a regular file, and a
 * file is a FAT volume this reader accepts (its boot sector; SdError
 * sd_fat_*). Where a card is named at start-up (`target --sd`).
 */
export async function probeCard(path: string): Promise<CardFormat> {
  const st = await statCard(path);
  if (st.isDirectory()) return 'directory';
  if (!st.isFile()) throw notACard(path, st);
  const vol = await FatVolume.open(await fileSource(path, st.size));
  await vol.close();
  return 'fat';
}

function checkSizeAndHash(card: Card, entry: CardEntry, reader: Pick<ImageReader, 'size' | 'sha256'>): void {
  const where = `${entryLabel(entry)} of ${card.path}:${card.manifestFile}`;
  if (reader.size !== entry.size) {
    throw new SdError('sd_size_mismatch', `${where}: "${entry.path}" is ${reader.size} bytes, the manifest says ${entry.size}: the file was changed after the card was written; write the card again (hilbridge sd write)`, { path: entry.path, field: `images[${entry.index}].size` });
  }
  const actual = toHex(reader.sha256);
  if (actual !== entry.sha256) {
    throw new SdError('sd_hash_mismatch', `${where}: "${entry.path}" has SHA-256 ${actual}, the manifest says ${entry.sha256}: the file was changed or corrupted after the card was written`, { path: entry.path, field: `images[${entry.index}].sha256` });
  }
}

function missing(card: { path: string; manifestFile: string }, entry: CardEntry, why: string): SdError {
  return new SdError('sd_missing_file', `${entryLabel(entry)} of ${card.path}:${card.manifestFile}: "${entry.path}" ${why}: copy the image to the card, or fix images[${entry.index}].path`, { path: entry.path, field: `images[${entry.index}].path` });
}

function pathSafe(entry: CardEntry): void {
  const problem = cardPathProblem(entry.path);
  if (problem !== undefined) throw new SdError('sd_path_invalid', `${entryLabel(entry)}: path "${entry.path}" ${problem}`, { path: entry.path, field: `images[${entry.index}].path` });
}

async function openDirectoryCard(path: string): Promise<Card> {
  const names = await readdir(path).catch((cause: unknown) => {
    throw new UsageError('file_unreadable', `cannot list SD card directory "${path}": ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  });
  const manifestFile = pickManifest(names, path);
  const text = Buffer.from(await readHostFile(join(path, manifestFile), 'SD card manifest', MAX_MANIFEST_BYTES)).toString('utf8');
  const { manifest, entries } = parseManifest(text, `${path}/${manifestFile}`, manifestFile.endsWith('.toml') ? 'toml' : 'json');
  const root = await realpath(path);
  const card: Card = {
    path,
    format: 'directory',
    manifestFile,
    manifest,
    entries,
    async openEntry(entry, opts = {}) {
      pathSafe(entry);
      let real: string;
      try {
        real = await realpath(join(root, entry.path));
      } catch {
        throw missing(card, entry, 'is not on the card');
      }
      if (!real.startsWith(root + sep)) throw new SdError('sd_path_invalid', `${entryLabel(entry)}: "${entry.path}" resolves to ${real}, outside the card ${root} (a symbolic link?)`, { path: entry.path, field: `images[${entry.index}].path` });
      if (opts.verify !== false) {
        // a file of the wrong size is refused before it is read (and hashed) whole
        const size = (await stat(real).catch(() => undefined))?.size;
        if (size !== undefined && size !== entry.size) checkSizeAndHash(card, entry, { size, sha256: new Uint8Array(32) });
      }
      const reader = await openFileImageReader(real);
      const named: ImageReader = { ...reader, name: entryFileName(card, entry), read: (o, l) => reader.read(o, l), close: () => reader.close() };
      if (opts.verify !== false) {
        try {
          checkSizeAndHash(card, entry, named);
        } catch (e) {
          await reader.close();
          throw e;
        }
      }
      return named;
    },
    close: () => Promise.resolve(),
  };
  return card;
}

function pickManifest(names: readonly string[], path: string): ManifestFileName {
  const found = MANIFEST_FILES.filter((m) => names.some((n) => n.toLowerCase() === m));
  if (found.length === 0) throw new SdError('sd_manifest_missing', `SD card "${path}" has no ${MANIFEST_FILES.join(' or ')} at its root: write the card with hilbridge sd write, or add a manifest (docs/sd.md)`, { path: MANIFEST_FILES[0] });
  if (found.length > 1) throw new SdError('sd_manifest_ambiguous', `SD card "${path}" has both ${MANIFEST_FILES.join(' and ')} at its root: keep one`, { path: MANIFEST_FILES[0] });
  const want = found[0] as ManifestFileName;
  const actual = names.find((n) => n.toLowerCase() === want);
  if (actual !== want) throw new SdError('sd_manifest_missing', `SD card "${path}": the manifest is named "${actual ?? ''}"; name it ${want} (lower case)`, { path: want });
  return want;
}

async function openFatCard(path: string, size: number): Promise<Card> {
  const vol = await FatVolume.open(await fileSource(path, size));
  try {
    const rootNames = (await vol.list('/')).filter((e) => !e.isDirectory).map((e) => e.name.toLowerCase());
    const found = MANIFEST_FILES.filter((m) => rootNames.includes(m));
    if (found.length === 0) throw new SdError('sd_manifest_missing', `SD card image "${path}" has no ${MANIFEST_FILES.join(' or ')} at its root: write the card with hilbridge sd write, or add a manifest (docs/sd.md)`, { path: MANIFEST_FILES[0] });
    if (found.length > 1) throw new SdError('sd_manifest_ambiguous', `SD card image "${path}" has both ${MANIFEST_FILES.join(' and ')} at its root: keep one`, { path: MANIFEST_FILES[0] });
    const manifestFile = found[0] as ManifestFileName;
    const f = await vol.openFile(manifestFile);
    if (f.size > MAX_MANIFEST_BYTES) throw new SdError('sd_file_too_large', `SD card image "${path}": ${manifestFile} is ${f.size} bytes; a manifest is at most ${MAX_MANIFEST_BYTES}`, { path: manifestFile });
    const text = Buffer.from(await f.read(0, f.size)).toString('utf8');
    const { manifest, entries } = parseManifest(text, `${path}:${manifestFile}`, manifestFile.endsWith('.toml') ? 'toml' : 'json');
    const card: Card = {
      path,
      format: 'fat',
      manifestFile,
      manifest,
      entries,
      async openEntry(entry, opts = {}) {
        pathSafe(entry);
        const e = await vol.stat(entry.path);
        if (e === undefined) throw missing(card, entry, 'is not on the card');
        if (e.isDirectory) throw missing(card, entry, 'is a directory');
        if (opts.verify !== false && e.size !== entry.size) checkSizeAndHash(card, entry, { size: e.size, sha256: new Uint8Array(32) });
        const reader = await fatImageReader(vol.fileOf(entry.path, e), entryFileName(card, entry));
        if (opts.verify !== false) checkSizeAndHash(card, entry, reader);
        return reader;
      },
      close: () => vol.close(),
    };
    return card;
  } catch (e) {
    await vol.close();
    throw e;
  }
}
