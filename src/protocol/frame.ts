/**
 * The frame codec (docs/protocol.md section 1): Frame <-> encoded bytes.
 *
 *   0x00 u16 magic 0x4842 | 0x02 u8 version | 0x03 u8 type | 0x04 u16 payload length
 *   0x06 u8 flags | 0x07 u8 reserved | 0x08 u16 session | 0x0A u16 seq
 *   0x0C payload | u32 CRC-32 (IEEE) over every byte before it
 *
 * The decoder never throws on wire bytes: it classifies what it rejects so a
 * channel can count it.
 */
import { crc32 } from 'node:zlib';
import { ProtocolError } from '../errors.js';
import {
  FRAME_CRC_SIZE,
  FRAME_FLAGS_V1,
  FRAME_HEADER_SIZE,
  FRAME_LENGTH_PREFIX,
  FRAME_MAGIC,
  FRAME_OVERHEAD,
  FrameOff,
  MAX_FRAME_LIMIT,
  MAX_PAYLOAD_LIMIT,
  PROTOCOL_VERSION,
} from './constants.js';
import type { ChannelCounters, Frame } from './types.js';

export { FRAME_CRC_SIZE, FRAME_HEADER_SIZE, FRAME_OVERHEAD } from './constants.js';

/** Why a run of bytes is not a frame; each names the channel counter it increments. */
export type FrameFault = keyof Pick<ChannelCounters, 'crcErrors' | 'malformed' | 'badVersion' | 'oversize'>;

export type FrameDecodeResult =
  | { readonly ok: true; readonly frame: Frame }
  | { readonly ok: false; readonly fault: FrameFault; readonly detail: string };

/** Largest payload that fits in a frame of at most `maxFrame` bytes (0 if not even the overhead fits). */
export function maxPayloadFor(maxFrame: number): number {
  return Math.max(0, Math.min(MAX_PAYLOAD_LIMIT, Math.floor(maxFrame) - FRAME_OVERHEAD));
}

/** Encoded size of a frame carrying `payloadLength` bytes. */
export function frameSize(payloadLength: number): number {
  return FRAME_OVERHEAD + payloadLength;
}

function checkField(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new ProtocolError(
      'frame_field_range',
      `cannot encode frame: ${name} ${value} is outside 0..${max} (a bug in the caller building the frame)`,
    );
  }
}

/**
 * Encode a frame. Throws ProtocolError if a field is out of range or the
 * encoded frame would exceed `maxFrame` bytes.
 */
export function encodeFrame(frame: Frame, maxFrame: number = MAX_FRAME_LIMIT): Uint8Array {
  checkField('type', frame.type, 0xff);
  checkField('flags', frame.flags, 0xff);
  checkField('session', frame.session, 0xffff);
  checkField('seq', frame.seq, 0xffff);
  const size = frameSize(frame.payload.length);
  if (frame.payload.length > MAX_PAYLOAD_LIMIT || size > maxFrame) {
    throw new ProtocolError(
      'frame_too_large',
      `cannot encode frame type 0x${frame.type.toString(16)}: ${size} bytes exceeds the maximum frame of ` +
        `${Math.min(maxFrame, MAX_FRAME_LIMIT)} bytes (payload ${frame.payload.length}, at most ${maxPayloadFor(maxFrame)})`,
    );
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint16(FrameOff.magic, FRAME_MAGIC);
  out[FrameOff.version] = PROTOCOL_VERSION;
  out[FrameOff.type] = frame.type;
  view.setUint16(FrameOff.length, frame.payload.length);
  out[FrameOff.flags] = frame.flags;
  out[FrameOff.reserved] = 0;
  view.setUint16(FrameOff.session, frame.session);
  view.setUint16(FrameOff.seq, frame.seq);
  out.set(frame.payload, FrameOff.payload);
  view.setUint32(size - FRAME_CRC_SIZE, crc32(out.subarray(0, size - FRAME_CRC_SIZE)));
  return out;
}

/**
 * From the first FRAME_LENGTH_PREFIX (6) bytes of a frame, its total encoded
 * size; undefined if there are fewer bytes or the magic is wrong.
 */
export function peekFrameSize(prefix: Uint8Array): number | undefined {
  if (prefix.length < FRAME_LENGTH_PREFIX) return undefined;
  if (((prefix[0]! << 8) | prefix[1]!) !== FRAME_MAGIC) return undefined;
  return frameSize((prefix[FrameOff.length]! << 8) | prefix[FrameOff.length + 1]!);
}

function fail(fault: FrameFault, detail: string): FrameDecodeResult {
  return { ok: false, fault, detail };
}

/**
 * Decode and check one encoded frame (exactly the frame's bytes). Never
 * throws. Checks, in order: size against `maxFrame` (oversize), minimum size
 * (malformed), CRC (crcErrors), magic (malformed), version (badVersion),
 * length field against the byte count, reserved byte and undefined flag bits
 * (malformed). The returned payload is a view into `bytes`.
 */
export function decodeFrame(bytes: Uint8Array, maxFrame: number = MAX_FRAME_LIMIT): FrameDecodeResult {
  const n = bytes.length;
  if (n > maxFrame) return fail('oversize', `${n} bytes exceeds the maximum frame of ${maxFrame}`);
  if (n < FRAME_OVERHEAD) return fail('malformed', `${n} bytes is shorter than the ${FRAME_OVERHEAD}-byte minimum frame`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, n);
  const expected = view.getUint32(n - FRAME_CRC_SIZE);
  const actual = crc32(bytes.subarray(0, n - FRAME_CRC_SIZE));
  if (expected !== actual) {
    return fail('crcErrors', `CRC-32 0x${actual.toString(16).padStart(8, '0')} != 0x${expected.toString(16).padStart(8, '0')}`);
  }
  const magic = view.getUint16(FrameOff.magic);
  if (magic !== FRAME_MAGIC) return fail('malformed', `magic 0x${magic.toString(16)} is not 0x4842`);
  const version = bytes[FrameOff.version]!;
  if (version !== PROTOCOL_VERSION) return fail('badVersion', `protocol version ${version}, this build speaks ${PROTOCOL_VERSION}`);
  const length = view.getUint16(FrameOff.length);
  if (frameSize(length) !== n) return fail('malformed', `length field ${length} disagrees with ${n - FRAME_OVERHEAD} payload bytes`);
  const flags = bytes[FrameOff.flags]!;
  if ((flags & ~FRAME_FLAGS_V1) !== 0) return fail('malformed', `undefined flag bits 0x${flags.toString(16)}`);
  if (bytes[FrameOff.reserved] !== 0) return fail('malformed', `reserved byte 0x${bytes[FrameOff.reserved]!.toString(16)} is not 0`);
  return {
    ok: true,
    frame: {
      type: bytes[FrameOff.type]!,
      flags,
      session: view.getUint16(FrameOff.session),
      seq: view.getUint16(FrameOff.seq),
      payload: bytes.subarray(FRAME_HEADER_SIZE, n - FRAME_CRC_SIZE),
    },
  };
}
