/**
 * CAN segmentation (docs/protocol.md section 3.1): an encoded frame is cut
 * into consecutive segments of 8 data bytes (classic CAN) or 64 (CAN FD).
 * Every data byte is a frame byte; the segment index travels in the CAN
 * identifier. The last classic segment is as short as the data; the last FD
 * segment is padded with 0xCC to the next valid FD length. With `parity` k
 * (docs/protocol.md section 5.5) a frame of more than k segments also gets
 * one XOR parity segment per group of k: group 0's before segment 0, every
 * later group's right after its last segment.
 */
import type { CanFrame } from '../transports/types.js';
import { CAN_CLASSIC_SEGMENT, CAN_FD_LENGTHS, CAN_FD_PAD, CAN_FD_SEGMENT } from './constants.js';
import { encodeCanId } from './can-id.js';
import { codesFrame, groupParity, parityId } from './can-parity.js';
import type { CanDirection, CanIdFormat } from './can-id.js';

export interface SegmentOptions {
  readonly fd: boolean;
  readonly idFormat: CanIdFormat;
  readonly node: number;
  readonly direction: CanDirection;
  /** Group size k of parity segments (4, 8, 16 or 32); absent or 0: none. */
  readonly parity?: number;
}

/** Smallest valid CAN FD data length >= n (n <= 64). */
export function fdPaddedLength(n: number): number {
  if (n <= 8) return n;
  for (const len of CAN_FD_LENGTHS) if (len >= n) return len;
  return CAN_FD_SEGMENT;
}

/** Number of segments a frame of `frameSize` bytes needs. */
export function segmentCount(frameSize: number, fd: boolean): number {
  return Math.ceil(frameSize / (fd ? CAN_FD_SEGMENT : CAN_CLASSIC_SEGMENT));
}

/** The CAN frames for one encoded frame, lazily, in sending order. Data views `frame` except a padded last FD segment and parity. */
export function* canSegments(frame: Uint8Array, opts: SegmentOptions): Generator<CanFrame> {
  const size = opts.fd ? CAN_FD_SEGMENT : CAN_CLASSIC_SEGMENT;
  const extended = opts.idFormat === 'ext';
  const count = Math.ceil(frame.length / size);
  const k = opts.parity ?? 0;
  const coded = codesFrame(count, k);
  const parity = (g: number): CanFrame => ({
    id: parityId(opts.direction, opts.node, k, g),
    extended: true,
    fd: opts.fd,
    data: groupParity(frame, size, g * k, Math.min(count, (g + 1) * k)),
  });
  if (coded) yield parity(0);
  for (let index = 0, at = 0; at < frame.length; index++, at += size) {
    let data = frame.subarray(at, Math.min(at + size, frame.length));
    if (opts.fd) {
      const padded = fdPaddedLength(data.length);
      if (padded !== data.length) {
        const buf = new Uint8Array(padded).fill(CAN_FD_PAD);
        buf.set(data);
        data = buf;
      }
    }
    const id = encodeCanId(opts.idFormat, { node: opts.node, direction: opts.direction, index });
    yield { id, extended, fd: opts.fd, data };
    if (coded && index >= k && ((index + 1) % k === 0 || index === count - 1)) yield parity(Math.floor(index / k));
  }
}

/** All CAN frames for one encoded frame. */
export function segmentFrame(frame: Uint8Array, opts: SegmentOptions): CanFrame[] {
  return [...canSegments(frame, opts)];
}
