/**
 * The link options every board command shares, parsed into a plan and
 * handed to the link library (src/link) to open:
 *
 *   --uart <path> [--baud <n>] [--baud-max <n>] [--no-baud-switch]
 *   --can <iface> --node <id> [--fd] [--ext]
 *   --link <spec>            the registry's spec strings (can:vcan0, uart:/dev/ttyUSB0@115200,
 *                            emulator[:uart|can|canfd][,pair=<name>]); --node applies to CAN kinds
 *   --timeout <ms>           first wait of a request before the link has a round-trip sample, and the
 *                            least wait of any try; each further try waits twice as long (4 tries)
 *   --json
 *
 * Without --uart, --can and --link the link comes from the environment, as
 * esptool's ESPTOOL_PORT does: HILBRIDGE_UART=<path> (with HILBRIDGE_BAUD) or
 * HILBRIDGE_CAN=<iface> (with HILBRIDGE_NODE); an option always wins, both
 * variables at once is a usage error (docs/cli.md "Environment").
 *
 * Bad options are UsageError (exit 2) naming the option. Opening, framing
 * and the link's profile (frame size, chunk, window) are the library's; this
 * module only adds what the flags decide: request timing and the line rates
 * to switch between. `pair=` links share this process's `cliPairs`.
 */
import { asyncScheduler } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { optionalWholeNumber } from './numbers.js';
import { info } from './output.js';
import { checkCanNode } from '../protocol/can-id.js';
import type { CanIdFormat } from '../protocol/can-id.js';
import { BAUD_DEFAULTS, DEFAULT_LINE_RATES, REQUEST_DEFAULTS, silentBudgetMs } from '../protocol/engine/index.js';
import type { LineRateControl } from '../protocol/engine/index.js';
import type { ChannelRole } from '../protocol/channel.js';
import { EmulatorPairs, openLink } from '../link/index.js';
import type { Link, LinkDeps } from '../link/index.js';
import { parseLinkSpec } from '../transports/registry.js';
import type { LinkSpec } from '../transports/registry.js';

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

/** The environment variables of the default link (docs/cli.md "Environment"). */
export const LINK_ENV = { uart: 'HILBRIDGE_UART', baud: 'HILBRIDGE_BAUD', can: 'HILBRIDGE_CAN', node: 'HILBRIDGE_NODE' } as const;

/** Link options with the default link from the environment filled in, and which variables supplied what. */
export interface ResolvedLinkOptions extends LinkCliOptions {
  /** The variable the link came from (HILBRIDGE_UART or HILBRIDGE_CAN); undefined when an option named it. */
  readonly linkFrom?: string;
  readonly baudFrom?: string;
  readonly nodeFrom?: string;
}

const envValue = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v);

/**
 * The link options, or when none names a link (--uart, --can, --link) the
 * default link of the environment: HILBRIDGE_UART (+ HILBRIDGE_BAUD unless
 * --baud) or HILBRIDGE_CAN (+ HILBRIDGE_NODE unless --node). Empty variables
 * count as unset; both link variables set is a UsageError naming both.
 */
export function linkFromEnv(o: LinkCliOptions, env: NodeJS.ProcessEnv = process.env): ResolvedLinkOptions {
  if (o.uart !== undefined || o.can !== undefined || o.link !== undefined) return o;
  const uart = envValue(env[LINK_ENV.uart]);
  const can = envValue(env[LINK_ENV.can]);
  if (uart !== undefined && can !== undefined) {
    throw new UsageError(
      'conflicting_link',
      `both ${LINK_ENV.uart} (${uart}) and ${LINK_ENV.can} (${can}) are set: unset one of them, or name the link with --uart, --can or --link (an option wins over both)`,
    );
  }
  if (uart !== undefined) {
    const baud = o.baud === undefined ? envValue(env[LINK_ENV.baud]) : undefined;
    return { ...o, uart, linkFrom: LINK_ENV.uart, ...(baud === undefined ? {} : { baud, baudFrom: LINK_ENV.baud }) };
  }
  if (can !== undefined) {
    const node = o.node === undefined ? envValue(env[LINK_ENV.node]) : undefined;
    return { ...o, can, linkFrom: LINK_ENV.can, ...(node === undefined ? {} : { node, nodeFrom: LINK_ENV.node }) };
  }
  return o;
}

