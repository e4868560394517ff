/**
 * `hilbridge fmap --fram <file> [--json]`: decode a FRAM image file offline
 * (read-only): superblocks, partitions, slots, staging, value records, wear
 * counters and every corruption found, with byte offsets. Exit 0 when an
 * image would boot or the board is simply empty, 1 when corruption leaves no
 * bootable image, 2 when the file cannot be read or is not a FRAM image.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { hex } from '../../util/hex.js';
import { MAX_FRAM_SIZE } from '../../fram/device.js';
import { FramError } from '../../fram/errors.js';
import { readHostFile } from '../../image/host-file.js';
import { decodeFramMap } from '../../fram/map.js';
import type { FramMap } from '../../fram/map-types.js';
import { runFmapOverLink } from '../link-fmap.js';
import { addLinkOptions, type LinkCliOptions } from '../link.js';
import { ExitCode, action } from '../run.js';
import { framMapJson, lineText } from '../json/index.js';

interface FmapOptions extends LinkCliOptions {
  fram?: string;
}

export function register(program: Command): void {
  addLinkOptions(
    program
      .command('fmap')
      .description('decode a FRAM image file (superblocks, slots, values, wear, corruption, with offsets), or ask a board for its FRAM map over a link')
      .option('--fram <file>', 'FRAM image file of a (virtual) board'),
  ).action(action((opts: FmapOptions) => run(opts), (opts) => opts.json === true));
}

async function run(opts: FmapOptions): Promise<ExitCode> {
  if (opts.fram === undefined) return runFmapOverLink(opts);
  if (opts.uart !== undefined || opts.can !== undefined || opts.link !== undefined) {
    throw new UsageError('conflicting_options', 'give --fram <file> (offline) or a link (over the wire), not both');
  }
  const bytes = await readHostFile(opts.fram, 'FRAM file', MAX_FRAM_SIZE);
  let map: FramMap;
  try {
    map = decodeFramMap({ size: bytes.length, read: (o, n) => bytes.slice(o, o + n) });
  } catch (cause) {
    if (cause instanceof FramError && cause.code === 'fram_too_small') {
      throw new UsageError('not_a_fram_image', `"${opts.fram}" is ${bytes.length} bytes: ${cause.message}`, { cause });
    }
    throw cause;
  }
  process.stdout.write(opts.json === true ? lineText({ event: 'fram_map', fram: opts.fram, map: framMapJson(map) }) : formatMap(opts.fram, map));
  return !map.bootable && !map.empty ? ExitCode.Failed : ExitCode.Ok;
}

const h = (n: number): string => hex(n, 4);

/** The human listing: one line per structure, offsets first. */
export function formatMap(path: string, m: FramMap): string {
  const out: string[] = [`${path}: ${m.size} bytes, layout v${m.layoutVersion}, ${m.bootable ? 'bootable' : m.empty ? 'empty (no image)' : 'NOT BOOTABLE'}`];
  out.push(`partition table ${h(m.partitionTable.offset)}: ${m.partitionTable.status}${m.partitionTable.matchesLayout ? '' : ' (does not match layout)'}`);
  for (const p of m.partitions) out.push(`  ${h(p.offset)} ${String(p.length).padStart(7)}  ${p.name}`);
  for (const s of m.superblocks) {
    const st = s.state;
    const desc = st === null ? '' : ` seq ${s.seq} active ${st.active ?? '-'} previous ${st.previous ?? '-'} ${st.trial ? `trial ${st.bootAttempts}/${st.maxAttempts}` : 'confirmed'}${st.resetPending ? ' reset-pending' : ''}`;
    out.push(`superblock ${s.copy} ${h(s.offset)}: ${s.status}${s.newest ? ' (newest)' : ''}${desc}`);
  }
  for (const s of m.slots) {
    const img = s.size === null ? '' : ` ${s.appName ?? '(unnamed)'} ${s.size} B crc ${s.crc32} sha256 ${s.sha256} gen ${s.generation} from ${s.source ?? '?'}`;
    const trial = s.trial === null ? '' : s.trial ? ` trial (${s.bootAttempts} boots)` : ' confirmed';
    out.push(`slot ${s.slot} ${h(s.headerOffset)} [${s.role}] header ${s.headerStatus}${s.verified ? ' verified' : s.problem === null ? '' : ` ${s.problem}`}${img}${trial}`);
  }
  if (m.staging !== null) {
    const held = m.staging.held.map((r) => `[${r.start},${r.end})`).join(' ') || 'nothing';
    out.push(`staging: slot ${m.staging.slot} ${m.staging.size} B sha256 ${m.staging.sha256} holds ${held}`);
  }
  for (const v of m.values) out.push(`value ${h(v.offset)} key ${v.persistKey === null ? '-' : h(v.persistKey)} ${v.status} seq ${v.seq} ${v.payload}`);
  out.push('wear: ' + m.wear.map((w) => `${w.partition} ${w.bytes} B/${w.writes} writes`).join(', '));
  for (const f of m.findings) out.push(`${f.severity.toUpperCase()} ${f.code} at ${h(f.offset)}: ${f.message}`);
  return out.join('\n') + '\n';
}
