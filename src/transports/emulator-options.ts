/**
 * Options and statistics of the in-process link emulator.
 */
import type { SchedulerLike } from 'rxjs';
import type { FaultDirection, FaultSpec } from './emulator-faults.js';
import type { UartFraming } from './line-cost.js';

/** When the link goes away by itself (one-shot; `reconnect` may arm another). */
export interface DisconnectSpec {
  /** Disconnect once this many units have left the wire (in `direction`), after the last of them arrives. */
  readonly afterUnits?: number;
  /** Which units count for `afterUnits` (default 'both'). */
  readonly direction?: FaultDirection;
  /** Disconnect at this time, ms after the link (or the reconnect) was created. */
  readonly atMs?: number;
}

/** Options common to both modes. */
export interface EmulatorCommonOptions {
  /** Clock for every timer (default asyncScheduler). Use a VirtualTimeScheduler/TestScheduler in tests. */
  readonly scheduler?: SchedulerLike;
  /** One-way latency added to every unit after it leaves the wire, ms (default 0). */
  readonly latencyMs?: number;
  /** Seed of every random fault (default 1). */
  readonly seed?: number;
  /** Faults; each spec applies to its `direction`. Several specs on one direction merge field by field, later ones win. */
  readonly faults?: FaultSpec | readonly FaultSpec[];
  readonly disconnect?: DisconnectSpec;
  /** Link name used in error messages (default "emulator"). */
  readonly name?: string;
}

/** A byte-stream (UART-like) link: full duplex, each direction has its own wire. */
export interface ByteStreamEmulatorOptions extends EmulatorCommonOptions {
  readonly mode: 'bytes';
  /** Line rate per direction, bit/s. */
  readonly bitRate: number;
  /** Character framing (default 8N1: 10 bits per byte). */
  readonly framing?: UartFraming;
  /** Transmit FIFO per side, bytes (default 4096). */
  readonly txQueueBytes?: number;
  /**
   * Highest rate the cable and level shifters carry, bit/s (default: no
   * limit). Units sent faster arrive garbled, like units sent while the two
   * ends' rates differ (see `setBaudRate` on the byte-stream ends).
   */
  readonly maxBitRate?: number;
  /** A marginal line: above `bitRate`, every `garbleEvery`th unit of a direction arrives garbled (deterministic). */
  readonly marginal?: { readonly bitRate: number; readonly garbleEvery: number };
}

/** A CAN link: one shared bus, lower identifier wins arbitration. */
export interface CanEmulatorOptions extends EmulatorCommonOptions {
  readonly mode: 'can';
  /** Nominal (arbitration) bit rate, bit/s. */
  readonly bitRate: number;
  /** CAN FD data-phase bit rate (default `bitRate`). */
  readonly dataBitRate?: number;
  /** Whether the bus carries CAN FD frames (default false). */
  readonly fd?: boolean;
  /** Transmit mailboxes per side, frames (default 8). */
  readonly txQueueFrames?: number;
}

export type EmulatedLinkOptions = ByteStreamEmulatorOptions | CanEmulatorOptions;

/** What happened to the units of one direction. For CAN, bytes are data bytes. */
export interface DirectionStats {
  /** Units that left the wire (lost ones included). */
  unitsSent: number;
  bytesSent: number;
  /** Units handed to the receiver (duplicates included). */
  unitsDelivered: number;
  bytesDelivered: number;
  /** Units lost to loss faults. */
  dropped: number;
  corrupted: number;
  duplicated: number;
  reordered: number;
  /** Units thrown away by a close or a disconnect (queued, in flight, or arriving at a closed end). */
  discarded: number;
  /** Wire time spent on this direction's units, ms. */
  wireMs: number;
  /** Units garbled because the two ends' line rates differed, or exceeded the link's maxBitRate (byte streams). */
  rateGarbled: number;
}

export interface LinkStats {
  readonly toTarget: DirectionStats;
  readonly toHost: DirectionStats;
}

export function emptyDirectionStats(): DirectionStats {
  return {
    unitsSent: 0,
    bytesSent: 0,
    unitsDelivered: 0,
    bytesDelivered: 0,
    dropped: 0,
    corrupted: 0,
    duplicated: 0,
    reordered: 0,
    discarded: 0,
    wireMs: 0,
    rateGarbled: 0,
  };
}
