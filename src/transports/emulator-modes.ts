/**
 * What differs between the emulator's two modes: how a unit is sized, timed,
 * validated, copied and arbitrated.
 */
import { UsageError } from '../errors.js';
import type { UnitOps } from './emulator-faults.js';
import type { ByteStreamEmulatorOptions, CanEmulatorOptions } from './emulator-options.js';
import { canDlc, canFrameSeconds, uartBitsPerByte } from './line-cost.js';
import type { CanFrame } from './types.js';

export interface ModeOps<U> {
  readonly framingProps: { framing: 'bytes' } | { framing: 'can'; fd: boolean };
  /** One wire shared by both sides (CAN) or one wire per direction (UART). */
  readonly sharedBus: boolean;
  /** Transmit queue capacity per side, in `queueSize` units. */
  readonly capacity: number;
  queueSize(unit: U): number;
  payloadBytes(unit: U): number;
  durationMs(unit: U): number;
  /** True if `a` wins arbitration against `b`. */
  wins(a: U, b: U): boolean;
  /** An error if the unit cannot go on this link. */
  validate(unit: U, link: string): UsageError | undefined;
  copy(unit: U): U;
  readonly unitOps: UnitOps<U>;
  /** Byte streams: each end has its own, switchable line rate (`setBaudRate`). */
  readonly lineRate?: LineRateOps<U>;
}

/** How a byte-stream link times and garbles units per end rate. */
export interface LineRateOps<U> {
  /** Rate both ends start at, bit/s. */
  readonly initial: number;
  /** Highest rate the link carries intact (Infinity: no limit). */
  readonly max: number;
  /** Above `bitRate`, every `garbleEvery`th unit per direction is garbled. */
  readonly marginal: { readonly bitRate: number; readonly garbleEvery: number } | undefined;
  /** Wire time of a unit sent at `bitRate`. */
  durationMs(unit: U, bitRate: number): number;
  /** What a receiver at the wrong rate makes of a unit. */
  garble(unit: U): U;
}

/**
 * A receiver sampling at the wrong rate sees framing errors and other bytes
 * than were sent; modelled deterministically as every byte XOR 0x55. It turns
 * delimiters into data and some data into delimiters, so the COBS splitter
 * sees garbage runs (counted malformed/CRC errors), never a valid frame.
 */
function garbleBytes(u: Uint8Array): Uint8Array {
  return u.map((b) => b ^ 0x55);
}

function positive(name: string, v: number): number {
  if (!(Number.isFinite(v) && v > 0)) throw new UsageError('bad_emulator_option', `emulator: ${name} must be a positive number, got ${v}`);
  return v;
}

export function byteStreamMode(o: ByteStreamEmulatorOptions): ModeOps<Uint8Array> {
  const bitsPerByte = uartBitsPerByte(o.framing);
  const msPerByte = (bitsPerByte / positive('bitRate', o.bitRate)) * 1000;
  return {
    lineRate: {
      initial: o.bitRate,
      max: o.maxBitRate === undefined ? Infinity : positive('maxBitRate', o.maxBitRate),
      marginal:
        o.marginal === undefined
          ? undefined
          : { bitRate: positive('marginal.bitRate', o.marginal.bitRate), garbleEvery: Math.max(1, Math.floor(positive('marginal.garbleEvery', o.marginal.garbleEvery))) },
      durationMs: (u, bitRate) => (u.length * bitsPerByte * 1000) / bitRate,
      garble: garbleBytes,
    },
    framingProps: { framing: 'bytes' },
    sharedBus: false,
    capacity: positive('txQueueBytes', o.txQueueBytes ?? 4096),
    queueSize: (u) => u.length,
    payloadBytes: (u) => u.length,
    durationMs: (u) => u.length * msPerByte,
    wins: () => false,
    validate: (u, link) =>
      u instanceof Uint8Array ? undefined : new UsageError('invalid_unit', `${link}: send() takes a Uint8Array`),
    copy: (u) => u.slice(),
    unitOps: { bytes: (u) => u, withBytes: (_u, b) => b },
  };
}

/** Arbitration key: the bits up to the end of the arbitration field as a number; lower wins (dominant 0). */
function arbitrationKey(f: CanFrame): number {
  // Standard: ID(11) then RTR/RRS=0, IDE=0. Extended: ID-A(11), SRR=1, IDE=1, ID-B(18), RTR/RRS=0.
  if (!f.extended) return f.id * 2 ** 21;
  return (f.id >>> 18) * 2 ** 21 + 2 ** 20 + 2 ** 19 + (f.id & 0x3ffff) * 2;
}

export function canMode(o: CanEmulatorOptions): ModeOps<CanFrame> {
  const fd = o.fd ?? false;
  const rates = { bitRate: positive('bitRate', o.bitRate), dataBitRate: positive('dataBitRate', o.dataBitRate ?? o.bitRate) };
  return {
    framingProps: { framing: 'can', fd },
    sharedBus: true,
    capacity: positive('txQueueFrames', o.txQueueFrames ?? 8),
    queueSize: () => 1,
    payloadBytes: (f) => f.data.length,
    durationMs: (f) => canFrameSeconds(f, rates) * 1000,
    wins: (a, b) => arbitrationKey(a) < arbitrationKey(b),
    validate: (f, link) => {
      const maxId = f.extended ? 0x1fffffff : 0x7ff;
      if (!Number.isInteger(f.id) || f.id < 0 || f.id > maxId) {
        return new UsageError('invalid_can_frame', `${link}: CAN id 0x${f.id.toString(16)} does not fit ${f.extended ? 29 : 11} bits`);
      }
      if (f.fd && !fd) return new UsageError('invalid_can_frame', `${link}: CAN FD frame on a classic CAN bus (create the link with fd: true)`);
      if (canDlc(f.data.length, f.fd) === undefined) {
        return new UsageError(
          'invalid_can_frame',
          `${link}: ${f.data.length} data bytes is not a valid ${f.fd ? 'CAN FD length (0..8, 12, 16, 20, 24, 32, 48, 64)' : 'classic CAN length (0..8)'}`,
        );
      }
      return undefined;
    },
    copy: (f) => ({ id: f.id, extended: f.extended, fd: f.fd, data: f.data.slice() }),
    unitOps: { bytes: (f) => f.data, withBytes: (f, data) => ({ id: f.id, extended: f.extended, fd: f.fd, data }) },
  };
}
