/**
 * `hilbridge target <link> --fram <file> [--fram-size <bytes>] [--caps <mask>]
 * [--limits code=..,rodata=..,ram=..,stack=..] [--node <id>] [--json]`: run a
 * virtual board on a real link until SIGINT/SIGTERM, serving it with the
 * engine's serveTarget. Its state lives in the FRAM file: kill -9 and a
 * restart is a power cycle. Logs one line per provisioning event (JSON lines
 * with --json). Exit 0 on a clean stop, 3 when the link fails.
 */
import { existsSync } from 'node:fs';
import { MessageChannel } from 'node:worker_threads';
import { Subject, merge, firstValueFrom } from 'rxjs';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { HilbridgeError } from '../../errors.js';
import { checkFileToCreate } from '../../image/host-file.js';
import type { ResourceLimits } from '../../hxe/policy.js';
import { serveTarget } from '../../protocol/engine/index.js';
import { listenBroadcast, type BcastListener } from '../../board/bcast-listener.js';
import type { TargetHandle } from '../../protocol/engine/index.js';
import type { BoardEvent } from '../../board/events.js';
import { DEFAULT_LIMITS, VirtualBoard } from '../../board/board.js';
import { boardDiscovery } from '../../board/board-discovery.js';
import { hostPreloadSource } from '../../board/provision-host.js';
import { sdCardSource } from '../../board/provision-sd.js';
import type { BootSources } from '../../board/provision.js';
import { serveDiscovery } from '../../protocol/engine/discover-target.js';
import type { DiscoveryResponder } from '../../protocol/engine/discover-target.js';
import { addLinkOptions, linkFromEnv, openPlannedLink, planLink } from '../link.js';
import type { LinkCliOptions, LinkPlan } from '../link.js';
import { ExitCode, action } from '../run.js';
import { wholeNumber } from '../numbers.js';
import { stopSignals } from '../signals.js';
import { boardEventLine, lineText } from '../json/index.js';
import type { JsonLine } from '../json/index.js';

interface TargetOptions extends LinkCliOptions {
  fram?: string;
  sd?: string;
  hostPreload?: string;
  framSize?: string;
  caps?: string;
  limits?: string;
}

/** FRAM size of a new file when --fram-size is not given. */
export const DEFAULT_FRAM_SIZE = 256 * 1024;

/** Stop requests for every target this process serves (signals feed it; embedders and tests may too). */
export const stopTargets = new Subject<string>();

export function register(program: Command): void {
  addLinkOptions(program.command('target').description('run a virtual board on a link until stopped; its state lives in the FRAM file'))
    .option('--fram <file>', 'FRAM image file (created when missing)')
    .option('--fram-size <bytes>', `size of a new FRAM file (default ${DEFAULT_FRAM_SIZE})`)
    .option('--caps <mask>', 'capability bits the board offers: HXE bits, 0x80000000 bundles, 0x08000000 boot configuration (default: all known)')
    .option('--sd <card>', 'SD card the board boots from: a directory (a mounted card) or a FAT image file with a manifest (docs/board.md, Boot order)')
    .option('--host-preload <dir>', 'directory of .hxe/.hxb images the board loads first at boot (docs/board.md, Boot order)')
    .option('--limits <list>', `per-app budget, e.g. code=65536,rodata=65536,ram=32768,stack=2048 (default ${limitsText(DEFAULT_LIMITS)})`)
    .action(action((opts: TargetOptions) => run(opts), (opts) => opts.json === true));
}

function limitsText(l: ResourceLimits): string {
  return `code=${l.code},rodata=${l.rodata},ram=${l.ram},stack=${l.stack}`;
}


export function parseLimits(text: string): ResourceLimits {
  const out: Record<keyof ResourceLimits, number> = { ...DEFAULT_LIMITS };
  for (const part of text.split(',')) {
    const [k = '', v] = part.split('=');
    if (!(k in out) || v === undefined) {
      throw new UsageError('invalid_option', `--limits: "${part}" is not one of code=, rodata=, ram=, stack= with a byte count`);
    }
    out[k as keyof ResourceLimits] = wholeNumber(`--limits ${k}`, v, 0, 0xffffffff);
  }
  return out;
}

