/**
 * FrameChannel over CAN to one node (docs/protocol.md section 3): frames are
 * segmented into classic or FD CAN frames addressed by node and direction.
 */
import { defer, mergeMap, share } from 'rxjs';
import type { CanFrame, CanTransport } from '../transports/types.js';
import { UsageError } from '../errors.js';
import { canIndexModulus, checkCanNode, decodeCanId } from './can-id.js';
import type { CanDirection, CanIdFormat } from './can-id.js';
import { CanReassembler } from './can-reassembler.js';
import { announceFrame, decodeParityFrame } from './can-parity.js';
import { ParityPolicy } from './can-parity-policy.js';
import { canSegments, segmentCount } from './can-segment.js';
import { FrameOff } from './constants.js';
import { MessageType } from './messages-types.js';
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
  // Segment parity (docs/protocol.md section 5.5): a target announces that it rebuilds segments before INFO and
  // SESSION; a host adds parity only once its target announced it, as much as the measured loss calls for.
  const policy = new ParityPolicy(extended ? 1 : PARITY_COST_STD);
  let peerRebuilds = false;
  const frames$ = defer(() => {
    const reassembler = new CanReassembler(opts.maxFrame, canIndexModulus(opts.idFormat), counters);
    return transport.rx$.pipe(
      mergeMap((cf) => {
        const unit = decodeParityFrame(cf);
        if (unit !== undefined) {
          if (unit.node !== opts.node || unit.direction !== rxDirection) return [];
          counters.bytesReceived += cf.data.length;
          if (unit.kind === 'announce') {
            peerRebuilds = true;
            return [];
          }
          const bytes = reassembler.pushParity(unit.k, unit.group, cf.data);
          const frame = bytes && acceptFrame(bytes, opts.maxFrame, opts.role, counters);
          return frame ? [frame] : [];
        }
        if (cf.extended !== extended) return [];
        const addr = decodeCanId(opts.idFormat, cf.id);
        if (!addr || addr.node !== opts.node || addr.direction !== rxDirection) return [];
        counters.bytesReceived += cf.data.length;
        const bytes = reassembler.push(addr.index, cf.data);
        const frame = bytes && acceptFrame(bytes, opts.maxFrame, opts.role, counters);
        return frame ? [frame] : [];
      }),
    );
  }).pipe(share());
  const segOpts = { fd: opts.fd, idFormat: opts.idFormat, node: opts.node, direction: txDirection };
  function* units(bytes: Uint8Array): Generator<CanFrame> {
    const type = bytes[FrameOff.type];
    if (type === MessageType.HELLO) {
      // A (re)connect: the target may be another program now; wait for its announcement.
      peerRebuilds = false;
      policy.reset();
    }
    // Before the reply, so a host that stops listening once the reply is complete has already seen it.
    if (opts.role === 'target' && (type === MessageType.INFO || type === MessageType.SESSION)) yield announceFrame(txDirection, opts.node);
    // DATA and XDATA (the chunks of a transfer) get what the measured loss calls for; the few other frames (BEGIN,
    // END, ...) always get parity: a lost one costs a round trip or a timeout, not one chunk.
    const k = !peerRebuilds ? 0 : type === MessageType.DATA || type === MessageType.XDATA ? policy.k : CONTROL_PARITY;
    yield* canSegments(bytes, { ...segOpts, parity: k });
  }
  const channel = buildChannel({ name, maxFrame: opts.maxFrame, role: opts.role, transport, counters, frames$, units });
  return {
    ...channel,
    reportLoss(delivered: number, lost: number, frameBytes: number): void {
      policy.record(delivered, lost, segmentCount(frameBytes, opts.fd));
    },
  };
}

/** Group size of parity on frames other than DATA once the peer rebuilds segments. */
const CONTROL_PARITY = 4;

/** Bus time of a 29-bit 8-byte parity frame in 11-bit 8-byte data frames (131 vs 111 bits before stuffing). */
const PARITY_COST_STD = 131 / 111;
