/**
 * Exact bit costs of units on the wire, and the payload limits derived from them.
 *
 * UART: start + data + parity + stop bits per byte.
 * Classic CAN: the real frame bits for the actual identifier and data, with the
 * CRC-15 computed and bit stuffing simulated over SOF..CRC.
 * CAN FD: arbitration phase at the nominal rate, data phase at the data rate,
 * dynamic stuffing simulated over SOF..data, fixed stuff bits in the CRC field.
 */
import type { CanFrame, CanIdFormat } from './types.js';

/** UART character framing. Default 8N1. */
export interface UartFraming {
  readonly dataBits?: 5 | 6 | 7 | 8;
  readonly parity?: 'none' | 'even' | 'odd' | 'mark' | 'space';
  readonly stopBits?: 1 | 1.5 | 2;
}

/** Bits on the wire per UART byte: start + data + parity + stop (8N1 = 10). */
export function uartBitsPerByte(framing: UartFraming = {}): number {
  const { dataBits = 8, parity = 'none', stopBits = 1 } = framing;
  return 1 + dataBits + (parity === 'none' ? 0 : 1) + stopBits;
}

/** Payload limit of a UART in bytes/s: every byte costs its full character time. */
export function uartPayloadLimit(bitRate: number, framing?: UartFraming): number {
  return bitRate / uartBitsPerByte(framing);
}

/** Bits of a CAN frame, split by the phase (and so the bit rate) they are sent at. */
export interface CanFrameBits {
  /** Bits at the nominal (arbitration) rate, stuff bits included. */
  readonly nominal: number;
  /** Bits at the data rate (CAN FD with bit-rate switch; 0 for classic frames). */
  readonly data: number;
  /** How many of the above are stuff bits (dynamic and, for FD, fixed). */
  readonly stuff: number;
}

/** Bits after the CRC sequence: CRC delimiter 1, ACK slot 1, ACK delimiter 1, EOF 7, intermission 3. */
const TRAILER_BITS = 13;

/** Valid CAN FD data lengths and their DLC codes. */
const FD_LENGTHS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64] as const;

/** DLC code for a data length (classic 0..8, FD lengths up to 64), or undefined if invalid. */
export function canDlc(length: number, fd: boolean): number | undefined {
  const dlc = FD_LENGTHS.indexOf(length as (typeof FD_LENGTHS)[number]);
  if (dlc < 0 || (!fd && dlc > 8)) return undefined;
  return dlc;
}

/**
 * One pass over a frame's bits, MSB first, without building them: the CRC-15
 * (poly 0x4599, init 0) of what was pushed (classic frames) and the stuff bits
 * the transmitter inserts: after five equal bits one of the opposite value,
 * which itself starts the next run. The emulator costs every frame it
 * carries, so this runs once per CAN frame: no arrays, integer operations
 * only. (test/unit/transports/line-cost.test.ts checks it against the frame's
 * bits drawn as an array.)
 */
class BitWalker {
  crc = 0;
  stuff = 0;
  count = 0;
  private last = -1;
  private run = 0;

  push(value: number, n: number): void {
    for (let i = n - 1; i >= 0; i--) this.bit((value >>> i) & 1);
  }

  bytes(data: Uint8Array): void {
    for (const b of data) this.push(b, 8);
  }

  bit(bit: number): void {
    this.count++;
    const top = (this.crc >>> 14) & 1;
    this.crc = (this.crc << 1) & 0x7fff;
    if ((top ^ bit) !== 0) this.crc ^= 0x4599;
    if (bit === this.last) this.run++;
    else {
      this.last = bit;
      this.run = 1;
    }
    if (this.run === 5) {
      this.stuff++;
      this.last = 1 - bit;
      this.run = 1;
    }
  }

  /** Bits after the CRC input: stuffed, not part of the CRC. */
  pushUncrc(value: number, n: number): void {
    const crc = this.crc;
    this.push(value, n);
    this.crc = crc;
  }
}

/** The arbitration bits SOF..DLC of a classic frame. */
function classicHeader(w: BitWalker, frame: CanFrame, dlc: number): void {
  w.bit(0); // SOF
  if (frame.extended) {
    w.push(frame.id >>> 18, 11); // ID-A
    w.push(0b11, 2); // SRR, IDE
    w.push(frame.id & 0x3ffff, 18); // ID-B
    w.push(0, 3); // RTR (data frame), r1, r0
  } else {
    w.push(frame.id, 11);
    w.push(0, 3); // RTR, IDE, r0
  }
  w.push(dlc, 4);
}

