/**
 * Discovery messages on the wire (docs/protocol.md section 3.5): ANNOUNCE,
 * ASSIGN and ASSIGNED are frames (section 1) cut into 8-byte (classic) or
 * 64-byte (FD) segments on group identifiers: requests on kind 0 with key 0,
 * replies on kind 1 with the sender's key; the segment index is bits 5..0.
 * The receiver reassembles one stream per (kind, key), as section 3.3 does
 * per node, so replies of many nodes interleaved on the bus come apart.
 */
import type { CanFrame } from '../transports/types.js';
import { CAN_GROUP_INDEX_MOD, GroupKind, decodeGroupCanId, encodeGroupCanId } from './can-id.js';
import { CanReassembler } from './can-reassembler.js';
import { CAN_CLASSIC_SEGMENT, CAN_FD_SEGMENT, FrameFlag } from './constants.js';
import { fdPaddedLength } from './can-segment.js';
import { decodeFrame, encodeFrame } from './frame.js';
import { DISCOVERY_MAX_FRAME, DiscoveryType, decodeDiscover, encodeDiscover } from './messages-discovery.js';
import type { DiscoverMsg } from './messages-discovery.js';
import type { ChannelCounters, Frame } from './types.js';

/** Who sends: the host's requests go on kind 0 (key 0), a node's replies on kind 1 with its key. */
export type GroupSender = { readonly role: 'host' } | { readonly role: 'node'; readonly key: number };

/** The CAN frame of a DISCOVER. */
export function discoverFrame(m: DiscoverMsg): CanFrame {
  return { id: encodeGroupCanId(GroupKind.request, 0, 0), extended: true, fd: false, data: encodeDiscover(m) };
}

/** The segments of one discovery message (type and payload) from `sender`. */
export function groupSegments(type: number, payload: Uint8Array, sender: GroupSender, fd = false): CanFrame[] {
  const bytes = encodeFrame(
    { type, flags: sender.role === 'node' ? FrameFlag.fromTarget : 0, session: 0, seq: 0, payload },
    DISCOVERY_MAX_FRAME,
  );
  const size = fd ? CAN_FD_SEGMENT : CAN_CLASSIC_SEGMENT;
  const kind = sender.role === 'host' ? GroupKind.request : GroupKind.reply;
  const key = sender.role === 'host' ? 0 : sender.key;
  const out: CanFrame[] = [];
  for (let index = 0, at = 0; at < bytes.length; index++, at += size) {
    let data = bytes.subarray(at, Math.min(at + size, bytes.length));
    if (fd && fdPaddedLength(data.length) !== data.length) {
      const padded = new Uint8Array(fdPaddedLength(data.length)).fill(0xcc);
      padded.set(data);
      data = padded;
    }
    out.push({ id: encodeGroupCanId(kind, key, index), extended: true, fd, data: data.slice() });
  }
  return out;
}

/** What a group receiver makes of one CAN frame. */
export type GroupUnit =
  | { readonly kind: 'discover'; readonly msg: DiscoverMsg }
  /** A complete, CRC-checked frame from the stream of (`from`, `key`). */
  | { readonly kind: 'frame'; readonly from: 'host' | 'node'; readonly key: number; readonly frame: Frame }
  /** A segment that did not complete a frame. */
  | { readonly kind: 'segment'; readonly from: 'host' | 'node'; readonly key: number };

/**
 * Reassembles group requests and replies, one stream per (kind, key). Memory
 * is bounded: at most `maxStreams` streams (the least recently used one is
 * dropped for a new one), each at most DISCOVERY_MAX_FRAME bytes.
 */
export class GroupReceiver {
  private readonly streams = new Map<number, CanReassembler>();
  readonly counters: Pick<ChannelCounters, 'segmentErrors' | 'oversize' | 'malformed' | 'crcErrors'> = {
    segmentErrors: 0,
    oversize: 0,
    malformed: 0,
    crcErrors: 0,
  };

  constructor(private readonly maxStreams = 256) {}

  /** Feed one CAN frame; undefined for frames that are not discovery traffic (other tags, group data, kind 3). */
  push(cf: CanFrame): GroupUnit | undefined {
    const addr = decodeGroupCanId(cf.id, cf.extended);
    if (addr === undefined || (addr.kind !== GroupKind.request && addr.kind !== GroupKind.reply)) return undefined;
    const from = addr.kind === GroupKind.request ? 'host' : 'node';
    if (from === 'host' && addr.key === 0 && addr.index === 0 && cf.data[0] === DiscoveryType.DISCOVER) {
      const msg = decodeDiscover(cf.data);
      if (msg !== undefined) return { kind: 'discover', msg };
    }
    const streamKey = addr.kind * 0x10000 + addr.key;
    let r = this.streams.get(streamKey);
    if (r === undefined) {
      if (this.streams.size >= this.maxStreams) {
        const oldest = this.streams.keys().next().value;
        if (oldest !== undefined) this.streams.delete(oldest);
      }
      r = new CanReassembler(DISCOVERY_MAX_FRAME, CAN_GROUP_INDEX_MOD, this.counters);
    } else {
      this.streams.delete(streamKey); // re-insert: most recently used last
    }
    this.streams.set(streamKey, r);
    const bytes = r.push(addr.index, cf.data);
    if (bytes === undefined) return { kind: 'segment', from, key: addr.key };
    const decoded = decodeFrame(bytes, DISCOVERY_MAX_FRAME);
    if (!decoded.ok) {
      if (decoded.fault === 'crcErrors') this.counters.crcErrors++;
      else this.counters.malformed++;
      return { kind: 'segment', from, key: addr.key };
    }
    return { kind: 'frame', from, key: addr.key, frame: decoded.frame };
  }

  /** Forget every partial frame. */
  reset(): void {
    this.streams.clear();
  }
}
