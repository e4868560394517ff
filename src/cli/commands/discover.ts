/**
 * `hilbridge discover (--can <iface> | --link <spec>) [--fd] [--ext] [--assign]
 * [--spread <ms>] [--max-rounds <n>] [--json]`: find every node on a CAN bus
 * (docs/protocol.md 4.7): node id, hardware id, protocol version,
 * capabilities, state, active image. With --assign, nodes without a node id
 * get the lowest free ones (1..31, or 1..254 with --ext), by hardware id.
 * Exit 0 when the answers were stable, no node id is held twice and every
 * assignment took; 1 otherwise; 2 bad options; 3 the link failed.
 */
import { asyncScheduler } from 'rxjs';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { GroupListener, discoverWith } from '../../protocol/engine/discover.js';
import type { DiscoveredNode, DiscoveryResult } from '../../protocol/engine/discover.js';
import { assignNodeIds } from '../../protocol/engine/discover-assign.js';
import type { AssignOutcome } from '../../protocol/engine/discover-assign.js';
import { parseLinkSpec, transports } from '../../transports/registry.js';
import type { LinkSpec } from '../../transports/registry.js';
import { lineText } from '../json/index.js';
import type { JsonLine } from '../json/index.js';
import { optionalWholeNumber } from '../numbers.js';
import { ExitCode, action } from '../run.js';

interface DiscoverCliOptions {
  can?: string;
  link?: string;
  fd?: boolean;
  ext?: boolean;
  assign?: boolean;
  spread?: string;
  maxRounds?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('discover')
    .description('find every node on a CAN bus (node id, hardware id, protocol, capabilities, state, active image); --assign gives node ids to nodes without one')
    .option('--can <iface>', 'SocketCAN interface, e.g. can0 or vcan0')
    .option('--link <spec>', 'a CAN link spec: can:<iface>[,fd=1] or canbus:<name> (the in-process emulator bus)')
    .option('--fd', 'CAN FD (64-byte segments)')
    .option('--ext', 'the nodes use 29-bit identifiers: --assign may give ids up to 254 (default 31)')
    .option('--assign', 'give the lowest free node ids to nodes that have none, by hardware id')
    .option('--spread <ms>', 'nodes spread their answers over this many ms (default 20)')
    .option('--max-rounds <n>', 'most DISCOVER rounds (default 16)')
    .option('--json', 'JSON lines on stdout: node, assigned, discovery')
    .action(action((opts: DiscoverCliOptions) => run(opts), (opts) => opts.json === true));
}

function planSpec(o: DiscoverCliOptions): LinkSpec {
  if ((o.can === undefined) === (o.link === undefined)) {
    throw new UsageError('missing_link', o.can === undefined ? 'discover needs a CAN bus: --can <iface> or --link <spec>' : 'give one link, not --can and --link');
  }
  if (o.can !== undefined) {
    if (o.can === '') throw new UsageError('invalid_option', '--can needs an interface name, e.g. can0');
    return { text: `can:${o.can}`, kind: 'can', address: o.can, options: o.fd === true ? { fd: '1' } : {} };
  }
  const spec = parseLinkSpec(o.link!);
  if (spec.kind !== 'can' && spec.kind !== 'canbus') {
    throw new UsageError('invalid_option', `--link ${spec.text}: discover needs a CAN bus (can:<iface> or canbus:<name>), not a ${spec.kind} link`);
  }
  return o.fd === true && spec.options.fd === undefined ? { ...spec, options: { ...spec.options, fd: '1' } } : spec;
}

function nodeLine(n: DiscoveredNode): JsonLine {
  return {
    event: 'node',
    nodeId: n.nodeId === 0 ? null : n.nodeId,
    hardwareId: n.hardwareId,
    protocolVersion: n.protocolVersion,
    capabilities: n.capabilities >>> 0,
    state: n.state,
    imageKind: n.image.kind,
    imageName: n.image.kind === 'none' ? null : n.image.name,
    imageVersion: n.image.kind === 'bundle' ? n.image.version : null,
    imageSha256: n.image.sha256,
  };
}

function assignedLine(a: AssignOutcome): JsonLine {
  return { event: 'assigned', hardwareId: a.hardwareId, result: a.result, nodeId: a.nodeId === 0 ? null : a.nodeId, asked: [...a.asked], holder: a.holder };
}

/** Rows as aligned columns, two spaces apart. */
function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd() + '\n').join('');
}

