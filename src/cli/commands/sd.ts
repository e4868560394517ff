/**
 * `hilbridge sd write` and `hilbridge sd check` (docs/sd.md).
 *
 *   sd write <dir|image> <image...> [--priority <list>] [--nodes <list>] [--fat] [--size <MiB>] [--json]
 *   sd check <dir|image> [--json]
 *
 * write lays out a card deterministically (src/sd writeCard) as a directory
 * or, when the target ends in .img or --fat is given, a FAT image file.
 * check opens the card (src/sd openCard) and prints every finding of
 * checkCard. Exit 0 ok, 1 a check failed or an image is invalid, 2 usage or
 * file I/O.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { AUTO_SIZES_MIB, MAX_VOLUME_BYTES, checkCard, openCard, writeCard } from '../../sd/index.js';
import { sha256Hex } from '../../util/digest.js';
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

async function write(target: string, imagePaths: string[], opts: WriteOptions): Promise<ExitCode> {
  const priorities = opts.priority === undefined ? undefined : numberList('--priority', opts.priority, 0, 0xffff);
  const nodes = opts.nodes === undefined ? undefined : numberList('--nodes', opts.nodes, 1, 254);
  const sizeMiB = optionalWholeNumber('--size', opts.size, 1, MAX_VOLUME_BYTES / MIB);
  const fat = opts.fat === true || target.toLowerCase().endsWith('.img');
  if (sizeMiB !== undefined && !fat) throw new UsageError('invalid_option', `--size applies to a FAT image; "${target}" is written as a directory (name it *.img or give --fat)`);
  if (priorities !== undefined && priorities.length !== imagePaths.length) {
    throw new UsageError('invalid_option', `--priority has ${priorities.length} values for ${imagePaths.length} images: give one per image, in the images' order`);
  }
  const { plan, size, sha256 } = await writeCard(target, imagePaths, { fat, priorities, nodes, maxImageBytes: MAX_BUNDLE_READ_BYTES, ...(sizeMiB === undefined ? {} : { volumeBytes: sizeMiB * MIB }) });
  const entries = plan.entries.map((e) => ({ index: e.index, name: e.name, path: e.path, appName: e.appName, version: e.version, kind: e.kind, size: e.size, sha256: e.sha256, priority: e.priority, nodes: [...e.nodes] }));
  const manifestSha256 = sha256Hex(new TextEncoder().encode(plan.manifest));
  if (opts.json) process.stdout.write(lineText({ event: 'sd_written', path: target, format: fat ? 'fat' : 'directory', size, sha256, manifestSha256, entries }));
  else {
    result(`wrote SD card ${target} (${fat ? `FAT image, ${size} bytes, sha256 ${sha256 ?? ''}` : `directory, ${size} bytes in ${plan.files.length} files`}): ${entries.length} image${entries.length === 1 ? '' : 's'}`);
    for (const e of entries) result(`  ${e.priority.toString().padStart(5)}  ${e.name.padEnd(16)} ${e.kind.padEnd(6)} ${e.path}  ${e.size} B  nodes ${e.nodes.length ? e.nodes.join(',') : 'all'}  sha256 ${e.sha256}`);
  }
  return ExitCode.Ok;
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