/** A validated link choice, not yet opened. */
export interface LinkPlan {
  readonly spec: LinkSpec;
  /** CAN node id (required once the link turns out to be CAN). */
  readonly node: number | undefined;
  readonly idFormat: CanIdFormat;
  /** A request's first wait before the link has a round-trip sample, and the least wait of any try, ms (--timeout). */
  readonly timeoutMs: number;
  readonly json: boolean;
  /** Rate switching: UART links by default, emulator byte streams only with --baud-max; never CAN or with --no-baud-switch. */
  readonly baud: BaudPlan | undefined;
  /** The environment variable the link came from (HILBRIDGE_UART, HILBRIDGE_CAN), undefined when an option named it. */
  readonly from?: string | undefined;
}

/** Where a byte-stream link starts and which rates this end accepts. */
export interface BaudPlan {
  /** --baud or the spec's @rate, else 115200. */
  readonly start: number;
  /** Ascending; DEFAULT_LINE_RATES up to --baud-max, plus the start rate and --baud-max itself. */
  readonly rates: readonly number[];
}

/** A link opened for a command: the library's link, plus what the flags decided. */
export interface OpenLink extends Link {
  readonly timeoutMs: number;
  readonly scheduler: SchedulerLike;
  /** Set when the plan allows rate switching and the transport can switch. */
  readonly baud: (BaudPlan & { readonly control: LineRateControl }) | undefined;
}

export type OpenLinkDeps = Omit<LinkDeps, 'pairs'>;

/** The emulator pairs of this process: `hilbridge target` and board commands run in one process (tests, demos) meet here. */
export const cliPairs = new EmulatorPairs();

/** Default --timeout, ms: the engine's (docs/protocol.md 7.1). */
export const DEFAULT_TIMEOUT_MS = REQUEST_DEFAULTS.timeoutMs;
/** Request tries before peer_timeout, each waiting twice as long as the one before. */
export const REQUEST_TRIES = REQUEST_DEFAULTS.tries;

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
    .option(
      '--timeout <ms>',
      `first wait of each request to the board in ms, and the least wait of any try (a measured slow round trip raises it); ` +
        `${REQUEST_TRIES} tries, each twice as long as the one before: ${silentBudgetMs(DEFAULT_TIMEOUT_MS)} ms in all by default (default ${DEFAULT_TIMEOUT_MS})`,
    )
    .option('--json', 'JSON lines on stdout');
}


