/**
 * What a transfer counts. Every failure kind has a counter; the result (and
 * every progress event) reports them so a flaky link shows up as numbers,
 * not as a mystery.
 */
import type { TargetCountersWire } from '../messages-types.js';
import type { ChannelCounters } from '../types.js';

export interface TransferCounters {
  /** Frames with a bad CRC-32: host channel + target channel (target's figure arrives with DONE). */
  crcErrors: number;
  /** Structurally bad frames and undecodable payloads, both sides. */
  malformed: number;
  /** DATA chunks the target already held (retransmitted or duplicated on the link) + repeated replies at the host. */
  duplicates: number;
  /** DATA chunks the host sent again. */
  retransmits: number;
  /** Retransmission timer expiries at the host. */
  timeouts: number;
  /** DATA the target dropped as beyond its window. */
  outOfWindow: number;
  /**
   * Frames from the target for another session (another host's traffic on the
   * line, or a seq this host waits on under another session): never taken as
   * this transfer's replies.
   */
  foreign: number;
  /** NACKs the host received. */
  naks: number;
  /** Payload bytes of DATA actually sent, retransmissions included. */
  bytesSent: number;
  /** The part of bytesSent that was retransmissions: bytesSent - bytesRetransmitted = new bytes. */
  bytesRetransmitted: number;
  /** Frames the host sent during the transfer. */
  framesSent: number;
}

export function zeroCounters(): TransferCounters {
  return { crcErrors: 0, malformed: 0, duplicates: 0, retransmits: 0, timeouts: 0, outOfWindow: 0, foreign: 0, naks: 0, bytesSent: 0, bytesRetransmitted: 0, framesSent: 0 };
}

/** Host counters plus the channel's fault counts since `base`, plus the target's (if it reported them). */
export function mergeCounters(
  host: TransferCounters,
  channel: Readonly<ChannelCounters>,
  base: Readonly<ChannelCounters>,
  target?: TargetCountersWire,
): TransferCounters {
  const structural = (c: Readonly<ChannelCounters>): number => c.malformed + c.badVersion + c.oversize + c.segmentErrors;
  return {
    ...host,
    crcErrors: host.crcErrors + channel.crcErrors - base.crcErrors + (target?.crcErrors ?? 0),
    malformed: host.malformed + structural(channel) - structural(base) + (target?.malformed ?? 0),
    duplicates: host.duplicates + (target?.duplicates ?? 0),
    outOfWindow: host.outOfWindow + (target?.outOfWindow ?? 0),
  };
}

/** A chunk frame went out: `bytes` image bytes it covers, `repeat` when they were sent before. */
export function countSent(c: TransferCounters, bytes: number, repeat: boolean): void {
  c.framesSent++;
  c.bytesSent += bytes;
  if (repeat) {
    c.retransmits++;
    c.bytesRetransmitted += bytes;
  }
}
