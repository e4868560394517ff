/**
 * Link assembly: open the transport a link spec names (through the transport
 * registry, never an adapter directly), wrap it in the FrameChannel of its
 * framing for a role, and derive the link's profile from the transport. The
 * one way every program (CLI, demo, benches, tests) turns "can:vcan0, node 5"
 * into something the engine can talk over.
 */
import { asyncScheduler } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { LinkError, UsageError, isHilbridgeError } from '../errors.js';
import type { CanIdFormat } from '../protocol/can-id.js';
import { openByteStreamChannel, openCanChannel } from '../protocol/channel.js';
import type { ChannelRole } from '../protocol/channel.js';
import type { LineRateControl } from '../protocol/engine/index.js';
import type { FrameChannel } from '../protocol/types.js';
import { transports } from '../transports/registry.js';
import type { LinkSpec, TransportRegistry } from '../transports/registry.js';
import type { AnyTransport } from '../transports/types.js';
import type { EmulatorPairs } from './pair.js';
import { linkProfile } from './profile.js';
import type { LinkProfile } from './profile.js';

/** Where a link goes: the spec, and on CAN the board's node id. */
export interface LinkTarget {
  readonly spec: LinkSpec;
  /** The board's CAN node id: required on CAN links, refused on byte streams. */
  readonly node?: number | undefined;
  /** CAN identifier format (default 'std'). */
  readonly idFormat?: CanIdFormat;
  /** Largest frame, bytes (default: the profile's, DEFAULT_MAX_FRAME). */
  readonly maxFrame?: number;
}

export interface LinkDeps {
  /** Default: the transport registry of every built-in adapter. */
  readonly registry?: TransportRegistry;
  /** Clock for adapters that keep time (the emulator); default asyncScheduler. */
  readonly scheduler?: SchedulerLike;
  /** Required to open `pair=` emulator links: the pairs shared by this caller's openLink calls. */
  readonly pairs?: EmulatorPairs;
  /** Wraps the opened transport before the channel sees it (`flash --capture` records through src/capture/tap.ts). */
  readonly wrapTransport?: (transport: AnyTransport, scheduler: SchedulerLike) => AnyTransport;
}

/** An open link: the frame channel to the peer, its transport and profile. */
export interface Link {
  readonly channel: FrameChannel;
  readonly transport: AnyTransport;
  readonly profile: LinkProfile;
  /** Names peer and link in messages: "node 5 on vcan0", "/dev/ttyUSB0". */
  readonly name: string;
  /** The line rate of a byte stream that can switch it (UART, the emulator); undefined on CAN. */
  readonly lineRate: LineRateControl | undefined;
  close(): Promise<void>;
}

async function openTransport(target: LinkTarget, role: ChannelRole, deps: LinkDeps): Promise<AnyTransport> {
  const { spec } = target;
  const registry = deps.registry ?? transports;
  const pair = spec.options.pair;
  try {
    if (pair !== undefined) {
      if (spec.kind !== 'emulator') throw new UsageError('bad_link_spec', `link "${spec.text}": pair= works only with emulator links`);
      if (deps.pairs === undefined) throw new UsageError('bad_link_spec', `link "${spec.text}": pair= needs emulator pairs shared with its other end, and none were given`);
      return await deps.pairs.end(registry, spec, pair, role, { scheduler: deps.scheduler ?? asyncScheduler });
    }
    return (await registry.open(spec, { scheduler: deps.scheduler ?? asyncScheduler })).transport;
  } catch (e) {
    if (isHilbridgeError(e)) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new LinkError('link_unavailable', spec.text, `cannot open ${spec.text}: ${why}`, { cause: e });
  }
}

/**
 * Wrap an open transport in the FrameChannel for `role` (host for board
 * clients, target for a board) with the profile its framing calls for.
 * Throws UsageError('missing_node') for a CAN link without a node id and
 * UsageError('invalid_option') for a node id on a byte stream.
 */
export function frameChannel(
  transport: AnyTransport,
  role: ChannelRole,
  o: Omit<LinkTarget, 'spec'> = {},
): { readonly channel: FrameChannel; readonly profile: LinkProfile } {
  const profile = linkProfile(transport, o.maxFrame);
  if (transport.framing === 'can') {
    if (o.node === undefined) throw new UsageError('missing_node', `${transport.name} is a CAN link: give the board's CAN node id (--node <id>)`);
    const channel = openCanChannel(transport, { node: o.node, idFormat: o.idFormat ?? 'std', fd: transport.fd, role, maxFrame: profile.maxFrame });
    return { channel, profile };
  }
  if (o.node !== undefined) throw new UsageError('invalid_option', `a CAN node id (--node) applies to CAN links only; ${transport.name} is a byte stream`);
  return { channel: openByteStreamChannel(transport, { maxFrame: profile.maxFrame, role }), profile };
}

/** Open the link `target` names as `role`. Rejects with LinkError (the link cannot be opened) or UsageError (the spec or node is wrong). */
export async function openLink(target: LinkTarget, role: ChannelRole, deps: LinkDeps = {}): Promise<Link> {
  const raw = await openTransport(target, role, deps);
  const transport = deps.wrapTransport === undefined ? raw : deps.wrapTransport(raw, deps.scheduler ?? asyncScheduler);
  let opened: ReturnType<typeof frameChannel>;
  try {
    opened = frameChannel(transport, role, target);
  } catch (e) {
    await transport.close();
    throw e;
  }
  const { channel, profile } = opened;
  const t = transport;
  const lineRate = t.framing === 'bytes' && typeof t.setBaudRate === 'function' ? { setBaudRate: (n: number) => t.setBaudRate!(n) } : undefined;
  return { channel, transport, profile, name: channel.name, lineRate, close: () => channel.close() };
}