/** The board's node id and the link plan: on byte streams --node only names the board in INFO. */
function planTarget(opts: TargetOptions): { plan: LinkPlan; nodeId: number } {
  const byteStream = (p: LinkPlan): boolean => p.spec.kind === 'uart' || (p.spec.kind === 'emulator' && !['can', 'canfd'].includes(p.spec.address ?? 'uart'));
  const o = linkFromEnv(opts); // the default link of the environment (HILBRIDGE_UART, HILBRIDGE_CAN) when no option names one
  const plan = planLink(o.uart !== undefined ? { ...o, node: undefined } : o);
  const nodeId = o.node === undefined ? 1 : wholeNumber(o.nodeFrom ?? '--node', o.node, 1, 254);
  return { plan: byteStream(plan) ? { ...plan, node: undefined } : plan, nodeId };
}

/** Where the board serves: a CAN channel's name already says `node <id> on <iface>`; a byte stream's is the port. */
function where(framing: 'can' | 'bytes', nodeId: number, linkName: string): string {
  return framing === 'can' ? linkName : `node ${nodeId} on ${linkName}`;
}

/** The boot sources the options name (host preload directory, SD card), opened before the link. */
async function openBootSources(opts: TargetOptions): Promise<BootSources> {
  const host = opts.hostPreload === undefined ? undefined : await hostPreloadSource(opts.hostPreload);
  const sd = opts.sd === undefined ? undefined : await sdCardSource(opts.sd);
  return { ...(host === undefined ? {} : { host }), ...(sd === undefined ? {} : { sd }) };
}