/** Exact bits of a classic CAN data frame, bit stuffing included. */
export function canClassicFrameBits(frame: CanFrame): CanFrameBits {
  const dlc = canDlc(frame.data.length, false);
  if (dlc === undefined) throw new RangeError(`classic CAN frame with ${frame.data.length} data bytes (max 8)`);
  const w = new BitWalker();
  classicHeader(w, frame, dlc);
  w.bytes(frame.data);
  w.pushUncrc(w.crc, 15);
  return { nominal: w.count + w.stuff + TRAILER_BITS, data: 0, stuff: w.stuff };
}

/**
 * Exact bits of a CAN FD data frame with bit-rate switch. Dynamic stuffing is
 * simulated over SOF..data; the CRC field (stuff count 4 bits, CRC-17 up to 16
 * data bytes or CRC-21 above) has fixed stuff bits (6 or 7) whatever its value,
 * so the CRC value itself does not change the count.
 */
export function canFdFrameBits(frame: CanFrame): CanFrameBits {
  const dlc = canDlc(frame.data.length, true);
  if (dlc === undefined) throw new RangeError(`CAN FD frame with ${frame.data.length} data bytes (not a valid FD length)`);
  const w = new BitWalker();
  w.bit(0); // SOF
  if (frame.extended) {
    w.push(frame.id >>> 18, 11);
    w.push(0b11, 2); // SRR, IDE
    w.push(frame.id & 0x3ffff, 18);
  } else {
    w.push(frame.id, 11);
  }
  w.bit(0); // RRS
  if (!frame.extended) w.bit(0); // IDE
  w.push(0b101, 3); // FDF, res, BRS: the data phase starts after BRS
  const switchAt = w.count;
  const before = w.stuff;
  w.bit(0); // ESI (error active)
  w.push(dlc, 4);
  w.bytes(frame.data);
  const after = w.stuff - before;
  const crcBits = frame.data.length > 16 ? 21 : 17;
  const fixedStuff = frame.data.length > 16 ? 7 : 6;
  const dataPhase = w.count - switchAt + after + 4 + crcBits + fixedStuff;
  return { nominal: switchAt + before + TRAILER_BITS, data: dataPhase, stuff: before + after + fixedStuff };
}

/** Bits of any frame (classic or FD by `frame.fd`). */
export function canFrameBits(frame: CanFrame): CanFrameBits {
  return frame.fd ? canFdFrameBits(frame) : canClassicFrameBits(frame);
}

/** Bit rates of a CAN bus. `dataBitRate` (FD data phase) defaults to `bitRate`. */
export interface CanBitRates {
  readonly bitRate: number;
  readonly dataBitRate?: number;
}

/** Seconds one frame occupies the bus. */
export function canFrameSeconds(frame: CanFrame, rates: CanBitRates): number {
  const bits = canFrameBits(frame);
  return bits.nominal / rates.bitRate + bits.data / (rates.dataBitRate ?? rates.bitRate);
}

/** Unstuffed bits of a frame with `length` data bytes: the least it can cost. */
function unstuffedBits(length: number, idFormat: CanIdFormat, fd: boolean): CanFrameBits {
  const extended = idFormat === 'ext';
  if (!fd) {
    const header = extended ? 1 + 11 + 2 + 18 + 3 + 4 : 1 + 11 + 3 + 4;
    return { nominal: header + length * 8 + 15 + TRAILER_BITS, data: 0, stuff: 0 };
  }
  const arbitration = extended ? 1 + 11 + 2 + 18 + 1 + 3 : 1 + 11 + 2 + 3;
  const crc = length > 16 ? 21 + 7 : 17 + 6;
  return { nominal: arbitration + TRAILER_BITS, data: 1 + 4 + length * 8 + 4 + crc, stuff: length > 16 ? 7 : 6 };
}

/** Classic CAN payload limit in bytes/s: 8 data bytes per frame at the unstuffed frame cost (the strict upper bound). */
export function canClassicPayloadLimit(bitRate: number, idFormat: CanIdFormat = 'std'): number {
  return (8 * bitRate) / unstuffedBits(8, idFormat, false).nominal;
}

/** CAN FD payload limit in bytes/s: `length` (default 64) data bytes per frame at the least (unstuffed) frame time. */
export function canFdPayloadLimit(
  rates: CanBitRates,
  idFormat: CanIdFormat = 'std',
  length = 64,
): number {
  const bits = unstuffedBits(length, idFormat, true);
  const seconds = bits.nominal / rates.bitRate + bits.data / (rates.dataBitRate ?? rates.bitRate);
  return length / seconds;
}

/** Unstuffed bits of a classic frame with `length` (default 8) data bytes: 111 with 11-bit identifiers ('std'), 131 with 29-bit ('ext'). */
export function canClassicUnstuffedBits(idFormat: CanIdFormat, length = 8): number {
  return unstuffedBits(length, idFormat, false).nominal;
}
