/**
 * `hilbridge inspect <images...> [--json]`: verify HXE images and show what
 * is in them, every file with its own result. A bundle (docs/bundle.md) is
 * shown with its manifest, segments, signer and each hxe segment
 * (inspect-bundle.ts). Exit 0 when every image is
 * valid, 1 when any is invalid, 2 when any file cannot be read (not a regular
 * file, a directory, missing, or longer than any HXE image can be).
 */
import type { Command } from 'commander';
import { asHilbridgeError, type HilbridgeError } from '../../errors.js';
import { readHostFile } from '../../image/host-file.js';
import { hex as x } from '../../util/hex.js';
import { AuthLevel, CmdFlag, MailboxMode, MAX_HXE_FILE_SIZE, ValueFlag } from '../../hxe/constants.js';
import type { HxeCommand, HxeImage, HxeMailbox, HxeValue } from '../../hxe/image.js';
import { inspectHxe, type InspectResult } from '../../hxe/parse.js';
import { capabilityNames } from '../../hxe/policy.js';
import { ExitCode, action, exitCodeFor } from '../run.js';
import { crc32Hex, lineText } from '../json/index.js';
import type { JsonLineOf } from '../json/index.js';
import { crc32 } from '../../util/digest.js';
import { isBundleFile } from './bundle-files.js';
import { inspectBundle } from './inspect-bundle.js';

interface InspectOptions {
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('inspect')
    .description('verify HXE images (and bundles) and print their header, checksums and metadata')
    .argument('<images...>', 'HXE image or bundle files')
    .option('--json', 'one JSON object per image per line')
    .action(action((images: string[], opts: InspectOptions) => run(images, opts), (_images, opts) => opts.json === true));
}

async function run(images: string[], opts: InspectOptions): Promise<ExitCode> {
  let exit: ExitCode = ExitCode.Ok;
  for (const path of images) {
    // one file at a time, each with its own result: a bad file never hides the next one
    let result: InspectResult;
    let fileCrc32: string;
    if (await isBundleFile(path).catch(() => false)) { // an unreadable file: the HXE path below reports it
      exit = Math.max(exit, await inspectBundle(path, opts.json === true)) as ExitCode;
      continue;
    }
    try {
      const bytes = await readHostFile(path, 'image', MAX_HXE_FILE_SIZE);
      result = inspectHxe(bytes);
      fileCrc32 = crc32Hex(crc32(bytes));
    } catch (e) {
      const err = asHilbridgeError(e);
      exit = Math.max(exit, exitCodeFor(err)) as ExitCode;
      process.stdout.write(opts.json ? lineText(failedJson(path, err)) : `${path}: ERROR [${err.code}] ${err.message}\n`);
      continue;
    }
    if (!result.valid) exit = Math.max(exit, ExitCode.Failed) as ExitCode;
    process.stdout.write(opts.json ? lineText(toJson(result, path, fileCrc32)) : formatHuman(path, result));
  }
  return exit;
}

/** The `--json` line of a file that could not be read or checked: the same keys, all but path and error null. */
function failedJson(path: string, err: HilbridgeError): JsonLineOf<'image'> {
  const nulls = Object.fromEntries(JSON_KEYS.map((k) => [k, null])) as Record<(typeof JSON_KEYS)[number], null>;
  return { event: 'image', path, valid: false, error: { code: err.code, message: err.message, offset: null }, ...nulls };
}

const JSON_KEYS = [
  'version', 'flags', 'entry', 'codeLen', 'roLen', 'bssSize', 'reqCaps', 'headerCrc32', 'computedHeaderCrc32', 'appName', 'allowMultipleInstances',
  'metaOffset', 'metaCount', 'size', 'fileCrc32', 'sha256', 'values', 'commands', 'mailboxes',
] as const;

/** The `--json` object for one image: exactly the documented keys, null where unknown. */
export function toJson(r: InspectResult, path: string, fileCrc32: string | null): JsonLineOf<'image'> {
  const img: HxeImage | undefined = r.valid ? r.image : undefined;
  const h = r.valid ? r.image : r.header;
  const computed = r.valid ? r.image.computedCrc32 : r.computedCrc32;
  return {
    event: 'image',
    path,
    valid: r.valid,
    error: r.valid ? null : { code: r.error.code, message: r.error.message, offset: r.error.offset ?? null },
    version: h?.version ?? null,
    flags: h?.flags ?? null,
    entry: h?.entry ?? null,
    codeLen: h?.codeLen ?? null,
    roLen: h?.roLen ?? null,
    bssSize: h?.bssSize ?? null,
    reqCaps: h?.reqCaps ?? null,
    headerCrc32: h === undefined || h === null ? null : crc32Hex(h.crc32),
    computedHeaderCrc32: computed === null ? null : crc32Hex(computed),
    appName: r.valid ? r.image.appName : r.appName,
    allowMultipleInstances: r.valid ? r.image.allowMultipleInstances : r.allowMultipleInstances,
    metaOffset: h?.metaOffset ?? null,
    metaCount: h?.metaCount ?? null,
    size: r.valid ? r.image.size : r.size,
    fileCrc32,
    sha256: r.valid ? r.image.sha256 : r.sha256,
    values: img ? img.values.map((v) => ({ ...v })) : null,
    commands: img ? img.commands.map((c) => ({ ...c })) : null,
    mailboxes: img ? img.mailboxes.map((m) => ({ ...m, bindings: m.bindings.map((b) => ({ ...b })) })) : null,
  };
}

