/**
 * `hilbridge sd write` and `hilbridge sd check` (docs/sd.md).
 *
 *   sd write <dir|image> <image...> [--priority <list>] [--nodes <list>] [--fat] [--size <MiB>] [--json]
 *   sd check <dir|image> [--json]
 *
 * write lays out a card deterministically (src/sd planCard) as a directory
 * or, when the target ends in .img or --fat is given, a FAT image file
 * (writeFatImage); every file is written atomically, the manifest last.
 * check opens the card (src/sd openCard) and prints every finding of
 * checkCard. Exit 0 ok, 1 a check failed or an image is invalid, 2 usage or
 * file I/O.
 */
import { lstat, mkdir, readdir, rm, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { readHostFile } from '../../image/host-file.js';
import { IMAGES_DIR, MANIFEST_FILE, MANIFEST_FILES, MAX_VOLUME_BYTES, SdError, checkCard, openCard, planCard, writeFatImage, type CardPlan } from '../../sd/index.js';
import { sha256Hex } from '../../util/digest.js';
import { writeAtomically } from '../atomic-write.js';
import { lineText } from '../json/index.js';
import { optionalWholeNumber, wholeNumber } from '../numbers.js';
import { result } from '../output.js';
import { ExitCode, action } from '../run.js';
import { MAX_BUNDLE_READ_BYTES } from './bundle-files.js';

interface WriteOptions {
  priority?: string;
  nodes?: string;
  fat?: boolean;
  size?: string;
  json?: boolean;
}

const MIB = 1024 * 1024;
/** Sizes tried, smallest first, when --size is not given. */
const AUTO_SIZES_MIB = [4, 8, 16, 32, 64, 128, 256, 512];

export function register(program: Command): void {
  const sd = program.command('sd').description('SD cards for offline provisioning: lay one out (sd write), verify one (sd check); docs/sd.md');
  sd.command('write')
    .description('lay out a card deterministically: the images under images/ and hilbridge.json; a FAT image file when the target ends in .img or with --fat, else a directory')
    .argument('<card>', 'the card: a directory (created when missing), or a FAT image file (.img, or --fat)')
    .argument('<images...>', 'HXE images and bundles, in boot order unless --priority says otherwise')
    .option('--priority <list>', 'comma-separated boot priorities, one per image in order (lower boots first; default 0,1,2,...)')
    .option('--nodes <list>', 'comma-separated node ids (1..254) every entry is for (default: every node)')
    .option('--fat', 'write a FAT image file whatever the target is named')
    .option('--size <MiB>', `size of the FAT image in MiB (1..${MAX_VOLUME_BYTES / MIB}; default: the smallest of ${AUTO_SIZES_MIB.join(', ')} that holds the card)`)
    .option('--json', 'print the result as one JSON line')
    .action(action((card: string, images: string[], opts: WriteOptions) => write(card, images, opts), (_c, _i, opts) => opts.json === true));
  sd.command('check')
    .description('verify a card: the manifest, every entry (file, size, SHA-256, HXE or bundle checks), the manifest rules')
    .argument('<card>', 'a directory (a mounted card) or a FAT image file')
    .option('--json', 'print the result as one JSON line')
    .action(action((card: string, opts: { json?: boolean }) => check(card, opts), (_c, opts) => opts.json === true));
}

function numberList(option: string, text: string, min: number, max: number): number[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.some((p) => p === '')) throw new UsageError('invalid_option', `${option} "${text}": a comma-separated list of whole numbers in ${min}..${max}`);
  return parts.map((p) => wholeNumber(option, p, min, max));
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError('file_unreadable', `cannot read "${path}": ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

async function write(target: string, imagePaths: string[], opts: WriteOptions): Promise<ExitCode> {
  const priorities = opts.priority === undefined ? undefined : numberList('--priority', opts.priority, 0, 0xffff);
  const nodes = opts.nodes === undefined ? undefined : numberList('--nodes', opts.nodes, 1, 254);
  const sizeMiB = optionalWholeNumber('--size', opts.size, 1, MAX_VOLUME_BYTES / MIB);
  const fat = opts.fat === true || target.toLowerCase().endsWith('.img');
  if (sizeMiB !== undefined && !fat) throw new UsageError('invalid_option', `--size applies to a FAT image; "${target}" is written as a directory (name it *.img or give --fat)`);
  if (priorities !== undefined && priorities.length !== imagePaths.length) {
    throw new UsageError('invalid_option', `--priority has ${priorities.length} values for ${imagePaths.length} images: give one per image, in the images' order`);
  }
  const st = await statOrUndefined(target);
  if (st !== undefined) {
    if (fat && st.isDirectory()) throw new UsageError('file_is_directory', `"${target}" is a directory: a FAT image is a file (name a file, or drop --fat to write the directory)`);
    if (!fat && st.isFile()) throw new UsageError('invalid_option', `"${target}" is a file: give --fat to replace it with a FAT image, or name a directory`);
    if (!st.isFile() && !st.isDirectory()) throw new UsageError('file_not_regular', `"${target}" is neither a file nor a directory (a FIFO or a device?): name a directory or an image file`);
  }
  const images = [];
  for (const p of imagePaths) images.push({ source: p, bytes: await readHostFile(p, 'image', MAX_BUNDLE_READ_BYTES) });
  const plan = planCard(images, { priorities, nodes });
  let size: number;
  let sha256: string | null = null;
  if (fat) {
    const bytes = fatImage(plan, sizeMiB);
    await writeAtomically(target, bytes, 'SD card image');
    size = bytes.length;
    sha256 = sha256Hex(bytes);
  } else {
    size = await writeDirectory(target, plan, st !== undefined);
  }
  const entries = plan.entries.map((e) => ({ index: e.index, name: e.name, path: e.path, appName: e.appName, version: e.version, kind: e.kind, size: e.size, sha256: e.sha256, priority: e.priority, nodes: [...e.nodes] }));
  const manifestSha256 = sha256Hex(new TextEncoder().encode(plan.manifest));
  if (opts.json) process.stdout.write(lineText({ event: 'sd_written', path: target, format: fat ? 'fat' : 'directory', size, sha256, manifestSha256, entries }));
  else {
    result(`wrote SD card ${target} (${fat ? `FAT image, ${size} bytes, sha256 ${sha256 ?? ''}` : `directory, ${size} bytes in ${plan.files.length} files`}): ${entries.length} image${entries.length === 1 ? '' : 's'}`);
    for (const e of entries) result(`  ${e.priority.toString().padStart(5)}  ${e.name.padEnd(16)} ${e.kind.padEnd(6)} ${e.path}  ${e.size} B  nodes ${e.nodes.length ? e.nodes.join(',') : 'all'}  sha256 ${e.sha256}`);
  }
  return ExitCode.Ok;
}

