/**
 * FrameChannel over CAN to one node (docs/protocol.md section 3): frames are
 * segmented into classic or FD CAN frames addressed by node and direction.
 */
import { defer, mergeMap, share } from 'rxjs';
import type { CanTransport } from '../transports/types.js';
import { UsageError } from '../errors.js';
import { canIndexModulus, checkCanNode, decodeCanId } from './can-id.js';
import type { CanDirection, CanIdFormat } from './can-id.js';
import { CanReassembler } from './can-reassembler.js';
import { canSegments } from './can-segment.js';
import { acceptFrame, buildChannel, checkMaxFrame, newCounters } from './channel-core.js';
import type { ChannelRole } from './channel-core.js';
import type { FrameChannel } from './types.js';

export interface CanChannelOptions {
  /** The target's node id: 1..31 (std) or 1..254 (ext). */
  readonly node: number;
  readonly idFormat: CanIdFormat;
  /** Send CAN FD frames (64-byte segments); the transport must be an FD link. */
  readonly fd: boolean;
  readonly role: ChannelRole;
  /** Largest encoded frame accepted or sent (64..65551). */
  readonly maxFrame: number;
}

/** The direction frames sent by `role` travel in. */
export function sendDirection(role: ChannelRole): CanDirection {
  return role === 'host' ? 'toTarget' : 'toHost';
}

/**
 * Open a frame channel to one node on an open CAN transport. Segments for
 * other nodes, the other direction, the other identifier format, or other
 * traffic are ignored. Named "node <n> on <link>".
 */
export function openCanChannel(transport: CanTransport, opts: CanChannelOptions): FrameChannel {
  const name = `node ${opts.node} on ${transport.name}`;
  checkCanNode(opts.idFormat, opts.node, transport.name);
  checkMaxFrame(opts.maxFrame, name);
  if (opts.fd && !transport.fd) {
    throw new UsageError('fd_unsupported', `cannot use CAN FD for ${name}: the link is classic CAN only (check the interface's fd setting)`);
  }
  const counters = newCounters();
  const extended = opts.idFormat === 'ext';
  const txDirection = sendDirection(opts.role);
  const rxDirection: CanDirection = txDirection === 'toTarget' ? 'toHost' : 'toTarget';
  const frames$ = defer(() => {
    const reassembler = new CanReassembler(opts.maxFrame, canIndexModulus(opts.idFormat), counters);
    return transport.rx$.pipe(
      mergeMap((cf) => {
        if (cf.extended !== extended) return [];
        const addr = decodeCanId(opts.idFormat, cf.id);
        if (!addr || addr.node !== opts.node || addr.direction !== rxDirection) return [];
        const bytes = reassembler.push(addr.index, cf.data);
        const frame = bytes && acceptFrame(bytes, opts.maxFrame, opts.role, counters);
        return frame ? [frame] : [];
      }),
    );
  }).pipe(share());
  const segOpts = { fd: opts.fd, idFormat: opts.idFormat, node: opts.node, direction: txDirection };
  return buildChannel({
    name,
    maxFrame: opts.maxFrame,
    role: opts.role,
    transport,
    counters,
    frames$,
    units: (bytes) => canSegments(bytes, segOpts),
  });
}
