/**
 * The in-process link emulator: a connected pair of transports (host and
 * target) with a real timing model (line rate, exact bit costs, one-way
 * latency, bounded transmit queues, a shared CAN bus with arbitration) and
 * seeded, deterministic faults (loss, corruption, duplication, reordering,
 * disconnect). Runs on an injected RxJS scheduler: real time or virtual time.
 * See docs/transports.md.
 */
import { asyncScheduler } from 'rxjs';
import { UsageError } from '../errors.js';
import { FaultInjector } from './emulator-faults.js';
import type { FaultSpec } from './emulator-faults.js';
import { byteStreamMode, canMode } from './emulator-modes.js';
import type { ModeOps } from './emulator-modes.js';
import { emptyDirectionStats } from './emulator-options.js';
import type {
  ByteStreamEmulatorOptions,
  CanEmulatorOptions,
  DisconnectSpec,
  EmulatedLinkOptions,
  LinkStats,
} from './emulator-options.js';
import { Session } from './emulator-session.js';
import type { DisconnectTrigger, LinkContext, Side } from './emulator-session.js';
import { Timeline } from './emulator-timeline.js';
import type { ByteStreamTransport, CanFrame, CanTransport, Transport } from './types.js';

export type {
  ByteStreamEmulatorOptions,
  CanEmulatorOptions,
  DirectionStats,
  DisconnectSpec,
  EmulatedLinkOptions,
  LinkStats,
} from './emulator-options.js';
export type { FaultDirection, FaultSpec } from './emulator-faults.js';

/** A connected pair of emulated transports and the controls of the link between them. */
export interface EmulatedLink<T> {
  /** The current host end (a fresh one after `reconnect`). */
  readonly host: T;
  /** The current target end (a fresh one after `reconnect`). */
  readonly target: T;
  /** Counters per direction; they accumulate across reconnects. */
  readonly stats: LinkStats;
  /** True until the current pair is disconnected. */
  readonly connected: boolean;
  /** Byte streams: the current line rate of each end, bit/s (`setBaudRate` changes them; a reconnect starts both at `bitRate`). */
  readonly lineRates: { readonly host: number; readonly target: number };
  /** Disconnect now: sends reject and both rx$ error with LinkError('link_disconnected'). Idempotent. */
  disconnect(): void;
  /**
   * Plug the link back in: disconnects the current pair if still connected and
   * returns a fresh connected pair (also available as `host`/`target`). Faults
   * continue their seeded streams; `disconnect` arms a new one-shot disconnect.
   */
  reconnect(options?: { disconnect?: DisconnectSpec }): { host: T; target: T };
  /** Close both current ends. */
  close(): Promise<void>;
}

function faultsFor(faults: EmulatedLinkOptions['faults'], dir: Side): FaultSpec {
  const list: readonly FaultSpec[] = faults === undefined ? [] : Array.isArray(faults) ? faults : [faults as FaultSpec];
  const name = dir === 0 ? 'toTarget' : 'toHost';
  return Object.assign({}, ...list.filter((f) => (f.direction ?? 'both') === 'both' || f.direction === name)) as FaultSpec;
}

function triggerOf(spec: DisconnectSpec | undefined): DisconnectTrigger | undefined {
  if (spec === undefined) return undefined;
  const d = spec.direction ?? 'both';
  const directions: Side[] = d === 'both' ? [0, 1] : d === 'toTarget' ? [0] : [1];
  if (spec.afterUnits !== undefined && !(Number.isInteger(spec.afterUnits) && spec.afterUnits >= 1)) {
    throw new UsageError('bad_emulator_option', `emulator: disconnect.afterUnits must be a positive integer, got ${spec.afterUnits}`);
  }
  return { afterUnits: spec.afterUnits, atMs: spec.atMs, directions };
}

function build<U, T>(options: EmulatedLinkOptions, mode: ModeOps<U>): EmulatedLink<T> {
  const latencyMs = options.latencyMs ?? 0;
  if (!(Number.isFinite(latencyMs) && latencyMs >= 0)) {
    throw new UsageError('bad_emulator_option', `emulator: latencyMs must be >= 0, got ${latencyMs}`);
  }
  const seed = options.seed ?? 1;
  const stats: LinkStats = { toTarget: emptyDirectionStats(), toHost: emptyDirectionStats() };
  const injector = (dir: Side): FaultInjector<U> => {
    const counters = dir === 0 ? stats.toTarget : stats.toHost;
    try {
      return new FaultInjector(faultsFor(options.faults, dir), seed, dir, mode.unitOps, counters);
    } catch (e) {
      throw new UsageError('bad_emulator_option', `emulator: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  };
  const ctx: LinkContext<U> = {
    name: options.name ?? 'emulator',
    timeline: new Timeline(options.scheduler ?? asyncScheduler),
    mode,
    latencyMs,
    injectors: [injector(0), injector(1)],
    stats: [stats.toTarget, stats.toHost],
  };
  let session = new Session(ctx, triggerOf(options.disconnect));
  const pair = (): { host: T; target: T } => ({
    host: session.transports[0] as unknown as T,
    target: session.transports[1] as unknown as T,
  });
  return {
    get host() {
      return pair().host;
    },
    get target() {
      return pair().target;
    },
    stats,
    get connected() {
      return session.alive;
    },
    get lineRates() {
      return { host: session.rateOf(0), target: session.rateOf(1) };
    },
    disconnect: () => session.disconnect(),
    reconnect: (o) => {
      session.disconnect();
      session = new Session(ctx, triggerOf(o?.disconnect));
      return pair();
    },
    close: async () => {
      await Promise.all(session.transports.map((t: Transport<U>) => t.close()));
    },
  };
}

/** Create a connected byte-stream pair (UART-like, full duplex). */
export function createEmulatedLink(options: ByteStreamEmulatorOptions): EmulatedLink<ByteStreamTransport>;
/** Create a connected CAN pair (one shared bus, arbitration by lower identifier). */
export function createEmulatedLink(options: CanEmulatorOptions): EmulatedLink<CanTransport>;
export function createEmulatedLink(options: EmulatedLinkOptions): EmulatedLink<ByteStreamTransport> | EmulatedLink<CanTransport> {
  switch (options.mode) {
    case 'bytes':
      return build<Uint8Array, ByteStreamTransport>(options, byteStreamMode(options));
    case 'can':
      return build<CanFrame, CanTransport>(options, canMode(options));
  }
}