function fatImage(plan: CardPlan, sizeMiB: number | undefined): Uint8Array {
  if (sizeMiB !== undefined) return writeFatImage(plan.files, sizeMiB * MIB);
  for (const mib of AUTO_SIZES_MIB) {
    try {
      return writeFatImage(plan.files, mib * MIB);
    } catch (e) {
      if (!(e instanceof SdError && e.code === 'sd_fat_full') || mib === AUTO_SIZES_MIB[AUTO_SIZES_MIB.length - 1]) throw e;
    }
  }
  throw new SdError('sd_fat_full', 'the images do not fit the largest card image'); // unreachable: the last size rethrows
}

/**
 * A directory card: refused unless empty or already a card (a manifest at
 * its root). Images are written under images/ (files there the new
 * manifest does not list are removed), then hilbridge.json; a
 * hilbridge.toml is removed (one manifest per card). Returns the bytes written.
 */
async function writeDirectory(dir: string, plan: CardPlan, exists: boolean): Promise<number> {
  if (exists) {
    const names = await readdir(dir);
    if (names.length > 0 && !names.some((n) => (MANIFEST_FILES as readonly string[]).includes(n))) {
      throw new UsageError('card_not_empty', `directory "${dir}" is not empty and holds no card manifest (${MANIFEST_FILES.join(', ')}): name an empty or new directory, or an existing card`);
    }
  }
  try {
    await mkdir(join(dir, IMAGES_DIR), { recursive: true });
  } catch (e) {
    throw new UsageError('file_unwritable', `cannot create "${join(dir, IMAGES_DIR)}": ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  let total = 0;
  const keep = new Set<string>();
  for (const f of plan.files) {
    if (f.path === MANIFEST_FILE) continue;
    await writeAtomically(join(dir, f.path), f.bytes, 'card image file');
    keep.add(f.path.slice(IMAGES_DIR.length + 1));
    total += f.bytes.length;
  }
  for (const name of await readdir(join(dir, IMAGES_DIR))) {
    if (keep.has(name)) continue;
    const p = join(dir, IMAGES_DIR, name);
    if ((await lstat(p)).isFile()) await rm(p);
  }
  await rm(join(dir, 'hilbridge.toml'), { force: true });
  await writeAtomically(join(dir, MANIFEST_FILE), plan.manifest, 'card manifest');
  return total + new TextEncoder().encode(plan.manifest).length;
}

async function check(path: string, opts: { json?: boolean }): Promise<ExitCode> {
  const card = await openCard(path);
  try {
    const report = await checkCard(card);
    if (opts.json) {
      process.stdout.write(lineText({ event: 'sd_check', path: report.path, format: report.format, manifestFile: report.manifestFile, ok: report.ok, entries: report.entries.map((e) => ({ ...e })), findings: report.findings.map((f) => ({ ...f })) }));
    } else {
      const errors = report.findings.filter((f) => f.severity === 'error').length;
      const warnings = report.findings.length - errors;
      result(`${path}: ${report.format === 'fat' ? 'FAT image' : 'directory'}, manifest ${report.manifestFile}, ${report.entries.length} entr${report.entries.length === 1 ? 'y' : 'ies'}: ${report.ok ? 'OK' : 'FAILED'} (${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'})`);
      for (const e of report.entries) result(`  entry ${e.index} ${e.name} (${e.kind}, ${e.path}): ${e.ok ? 'ok' : 'FAILED'}${e.size === null ? '' : `, ${e.size} B, sha256 ${e.sha256 ?? ''}`}`);
      for (const f of report.findings) result(`  ${f.severity === 'error' ? 'ERROR' : 'WARNING'} [${f.code}] ${f.message}`);
    }
    return report.ok ? ExitCode.Ok : ExitCode.Failed;
  } finally {
    await card.close();
  }
}