function bits(mask: number, table: Record<string, number>): string {
  const names = Object.entries(table)
    .filter(([, bit]) => (mask & bit) === bit && bit !== 0)
    .map(([name]) => name.toLowerCase());
  return names.length ? names.join(',') : '-';
}

function authName(level: number): string {
  return AuthLevel[level] ?? `level ${level}`;
}

function formatValue(v: HxeValue): string {
  const name = v.name ?? '(unnamed)';
  const unit = v.unit ? ` ${v.unit}` : '';
  const group = v.groupName ? ` group "${v.groupName}"` : '';
  const persist = v.persistKey ? ` persist key ${x(v.persistKey, 4)}` : '';
  return `    ${v.groupId}.${v.valueId} ${name} = ${v.init}${unit} (raw ${x(v.initRaw, 4)}) flags ${bits(v.flags, ValueFlag)} auth ${authName(v.authLevel)}${persist}${group}\n`;
}

function formatCommand(c: HxeCommand): string {
  const help = c.help ? ` "${c.help}"` : '';
  const group = c.groupName ? ` group "${c.groupName}"` : '';
  return `    ${c.groupId}.${c.cmdId} ${c.name ?? '(unnamed)'} handler ${x(c.handlerOffset)} flags ${bits(c.flags, CmdFlag)} auth ${authName(c.authLevel)}${group}${help}\n`;
}

/** "RDWR|FANOUT" style names of a mailbox mode mask. */
function modeNames(mask: number): string {
  const rw = mask & MailboxMode.RDWR;
  const names = rw === MailboxMode.RDWR ? ['RDWR'] : rw === MailboxMode.RDONLY ? ['RDONLY'] : rw === MailboxMode.WRONLY ? ['WRONLY'] : [];
  for (const name of ['TAP', 'FANOUT', 'FANOUT_DROP', 'FANOUT_BLOCK'] as const) if (mask & MailboxMode[name]) names.push(name);
  return names.join('|') || '-';
}

function formatMailbox(m: HxeMailbox): string {
  const owner = m.ownerPid === null ? '' : ` owner pid ${m.ownerPid}`;
  const bindings = m.bindings.length ? ` bindings ${m.bindings.map((b) => `pid ${b.pid}/flags ${x(b.flags)}`).join(', ')}` : '';
  return `    ${m.target} capacity ${m.capacity} mode ${modeNames(m.modeMask)} (${x(m.modeMask, 2)})${owner}${bindings}\n`;
}

function caps(mask: number): string {
  return mask === 0 ? 'none' : `${capabilityNames(mask).join(', ')} (${x(mask)})`;
}

/** Human summary of one image. */
export function formatHuman(path: string, r: InspectResult): string {
  const lines: string[] = [];
  const h = r.valid ? r.image : r.header;
  if (r.valid) lines.push(`${path}: valid HXE v${r.image.version} image`);
  else lines.push(`${path}: INVALID [${r.error.code}] ${r.error.message}`);
  const appName = r.valid ? r.image.appName : r.appName;
  const multi = r.valid ? r.image.allowMultipleInstances : r.allowMultipleInstances;
  const computed = r.valid ? r.image.computedCrc32 : r.computedCrc32;
  if (h) {
    const policy = multi ? 'multiple instances allowed (<name>_#N)' : 'single instance (a second load is refused with EEXIST)';
    lines.push(`  app name      ${appName ?? '(unnamed)'}, ${policy}`);
    lines.push(`  header        version ${h.version}, flags ${x(h.flags, 4)}, entry ${x(h.entry)}`);
    lines.push(`  sizes         code ${h.codeLen} B, rodata ${h.roLen} B, bss ${h.bssSize} B`);
    const crcState = computed === null ? 'not computed' : computed === h.crc32 ? 'ok' : `MISMATCH, computed ${x(computed, 8)}`;
    lines.push(`  crc32         ${x(h.crc32, 8)} (${crcState})`);
    lines.push(`  requires      ${caps(h.reqCaps)}`);
    if (h.version >= 2) lines.push(`  metadata      ${h.metaCount ? `table at ${x(h.metaOffset)}, ${h.metaCount} section${h.metaCount === 1 ? "" : "s"}` : 'none'}`);
  }
  lines.push(`  file          ${r.valid ? r.image.size : r.size} bytes, sha256 ${r.valid ? r.image.sha256 : r.sha256}`);
  let out = lines.join('\n') + '\n';
  if (r.valid) {
    const img = r.image;
    if (img.values.length) out += `  values (${img.values.length})\n` + img.values.map(formatValue).join('');
    if (img.commands.length) out += `  commands (${img.commands.length})\n` + img.commands.map(formatCommand).join('');
    if (img.mailboxes.length) out += `  mailboxes (${img.mailboxes.length}, ${img.mailboxForm} form)\n` + img.mailboxes.map(formatMailbox).join('');
  }
  return out;
}
