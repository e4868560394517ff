/**
 * `hilbridge flash <image> --can <iface> --nodes <list|range|all> [--all-or-none] [--json]`:
 * one broadcast session (docs/protocol.md section 8) to many CAN nodes.
 * Parses --nodes, opens the CAN transport (never a channel: the engine's
 * broadcastFlash takes the transport), prints one progress line for the
 * session on a TTY, then the per-node table (or one `bcast_node` JSON line
 * per node and a `bcast_result`). Exit 0 only if every node is ok.
 */
import { asyncScheduler } from 'rxjs';
import { LinkError, UsageError } from '../errors.js';
import { broadcastFlash } from '../protocol/engine/index.js';
import { discover } from '../protocol/engine/discover.js';
import type { BcastProgress, BcastResult } from '../protocol/engine/index.js';
import { ImageKind } from '../protocol/messages-types.js';
import { transports } from '../transports/registry.js';
import type { CanTransport } from '../transports/types.js';
import { crc32, sha256Hex } from '../util/digest.js';
import { bcastNodeLine, bcastResultLine, crc32Hex, lineText } from './json/index.js';
import type { JsonLine } from './json/index.js';
import { cliPairs, planLink } from './link.js';
import type { LinkCliOptions } from './link.js';
import { readVerifiedImage, verifyLocalImage } from './link-image.js';
import { publicKeys } from './commands/bundle-files.js';
import { verifiedLine, verifiedText } from './flash-bundle.js';
import { info, isQuiet, result as say, stderrTerminal } from './output.js';
import type { Terminal } from './output.js';
import { ExitCode } from './run.js';

export interface NodesCliOptions extends LinkCliOptions {
  nodes?: string;
  allOrNone?: boolean;
  pub?: string[];
}

/** Parse --nodes: `3`, `1,2,5`, `1-16`, `1-4,9`, or `all` (every node discovery finds: docs/protocol.md 4.7). */
export function parseNodes(text: string): number[] | 'all' {
  const t = text.trim();
  if (t === 'all') return 'all';
  const out = new Set<number>();
  for (const part of t.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    const lo = m === null ? NaN : Number(m[1]);
    const hi = m?.[2] === undefined ? lo : Number(m[2]);
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi > 254 || hi < lo) {
      throw new UsageError('invalid_option', `--nodes "${text}": "${part}" is not a node id or range in 1..254 (e.g. 1,2,5 or 1-16 or all)`);
    }
    for (let n = lo; n <= hi; n++) out.add(n);
  }
  return [...out];
}

async function openBus(opts: NodesCliOptions): Promise<CanTransport> {
  if (opts.node !== undefined) throw new UsageError('conflicting_option', 'give --node (one board, point to point) or --nodes (a broadcast session), not both');
  if (opts.uart !== undefined) throw new UsageError('invalid_option', '--nodes needs a CAN link (--can <iface>); a UART reaches one board: use --node-less flash over --uart');
  // the link options are checked as for one node (node 1 stands in: broadcast identifiers carry no node of the link)
  const plan = planLink({ ...opts, node: '1', ext: true });
  const pair = plan.spec.options.pair;
  const t = pair === undefined
    ? (await transports.open(plan.spec, { scheduler: asyncScheduler })).transport
    : await cliPairs.end(transports, plan.spec, pair, 'host', { scheduler: asyncScheduler });
  if (t.framing !== 'can') {
    await t.close();
    throw new UsageError('invalid_option', `--nodes needs a CAN link; ${t.name} is a byte stream`);
  }
  return t;
}

