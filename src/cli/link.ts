/**
 * The link options every board command shares, and the one function that
 * opens them:
 *
 *   --uart <path> [--baud <n>] [--baud-max <n>] [--no-baud-switch]
 *   --can <iface> --node <id> [--fd] [--ext]
 *   --link <spec>            the registry's spec strings (can:vcan0, uart:/dev/ttyUSB0@115200,
 *                            emulator[:uart|can|canfd][,pair=<name>]); --node applies to CAN kinds
 *   --timeout <ms>           wait per request try (3 tries)
 *   --json
 *
 * Bad options are UsageError (exit 2) naming the option. Opening goes through
 * the transport registry (never an adapter directly); its LinkError (exit 3)
 * names the link and what to check. The transport is wrapped in the
 * FrameChannel of the right framing for the given role.
 */
import { asyncScheduler } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import type { Command } from 'commander';
import { LinkError, UsageError, isHilbridgeError } from '../errors.js';
import { optionalWholeNumber } from './numbers.js';
import { checkCanNode } from '../protocol/can-id.js';
import type { CanIdFormat } from '../protocol/can-id.js';
import { openByteStreamChannel, openCanChannel } from '../protocol/channel.js';
import { BAUD_DEFAULTS, DEFAULT_LINE_RATES } from '../protocol/engine/index.js';
import type { LineRateControl } from '../protocol/engine/index.js';
import type { ChannelRole } from '../protocol/channel.js';
import type { FrameChannel } from '../protocol/types.js';
import { parseLinkSpec, transports } from '../transports/registry.js';
import type { LinkSpec, TransportRegistry } from '../transports/registry.js';
import type { AnyTransport } from '../transports/types.js';
import { openPairEnd } from './link-pair.js';

/** What commander hands a board command (all strings: we validate them ourselves to name the option). */
export interface LinkCliOptions {
  uart?: string;
  baud?: string;
  baudMax?: string;
  /** false with --no-baud-switch. */
  baudSwitch?: boolean;
  can?: string;
  node?: string;
  fd?: boolean;
  ext?: boolean;
  link?: string;
  timeout?: string;
  json?: boolean;
}

/** A validated link choice, not yet opened. */
export interface LinkPlan {
  readonly spec: LinkSpec;
  /** CAN node id (required once the link turns out to be CAN). */
  readonly node: number | undefined;
  readonly idFormat: CanIdFormat;
  readonly fd: boolean;
  /** Wait per request try, ms. */
  readonly timeoutMs: number;
  readonly json: boolean;
  /** Rate switching: UART links by default, emulator byte streams only with --baud-max; never CAN or with --no-baud-switch. */
  readonly baud: BaudPlan | undefined;
}

/** Where a byte-stream link starts and which rates this end accepts. */
export interface BaudPlan {
  /** --baud or the spec's @rate, else 115200. */
  readonly start: number;
  /** Ascending; DEFAULT_LINE_RATES up to --baud-max, plus the start rate and --baud-max itself. */
  readonly rates: readonly number[];
}

/** An open link: the frame channel to the peer and what the commands need around it. */
export interface OpenLink {
  readonly channel: FrameChannel;
  readonly transport: AnyTransport;
  /** Names peer and link in messages: "node 5 on vcan0", "/dev/ttyUSB0". */
  readonly name: string;
  readonly timeoutMs: number;
  readonly scheduler: SchedulerLike;
  /** Chunk the host should ask for on this link (undefined: what the frame allows). */
  readonly maxChunk: number | undefined;
  /** Chunks a board on this link accepts in flight (undefined: the engine's default). */
  readonly boardWindow: number | undefined;
  /** Set when the plan allows rate switching and the transport can switch. */
  readonly baud: (BaudPlan & { readonly control: LineRateControl }) | undefined;
  close(): Promise<void>;
}

export interface OpenLinkDeps {
  readonly registry?: TransportRegistry;
  readonly scheduler?: SchedulerLike;
}

