/**
 * Options and statistics of the emulator bus (src/transports/emulator-bus.ts).
 */
import type { SchedulerLike } from 'rxjs';

/** The bus itself. */
export interface EmulatorBusOptions {
  /** Clock for every timer (default asyncScheduler). Use a VirtualTimeScheduler in tests. */
  readonly scheduler?: SchedulerLike;
  /** Nominal (arbitration) bit rate, bit/s (default 1,000,000: classic CAN at 1 Mbit/s). */
  readonly bitRate?: number;
  /** CAN FD data-phase bit rate (default `bitRate`). */
  readonly dataBitRate?: number;
  /** Whether the bus carries CAN FD frames (default false). */
  readonly fd?: boolean;
  /** Delay from the end of a frame on the wire to its arrival in each receiver's queue, ms (default 0). */
  readonly latencyMs?: number;
  /** Seed of every node's random loss (default 1); node k draws from its own stream mixSeed(seed, k). */
  readonly seed?: number;
  /** Bus name used in every message (default "emulator-bus"). */
  readonly name?: string;
}

/** One node attached to the bus. */
export interface BusNodeOptions {
  /** Node name used in messages: "<bus>/<name>" (default "node<k>", k = attach order from 0). */
  readonly name?: string;
  /** Probability, 0..1, that a frame sent by another node never reaches this one (default 0). */
  readonly loss?: number;
  /**
   * Frames per second this node's software reads from its receive queue
   * (default: unlimited, every frame is read when it arrives). A frame that
   * finds the queue full is dropped and counted as an overrun.
   */
  readonly rxFramesPerSecond?: number;
  /** Receive queue capacity, frames (default 64); only matters with `rxFramesPerSecond`. */
  readonly rxQueueFrames?: number;
  /** Transmit mailboxes, frames (default 8): sends beyond them wait (back-pressure). */
  readonly txQueueFrames?: number;
  /** Receive this node's own frames too, as a SocketCAN socket with CAN_RAW_RECV_OWN_MSGS (default false). */
  readonly receiveOwn?: boolean;
}

/** What happened at one node. */
export interface BusNodeStats {
  /** Frames this node put on the wire. */
  framesSent: number;
  /** Frames handed to this node's rx$. */
  framesReceived: number;
  /** Frames lost to this node's random loss. */
  lost: number;
  /** Frames dropped because this node's receive queue was full (a slow receiver). */
  overruns: number;
  /** Frames thrown away by this node's close (queued to send, or received but not yet read). */
  discarded: number;
}

/** What happened on the wire. */
export interface BusStats {
  /** Frames that left the wire. */
  frames: number;
  /** Time the wire was busy, ms. */
  busyMs: number;
}

export function emptyNodeStats(): BusNodeStats {
  return { framesSent: 0, framesReceived: 0, lost: 0, overruns: 0, discarded: 0 };
}