/** Run a broadcast session for `flash --nodes`. */
export async function flashNodes(file: string, opts: NodesCliOptions, imagePath: string): Promise<ExitCode> {
  const json = opts.json === true;
  const line = (obj: JsonLine): void => void process.stdout.write(lineText(obj));
  const wanted = parseNodes(opts.nodes ?? '');
  const local = await verifyLocalImage(file, await publicKeys(opts.pub));
  if (json) line(verifiedLine(imagePath, local));
  else info(verifiedText(imagePath, local));
  const bytes = await readVerifiedImage(file, local, imagePath);
  const transport = await openBus(opts);
  let r: BcastResult;
  const progress = progressLine(json);
  try {
    const nodes = wanted === 'all' ? await discoveredNodes(transport, json) : wanted;
    if (!json) info(`${transport.name}: broadcast to ${nodes.length} node${nodes.length === 1 ? '' : 's'} (${nodes.join(', ')})${opts.allOrNone === true ? ', all or none' : ''}`);
    r = await broadcastFlash(transport, nodes, { bytes, kind: local.kind === 'bundle' ? ImageKind.bundle : ImageKind.hxe }, {
      allOrNone: opts.allOrNone === true, fd: transport.fd, onProgress: progress.update,
    });
  } finally {
    progress.stop();
    await transport.close();
  }
  const image = { size: bytes.length, fileCrc32: crc32Hex(crc32(bytes)), sha256: sha256Hex(bytes) };
  if (json) {
    for (const n of r.nodes) line(bcastNodeLine(n));
    line(bcastResultLine(r, image, opts.allOrNone === true));
  } else say(nodesTable(r));
  return r.ok ? ExitCode.Ok : ExitCode.Failed;
}

/** `--nodes all`: the node ids discovery finds on the bus (nodes without an id cannot join: `hilbridge discover --assign`). */
async function discoveredNodes(transport: CanTransport, json: boolean): Promise<number[]> {
  const d = await discover(transport);
  const ids = [...new Set(d.nodes.map((n) => n.nodeId).filter((n) => n !== 0))];
  const without = d.nodes.length - d.nodes.filter((n) => n.nodeId !== 0).length;
  if (!json && without > 0) info(`${without} node${without === 1 ? '' : 's'} without a node id left out: assign ids with \`hilbridge discover --assign\``);
  if (ids.length === 0) {
    throw new LinkError('peer_timeout', transport.name, `--nodes all: no node with a node id answered discovery on ${transport.name} in ${d.rounds.length} rounds: are the boards powered, in their loader, on this bus?`);
  }
  return ids;
}

/** The per-node table: node, result, bytes repaired, retries, time, error. */
export function nodesTable(r: BcastResult): string {
  const rows = [['node', 'result', 'repaired', 'retries', 'time ms', 'error'], ...r.nodes.map((n) => [
    String(n.node), n.result, String(n.bytesRepaired), String(n.retries), String(n.timeMs), n.error === undefined ? '' : `${n.error.code}: ${n.error.message}`,
  ])];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const text = rows.map((row) => row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd());
  const ok = r.nodes.filter((n) => n.result === 'ok').length;
  return `${text.join('\n')}\n${ok} of ${r.nodes.length} nodes ok in ${r.timeMs} ms (session ${r.session}, ${r.counters.repairFrames} repair frames, ${r.counters.repairPasses} repair passes)`;
}

/**
 * One progress line for the whole session, redrawn in place on a TTY (with
 * NO_COLOR: padded with spaces instead of an erase code); nothing otherwise.
 */
export function progressLine(
  json: boolean,
  term: Terminal = stderrTerminal(),
  write: (text: string) => void = (text) => void process.stderr.write(text),
): { update: (p: BcastProgress) => void; stop: () => void } {
  if (json || isQuiet() || !term.bar) return { update: () => undefined, stop: () => undefined };
  let last = 0;
  return {
    update: (p) => {
      const pct = p.totalBytes === 0 ? 100 : Math.floor((p.sentBytes / p.totalBytes) * 100);
      const text = `flash: ${p.phase} ${pct}% of ${p.totalBytes} B to ${p.activeNodes} node${p.activeNodes === 1 ? '' : 's'}, ${p.repairPasses} repair passes`;
      write(term.ansi ? `\r\x1b[2K${text}` : `\r${text.padEnd(last)}`);
      last = text.length;
    },
    stop: () => {
      if (last > 0) write('\n');
      last = 0;
    },
  };
}