/** Validate the link options (the environment's default link when no option names one); throws UsageError naming the offending option or variable. */
export function planLink(given: LinkCliOptions, env: NodeJS.ProcessEnv = process.env): LinkPlan {
  const o = linkFromEnv(given, env);
  const chosen = (['uart', 'can', 'link'] as const).filter((k) => o[k] !== undefined);
  if (chosen.length === 0) {
    throw new UsageError(
      'missing_link',
      `no link given: use --uart <path>, --can <iface> --node <id>, or --link <spec>, or set ${LINK_ENV.uart} or ${LINK_ENV.can} (with ${LINK_ENV.node})`,
    );
  }
  if (chosen.length > 1) {
    throw new UsageError('conflicting_link', `give one link, not ${chosen.map((k) => `--${k}`).join(' and ')}`);
  }
  const uartOpts = [['--baud', o.baud !== undefined], ['--baud-max', o.baudMax !== undefined], ['--no-baud-switch', o.baudSwitch === false]] as const;
  for (const [opt, on] of [...uartOpts, ['--fd', o.fd === true], ['--ext', o.ext === true]] as const) {
    const needs = opt === '--fd' || opt === '--ext' ? 'can' : 'uart';
    if (on && o[needs] === undefined && o.link === undefined) throw new UsageError('invalid_option', `${opt} applies to --${needs} links only${o.linkFrom === undefined ? '' : ` (the link is ${o.linkFrom}=${o.uart ?? o.can})`}`);
  }
  if (o.node !== undefined && o.uart !== undefined) {
    throw new UsageError('invalid_option', o.linkFrom === undefined ? '--node applies to CAN links only, not --uart' : `--node applies to CAN links only, not ${o.linkFrom}=${o.uart}`);
  }
  const idFormat: CanIdFormat = o.ext === true ? 'ext' : 'std';
  const node = optionalWholeNumber(o.nodeFrom ?? '--node', o.node, 1, 254);
  const timeoutMs = optionalWholeNumber('--timeout', o.timeout, 1, 3_600_000) ?? DEFAULT_TIMEOUT_MS;
  let spec: LinkSpec;
  if (o.uart !== undefined) {
    if (o.uart === '') throw new UsageError('invalid_option', '--uart needs a port path, e.g. /dev/ttyUSB0');
    const baud = optionalWholeNumber(o.baudFrom ?? '--baud', o.baud, 1, 0xffffffff);
    spec = { text: `uart:${o.uart}${baud === undefined ? '' : `@${baud}`}`, kind: 'uart', address: o.uart, bitRate: baud, options: {} };
  } else if (o.can !== undefined) {
    if (o.can === '') throw new UsageError('invalid_option', '--can needs an interface name, e.g. can0');
    if (node === undefined) {
      const named = o.linkFrom === undefined ? `--can ${o.can}` : `${o.linkFrom}=${o.can}`;
      throw new UsageError('missing_node', `${named} needs --node <id>${o.linkFrom === undefined ? '' : ` or ${LINK_ENV.node}`}: the board's CAN node id`);
    }
    spec = { text: `can:${o.can}${o.fd === true ? ',fd=1' : ''}`, kind: 'can', address: o.can, options: o.fd === true ? { fd: '1' } : {} };
  } else {
    spec = withFd(parseLinkSpec(o.link!), o.fd === true);
  }
  if (node !== undefined) checkCanNode(idFormat, node, spec.address ?? spec.text);
  return { spec, node, idFormat, timeoutMs, json: o.json === true, baud: planBaud(o, spec), from: o.linkFrom };
}

/** A --link spec with --fd folded in: the link library derives FD from the transport, so the spec must ask for it. */
function withFd(spec: LinkSpec, fd: boolean): LinkSpec {
  if (!fd || spec.options.fd === '1') return spec;
  if (spec.kind === 'can') return { ...spec, text: `${spec.text},fd=1`, options: { ...spec.options, fd: '1' } };
  if (spec.kind === 'emulator' && spec.address === 'canfd') return spec;
  throw new UsageError('invalid_option', `--fd does not apply to link "${spec.text}": use can:<iface>,fd=1 or emulator:canfd`);
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

/** Open the planned link as `role` (host for board commands, target for `hilbridge target`). */
export async function openPlannedLink(plan: LinkPlan, role: ChannelRole, deps: OpenLinkDeps = {}): Promise<OpenLink> {
  const scheduler = deps.scheduler ?? asyncScheduler;
  // Say where a link nobody named on the command line came from (stderr: stdout stays the command's own output).
  if (plan.from !== undefined && !plan.json) info(`hilbridge: link from ${plan.from}: ${plan.spec.address ?? plan.spec.text}`);
  const link = await openLink({ spec: plan.spec, node: plan.node, idFormat: plan.idFormat }, role, { ...deps, scheduler, pairs: cliPairs });
  const baud = plan.baud !== undefined && link.lineRate !== undefined ? { ...plan.baud, control: link.lineRate } : undefined;
  return { ...link, close: () => link.close(), timeoutMs: plan.timeoutMs, scheduler, baud };
}