/** Default wait per request try, ms. */
export const DEFAULT_TIMEOUT_MS = 500;
/** Request tries before peer_timeout. */
export const REQUEST_TRIES = 3;
/** Largest encoded frame: a 1024-byte DATA chunk (also room for INFO/STATUS with SHA-256s). */
export const DEFAULT_MAX_FRAME = 1044;
/** DATA chunk on classic CAN: 256 bytes (33 segments), so one lost segment costs little. */
export const CLASSIC_CAN_CHUNK = 256;
/**
 * Chunks a board on classic CAN accepts in flight: 4 x 33 = 132 frames, about
 * what a SocketCAN receive queue (or a small MCU's RX FIFO and ring) holds
 * before dropping. Measured on vcan0 in UML with a 125 KB image: window 16
 * lost frames at the receiver (199 repeats, 4.2 s), window 4 almost none
 * (8 repeats, 4.7 s). On a real bus, 1 KiB in flight is 15-30 ms of bus time
 * at 1 Mbit/s-500 kbit/s, more than an adapter's round trip.
 */
export const CLASSIC_CAN_WINDOW = 4;

/** Add the common link options to a command. */
export function addLinkOptions(cmd: Command): Command {
  return cmd
    .option('--uart <path>', 'serial port or pty of the board, e.g. /dev/ttyUSB0')
    .option('--baud <n>', `UART baud rate to start at (default ${BAUD_DEFAULTS.startRate})`)
    .option('--baud-max <n>', `highest UART rate to switch to after connecting (default ${DEFAULT_LINE_RATES.at(-1)})`)
    .option('--no-baud-switch', 'stay at the starting UART rate (no SET_BAUD)')
    .option('--can <iface>', 'SocketCAN interface, e.g. can0 or vcan0')
    .option('--node <id>', 'CAN node id of the board (1..31, or 1..254 with --ext)')
    .option('--fd', 'CAN FD (64-byte segments)')
    .option('--ext', '29-bit CAN identifiers')
    .option('--link <spec>', 'link spec: can:<iface>[,fd=1], uart:<path>[@baud], emulator[:uart|can|canfd][@rate][,pair=<name>]')
    .option('--timeout <ms>', `wait per request try in ms, ${REQUEST_TRIES} tries (default ${DEFAULT_TIMEOUT_MS})`)
    .option('--json', 'JSON lines on stdout');
}


/** Validate the link options; throws UsageError naming the offending option. */
export function planLink(o: LinkCliOptions): LinkPlan {
  const chosen = (['uart', 'can', 'link'] as const).filter((k) => o[k] !== undefined);
  if (chosen.length === 0) {
    throw new UsageError('missing_link', 'no link given: use --uart <path>, --can <iface> --node <id>, or --link <spec>');
  }
  if (chosen.length > 1) {
    throw new UsageError('conflicting_link', `give one link, not ${chosen.map((k) => `--${k}`).join(' and ')}`);
  }
  const uartOpts = [['--baud', o.baud !== undefined], ['--baud-max', o.baudMax !== undefined], ['--no-baud-switch', o.baudSwitch === false]] as const;
  for (const [opt, on] of [...uartOpts, ['--fd', o.fd === true], ['--ext', o.ext === true]] as const) {
    const needs = opt === '--fd' || opt === '--ext' ? 'can' : 'uart';
    if (on && o[needs] === undefined && o.link === undefined) throw new UsageError('invalid_option', `${opt} applies to --${needs} links only`);
  }
  if (o.node !== undefined && o.uart !== undefined) throw new UsageError('invalid_option', '--node applies to CAN links only, not --uart');
  const idFormat: CanIdFormat = o.ext === true ? 'ext' : 'std';
  const node = optionalWholeNumber('--node', o.node, 1, 254);
  const timeoutMs = optionalWholeNumber('--timeout', o.timeout, 1, 3_600_000) ?? DEFAULT_TIMEOUT_MS;
  let spec: LinkSpec;
  if (o.uart !== undefined) {
    if (o.uart === '') throw new UsageError('invalid_option', '--uart needs a port path, e.g. /dev/ttyUSB0');
    const baud = optionalWholeNumber('--baud', o.baud, 1, 0xffffffff);
    spec = { text: `uart:${o.uart}${baud === undefined ? '' : `@${baud}`}`, kind: 'uart', address: o.uart, bitRate: baud, options: {} };
  } else if (o.can !== undefined) {
    if (o.can === '') throw new UsageError('invalid_option', '--can needs an interface name, e.g. can0');
    if (node === undefined) throw new UsageError('missing_node', `--can ${o.can} needs --node <id>: the board's CAN node id`);
    spec = { text: `can:${o.can}${o.fd === true ? ',fd=1' : ''}`, kind: 'can', address: o.can, options: o.fd === true ? { fd: '1' } : {} };
  } else {
    spec = parseLinkSpec(o.link!);
  }
  if (node !== undefined) checkCanNode(idFormat, node, spec.address ?? spec.text);
  const fd = o.fd === true || spec.options.fd === '1' || (spec.kind === 'emulator' && spec.address === 'canfd');
  return { spec, node, idFormat, fd, timeoutMs, json: o.json === true, baud: planBaud(o, spec) };
}