function nodesText(nodes: readonly DiscoveredNode[]): string {
  if (nodes.length === 0) return 'no node answered\n';
  return table([
    ['NODE', 'HARDWARE ID', 'PROTO', 'CAPS', 'STATE', 'IMAGE', 'VERSION', 'SHA256'],
    ...nodes.map((n) => [
      n.nodeId === 0 ? '-' : String(n.nodeId),
      n.hardwareId,
      String(n.protocolVersion),
      `0x${(n.capabilities >>> 0).toString(16).padStart(8, '0')}`,
      n.state,
      n.image.kind === 'none' ? '-' : `${n.image.kind} ${n.image.name === '' ? '(unnamed)' : n.image.name}`,
      n.image.kind === 'bundle' ? String(n.image.version) : '-',
      n.image.sha256 ?? '-',
    ]),
  ]);
}

function assignText(a: AssignOutcome): string {
  switch (a.result) {
    case 'ok':
      return `assigned node ${a.nodeId} to ${a.hardwareId}${a.asked.length > 1 ? ` (ids ${a.asked.slice(0, -1).join(', ')} were in use)` : ''}\n`;
    case 'in_use':
      return `${a.hardwareId}: ids ${a.asked.join(', ')} are all in use${a.holder === null ? '' : ` (the last by ${a.holder})`}; it keeps no node id\n`;
    case 'bad_id':
      return `${a.hardwareId}: refused node id ${a.asked.at(-1)} as out of its range; check --ext (29-bit nodes take 1..254, 11-bit 1..31)\n`;
    case 'fram_error':
      return `${a.hardwareId}: could not store node id ${a.asked.at(-1)} in its FRAM settings; check the node\n`;
    case 'no_answer':
      return `${a.hardwareId}: no answer to ASSIGN node ${a.asked.at(-1)}; that id stays reserved; run discover again to see whether it took it\n`;
    case 'no_free_id':
      return `${a.hardwareId}: no free node id left; use --ext for ids up to 254\n`;
  }
}

function summaryText(r: DiscoveryResult): string {
  let out = `${r.nodes.length} node${r.nodes.length === 1 ? '' : 's'} in ${r.rounds.length} rounds, ${Math.round(r.elapsedMs)} ms${r.stable ? '' : ' (NOT stable: the round limit was reached while new nodes still answered; raise --max-rounds)'}\n`;
  for (const c of r.conflicts) out += `node id ${c.nodeId} is held by ${c.hardwareIds.length} nodes: ${c.hardwareIds.join(', ')}; re-assign all but one\n`;
  return out;
}

async function run(opts: DiscoverCliOptions): Promise<ExitCode> {
  const spec = planSpec(opts);
  const spreadMs = optionalWholeNumber('--spread', opts.spread, 0, 0xffff);
  const maxRounds = optionalWholeNumber('--max-rounds', opts.maxRounds, 1, 1000);
  const json = opts.json === true;
  const write = (line: JsonLine, text: string): void => void process.stdout.write(json ? lineText(line) : text);
  const scheduler = asyncScheduler;
  const { transport } = await transports.open(spec, { scheduler });
  try {
    if (transport.framing !== 'can') throw new UsageError('invalid_option', `${transport.name} is not a CAN link`);
    const listener = new GroupListener(transport, scheduler);
    try {
      const result = await discoverWith(listener, {
        ...(spreadMs === undefined ? {} : { spreadMs }),
        ...(maxRounds === undefined ? {} : { maxRounds }),
      });
      if (json) for (const n of result.nodes) write(nodeLine(n), '');
      else process.stdout.write(nodesText(result.nodes));
      const assigned = opts.assign === true ? await assignNodeIds(listener, result.nodes, { maxNodeId: opts.ext === true ? 254 : 31 }) : [];
      for (const a of assigned) write(assignedLine(a), assignText(a));
      const ok = result.stable && result.conflicts.length === 0 && assigned.every((a) => a.result === 'ok');
      write(
        {
          event: 'discovery',
          ok,
          nodes: result.nodes.length,
          rounds: result.rounds.length,
          stable: result.stable,
          elapsedMs: result.elapsedMs,
          conflicts: result.conflicts.map((c) => ({ nodeId: c.nodeId, hardwareIds: [...c.hardwareIds] })),
        },
        summaryText(result),
      );
      return ok ? ExitCode.Ok : ExitCode.Failed;
    } finally {
      listener.close();
    }
  } finally {
    await transport.close();
  }
}