function eventText(e: BoardEvent): string {
  const { type, pid, phase, timestamp, ...fields } = e;
  const kv = Object.entries(fields)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}=${typeof v === 'string' && /\s/.test(v) ? JSON.stringify(v) : String(v)}`)
    .join(' ');
  return `${new Date(timestamp).toISOString()} ${type} pid=${pid} phase=${phase} ${kv}`;
}

async function run(opts: TargetOptions): Promise<ExitCode> {
  if (opts.fram === undefined) throw new UsageError('missing_option', 'target needs --fram <file>: the board keeps its images and values there');
  const { plan, nodeId } = planTarget(opts);
  const framSize = opts.framSize === undefined ? undefined : wholeNumber('--fram-size', opts.framSize, 1, 0xffffffff);
  const capabilities = opts.caps === undefined ? undefined : wholeNumber('--caps', opts.caps, 0, 0xffffffff);
  const limits = opts.limits === undefined ? undefined : parseLimits(opts.limits);
  if (plan.spec.kind === 'emulator' && plan.spec.options.pair === undefined) {
    throw new UsageError(
      'invalid_option',
      `target --link ${plan.spec.text}: an emulator link without pair= has nobody at its other end, so the board would serve nobody; ` +
        'run it on --uart <path> or --can <iface>, or (embedding hilbridge in one process) on emulator,pair=<name>',
    );
  }
  await checkFileToCreate(opts.fram, 'FRAM file'); // a missing directory is the user's to fix (exit 2), before any link is opened
  const sources = await openBootSources(opts); // a missing card or directory too
  const size = framSize ?? (existsSync(opts.fram) ? undefined : DEFAULT_FRAM_SIZE);
  const json = opts.json === true;
  const out = (obj: JsonLine, text: string): void => void process.stdout.write(json ? lineText(obj) : text + '\n');

  const link = await openPlannedLink(plan, 'target');
  let board: VirtualBoard;
  try {
    board = VirtualBoard.open({
      fram: size === undefined ? { file: opts.fram } : { file: opts.fram, size },
      nodeId,
      source: link.transport.framing === 'can' ? 'can_master' : 'uart',
      progressWindowMs: json ? 100 : 1000,
      ...(capabilities === undefined ? {} : { capabilities }),
      ...(limits === undefined ? {} : { limits }),
    });
  } catch (e) {
    await link.close();
    throw e;
  }
  const events = board.events$.subscribe((e) => out(boardEventLine(e), eventText(e)));
  // Serving waits on the link alone; a link with no handle of its own (an emulator pair) must not let the process end
  // under the pending await (node's exit 13): hold it open until the stop.
  const keepAlive = new MessageChannel();
  keepAlive.port1.on('message', () => undefined);
  let handle: TargetHandle | undefined;
  let bcast: BcastListener | undefined;
  let discovery: DiscoveryResponder | undefined;
  let why: string | HilbridgeError;
  try {
    // The boot order (docs/board.md): host preload, SD card, then a master; before anyone is served.
    await board.provision(sources).finally(() => Promise.all(Object.values(sources).map((src) => src.close())));
    // On a UART the board answers SET_BAUD: it accepts the plan's rates and returns to the start rate on its own (docs/protocol.md 7.5).
    const baud = link.baud === undefined ? undefined : { link: link.baud.control, rate: link.baud.start, rates: link.baud.rates };
    const served = serveTarget(link.channel, board, {
      scheduler: link.scheduler,
      ...(link.profile.window === undefined ? {} : { window: link.profile.window }),
      ...(baud === undefined ? {} : { baud }),
    });
    handle = served;
    // On CAN the board also listens for broadcast sessions (flash --nodes; docs/protocol.md section 8).
    const t = link.transport;
    bcast = t.framing === 'can' ? listenBroadcast(board, t, { node: nodeId }) : undefined;
    // On CAN the board also answers discovery (docs/protocol.md 4.7): it announces the node id it serves on;
    // an ASSIGN is kept in its FRAM settings, and this process goes on serving the --node it was started with.
    if (link.transport.framing === 'can') {
      discovery = serveDiscovery(link.transport, boardDiscovery(board, { nodeId }), { scheduler: link.scheduler, maxNodeId: plan.idFormat === 'ext' ? 254 : 31 });
      discovery.events$.subscribe((e) => {
        if (e.type === 'assign') process.stderr.write(`ASSIGN node ${e.nodeId}: ${e.result}${e.result === 'ok' ? ` (kept in the FRAM settings; this target serves node ${nodeId} until restarted with --node ${e.nodeId})` : e.holder === null ? '' : ` (held by ${e.holder})`}\n`);
      });
    }
    // Listen for the stop before saying `serving`: a Ctrl-C right after that line is a clean stop, not a kill.
    const stop = firstValueFrom(merge(
      stopSignals(),
      stopTargets,
      served.ended.then((e) => (e.error === undefined ? 'link closed' : e.error)),
    ));
    const r = board.report();
    out(
      {
        event: 'ready', link: link.name, nodeId, identity: board.identity, fram: opts.fram, framSize: board.device.size, state: r.state, active: r.active, recovery: r.recovery,
        lineRates: baud === undefined ? null : [...baud.rates],
      },
      `serving ${board.identity} ${where(link.transport.framing, nodeId, link.name)}: FRAM ${opts.fram} (${board.device.size} bytes), state ${r.state}, active slot ${r.active ?? 'none'}${r.recovery ? `, RECOVERY: ${r.recovery}` : ''}${baud === undefined ? '' : `, line rates ${baud.rates.join('/')}`}`,
    );
    why = await stop;
  } finally {
    // whatever happened above, nothing outlives it: the serving, the board's FRAM file, the port
    keepAlive.port1.close();
    bcast?.close();
    discovery?.close();
    await handle?.close();
    events.unsubscribe();
    board.close();
    await link.close();
  }
  if (typeof why !== 'string') throw why;
  out({ event: 'stopped', reason: why }, `stopped (${why}): FRAM ${opts.fram} closed`);
  return ExitCode.Ok;
}