/** The rate plan of a byte-stream link (undefined: never switch). */
function planBaud(o: LinkCliOptions, spec: LinkSpec): BaudPlan | undefined {
  const max = optionalWholeNumber('--baud-max', o.baudMax, 1, 0xffffffff);
  const byteStream = spec.kind === 'uart' || (spec.kind === 'emulator' && (spec.address ?? 'uart') === 'uart');
  if (!byteStream || o.baudSwitch === false || (spec.kind === 'emulator' && max === undefined)) return undefined;
  const start = spec.bitRate ?? BAUD_DEFAULTS.startRate;
  if (max !== undefined && max < start) throw new UsageError('invalid_option', `--baud-max ${max} is below the starting rate ${start}`);
  const top = max ?? Infinity;
  const rates = [...new Set([...DEFAULT_LINE_RATES.filter((r) => r <= top), start, ...(max === undefined ? [] : [max])])].sort((a, b) => a - b);
  return { start, rates: rates.filter((r) => r >= start) };
}

async function openTransport(registry: TransportRegistry, plan: LinkPlan, role: ChannelRole, scheduler: SchedulerLike): Promise<AnyTransport> {
  const pair = plan.spec.options.pair;
  try {
    if (pair !== undefined) {
      if (plan.spec.kind !== 'emulator') throw new UsageError('bad_link_spec', `link "${plan.spec.text}": pair= works only with emulator links`);
      return await openPairEnd(registry, plan.spec, pair, role);
    }
    return (await registry.open(plan.spec, { scheduler })).transport;
  } catch (e) {
    if (isHilbridgeError(e)) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new LinkError('link_unavailable', plan.spec.text, `cannot open ${plan.spec.text}: ${why}`, { cause: e });
  }
}

/** Open the planned link and wrap it in the FrameChannel for `role` (host for board commands, target for `hilbridge target`). */
export async function openLink(plan: LinkPlan, role: ChannelRole, deps: OpenLinkDeps = {}): Promise<OpenLink> {
  const scheduler = deps.scheduler ?? asyncScheduler;
  const transport = await openTransport(deps.registry ?? transports, plan, role, scheduler);
  let channel: FrameChannel;
  try {
    if (transport.framing === 'can') {
      if (plan.node === undefined) throw new UsageError('missing_node', `${transport.name} is a CAN link: give --node <id>`);
      channel = openCanChannel(transport, { node: plan.node, idFormat: plan.idFormat, fd: plan.fd, role, maxFrame: DEFAULT_MAX_FRAME });
    } else {
      if (plan.node !== undefined) throw new UsageError('invalid_option', `--node applies to CAN links only; ${transport.name} is a byte stream`);
      channel = openByteStreamChannel(transport, { maxFrame: DEFAULT_MAX_FRAME, role });
    }
  } catch (e) {
    await transport.close();
    throw e;
  }
  const classicCan = transport.framing === 'can' && !plan.fd;
  const maxChunk = classicCan ? CLASSIC_CAN_CHUNK : undefined;
  const boardWindow = classicCan ? CLASSIC_CAN_WINDOW : undefined;
  const t = transport;
  const baud = plan.baud !== undefined && t.framing === 'bytes' && typeof t.setBaudRate === 'function'
    ? { ...plan.baud, control: { setBaudRate: (n: number) => t.setBaudRate!(n) } }
    : undefined;
  return { channel, transport, name: channel.name, timeoutMs: plan.timeoutMs, scheduler, maxChunk, boardWindow, baud, close: () => channel.close() };
}
