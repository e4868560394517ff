/**
 * Writing a card (`hilbridge sd write`, docs/sd.md "Card layout"): the
 * images are sized first (stat, never read before the total is known to fit
 * the largest card), planned (planCard), then written as a FAT image file
 * (its size computed, one buffer) or into a directory.
 *
 * A directory is written in an order that never leaves a card naming a file
 * that is not there: the new images (each atomically), then the manifest
 * (atomically), then the files the old manifest listed and the new one does
 * not. Only files an old manifest listed directly under `images/` are ever
 * removed; an `images/` that is a symlink is refused, and so is a directory
 * whose manifest does not parse as one.
 */
import { lstat, mkdir, readFile, rm, readdir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { checkHostFile, readHostFile } from '../image/host-file.js';
import { writeAtomically } from '../util/atomic-write.js';
import { sha256Hex } from '../util/digest.js';
import { SdError } from './errors.js';
import { MAX_VOLUME_BYTES } from './fat-layout.js';
import { fatFits, writeFatImage } from './fat-write.js';
import { type CardImageInput, type CardPlan, type CardPlanOptions, IMAGES_DIR, MANIFEST_FILE, planCard } from './layout.js';
import { MANIFEST_FILES, MAX_MANIFEST_BYTES, parseManifest } from './manifest.js';

const MIB = 1024 * 1024;
/** Sizes tried, smallest first, when no size is given. */
export const AUTO_SIZES_MIB = [4, 8, 16, 32, 64, 128, 256, 512] as const;

export interface WriteCardOptions extends CardPlanOptions {
  /** A FAT image file; else a directory. */
  readonly fat: boolean;
  /** The FAT image's size in bytes; default: the smallest of AUTO_SIZES_MIB that holds the card. */
  readonly volumeBytes?: number;
  /** The cap on each image file read. */
  readonly maxImageBytes: number;
}

export interface WrittenCard {
  readonly plan: CardPlan;
  /** The image file's size, or the bytes of the files written to a directory. */
  readonly size: number;
  /** The image file's SHA-256, null for a directory. */
  readonly sha256: string | null;
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError('file_unreadable', `cannot read "${path}": ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** Stat every image (regular file, under the cap), refuse a total above the largest card, then read them. */
export async function readCardImages(paths: readonly string[], maxImageBytes: number): Promise<CardImageInput[]> {
  let total = 0;
  for (const p of paths) total += (await checkHostFile(p, 'image', maxImageBytes)).size;
  if (total > MAX_VOLUME_BYTES) {
    throw new SdError('sd_card_too_large', `the ${paths.length} images take ${total} bytes; a card holds at most ${MAX_VOLUME_BYTES} bytes (${MAX_VOLUME_BYTES / MIB} MiB): write fewer images to this card`);
  }
  const out: CardImageInput[] = [];
  for (const p of paths) out.push({ source: p, bytes: await readHostFile(p, 'image', maxImageBytes) });
  return out;
}

/** The FAT image of a plan: `volumeBytes`, or the smallest automatic size that holds it (computed, not tried). */
export function fatCardImage(plan: CardPlan, volumeBytes?: number): Uint8Array {
  if (volumeBytes !== undefined) return writeFatImage(plan.files, volumeBytes);
  const mib = AUTO_SIZES_MIB.find((m) => fatFits(plan.files, m * MIB));
  if (mib === undefined) throw new SdError('sd_fat_full', `the card's files do not fit the largest card image (${AUTO_SIZES_MIB[AUTO_SIZES_MIB.length - 1]} MiB): write fewer images`);
  return writeFatImage(plan.files, mib * MIB);
}

/** Check the target, read and plan the images, write the card. */
export async function writeCard(target: string, imagePaths: readonly string[], opts: WriteCardOptions): Promise<WrittenCard> {
  const st = await statOrUndefined(target);
  if (st !== undefined) {
    if (opts.fat && st.isDirectory()) throw new UsageError('file_is_directory', `"${target}" is a directory: a FAT image is a file (name a file, or drop --fat to write the directory)`);
    if (!opts.fat && st.isFile()) throw new UsageError('invalid_option', `"${target}" is a file: give --fat to replace it with a FAT image, or name a directory`);
    if (!st.isFile() && !st.isDirectory()) throw new UsageError('file_not_regular', `"${target}" is neither a file nor a directory (a FIFO or a device?): name a directory or an image file`);
  }
  const plan = planCard(await readCardImages(imagePaths, opts.maxImageBytes), opts);
  if (opts.fat) {
    const bytes = fatCardImage(plan, opts.volumeBytes);
    await writeAtomically(target, bytes, 'SD card image');
    return { plan, size: bytes.length, sha256: sha256Hex(bytes) };
  }
  return { plan, size: await writeDirectoryCard(target, plan, st !== undefined), sha256: null };
}

/**
 * The card files the manifests at `dir`'s root list (paths relative to the
 * card), and which manifest files are there. A directory that is not empty
 * must hold a manifest that parses, else it is not a card and is refused.
 */
async function oldCard(dir: string): Promise<{ listed: Set<string>; manifests: string[] }> {
  const names = await readdir(dir);
  const manifests = MANIFEST_FILES.filter((m) => names.includes(m));
  const listed = new Set<string>();
  if (names.length === 0) return { listed, manifests: [] };
  if (manifests.length === 0) {
    throw new UsageError('card_not_empty', `directory "${dir}" is not empty and holds no card manifest (${MANIFEST_FILES.join(', ')}): name an empty or new directory, or an existing card`);
  }
  for (const m of manifests) {
    const p = join(dir, m);
    const notCard = (why: string, cause?: unknown): UsageError =>
      new UsageError('card_not_empty', `directory "${dir}" holds "${m}" but ${why}: it is not a card sd write may rewrite; fix or remove "${p}", or name an empty or new directory`, cause === undefined ? {} : { cause });
    const ls = await lstat(p);
    if (!ls.isFile()) throw notCard('it is not a regular file');
    if (ls.size > MAX_MANIFEST_BYTES) throw notCard(`it is ${ls.size} bytes (a manifest is at most ${MAX_MANIFEST_BYTES})`);
    let entries;
    try {
      entries = parseManifest(await readFile(p, 'utf8'), m, m.endsWith('.toml') ? 'toml' : 'json').entries;
    } catch (e) {
      throw notCard(`it is not a card manifest (${e instanceof Error ? e.message : String(e)})`, e);
    }
    for (const e of entries) listed.add(e.path);
  }
  return { listed, manifests };
}

/**
 * A directory card: refused unless empty or already a card. New images,
 * then hilbridge.json, then what only the old manifest listed (and a
 * hilbridge.toml: one manifest per card). Returns the bytes written.
 */
export async function writeDirectoryCard(dir: string, plan: CardPlan, exists: boolean): Promise<number> {
  const old = exists ? await oldCard(dir) : { listed: new Set<string>(), manifests: [] };
  const imagesDir = join(dir, IMAGES_DIR);
  let ls: Stats | undefined;
  try {
    ls = await lstat(imagesDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError('file_unreadable', `cannot read "${imagesDir}": ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (ls !== undefined && !ls.isDirectory()) {
    throw new UsageError('file_not_regular', `"${imagesDir}" is ${ls.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}: a card's ${IMAGES_DIR}/ is a directory on the card; sd write does not follow it (remove it, or name another card)`);
  }
  try {
    await mkdir(imagesDir, { recursive: true });
  } catch (e) {
    throw new UsageError('file_unwritable', `cannot create "${imagesDir}": ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  let total = 0;
  const keep = new Set<string>([MANIFEST_FILE]);
  for (const f of plan.files) {
    if (f.path === MANIFEST_FILE) continue;
    await writeAtomically(join(dir, f.path), f.bytes, 'card image file');
    keep.add(f.path);
    total += f.bytes.length;
  }
  await writeAtomically(join(dir, MANIFEST_FILE), plan.manifest, 'card manifest');
  for (const m of old.manifests) if (!keep.has(m)) await rm(join(dir, m), { force: true });
  for (const path of old.listed) {
    const parts = path.split('/');
    if (keep.has(path) || parts.length !== 2 || parts[0] !== IMAGES_DIR) continue;
    const p = join(dir, path);
    const st = await lstat(p).catch(() => undefined);
    if (st?.isFile() === true) await rm(p);
  }
  return total + new TextEncoder().encode(plan.manifest).length;
}
