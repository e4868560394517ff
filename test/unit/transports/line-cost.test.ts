import { describe, expect, it } from 'vitest';
import {
  canClassicFrameBits,
  canClassicPayloadLimit,
  canClassicUnstuffedBits,
  canDlc,
  canFdFrameBits,
  canFdPayloadLimit,
  uartBitsPerByte,
  uartPayloadLimit,
} from '../../../src/transports/line-cost.js';
import { createRng } from '../../../src/transports/rng.js';
import type { CanFrame } from '../../../src/transports/types.js';

const frame = (id: number, data: number[], extended = false, fd = false): CanFrame => ({
  id,
  extended,
  fd,
  data: Uint8Array.from(data),
});

// The rules as the standard states them, over a frame's bits drawn as an array: the reference the one-pass
// counter of src/transports/line-cost.ts is checked against.
/** CRC-15/CAN (poly 0x4599, init 0) over a bit sequence, MSB first. */
function canCrc15(bits: readonly number[]): number {
  let crc = 0;
  for (const bit of bits) {
    const top = (crc >> 14) & 1;
    crc = (crc << 1) & 0x7fff;
    if ((top ^ bit) !== 0) crc ^= 0x4599;
  }
  return crc;
}

/**
 * Count the stuff bits the transmitter inserts into `bits`: after five equal
 * bits it inserts one of the opposite value, which itself starts the next run.
 * Returns the count per position range [0, split) and [split, end).
 */
function countStuffBits(bits: readonly number[], split = bits.length): { before: number; after: number } {
  let before = 0;
  let after = 0;
  let last = -1;
  let run = 0;
  bits.forEach((bit, i) => {
    if (bit === last) run++;
    else {
      last = bit;
      run = 1;
    }
    if (run === 5) {
      if (i < split) before++;
      else after++;
      last = 1 - bit;
      run = 1;
    }
  });
  return { before, after };
}


/** Textbook long division of (message * x^15) by x^15+x^14+x^10+x^8+x^7+x^4+x^3+1: independent of the shift register. */
function crc15ByDivision(bits: number[]): number {
  const poly = [1, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1]; // 0xC599, 16 coefficients
  const work = [...bits, ...new Array<number>(15).fill(0)];
  for (let i = 0; i < bits.length; i++) {
    if (work[i] === 1) poly.forEach((c, j) => (work[i + j] = (work[i + j] ?? 0) ^ c));
  }
  return work.slice(bits.length).reduce((acc, b) => acc * 2 + b, 0);
}

describe('UART bit cost', () => {
  it('counts start, data, parity and stop bits', () => {
    expect(uartBitsPerByte()).toBe(10);
    expect(uartBitsPerByte({ parity: 'even', stopBits: 2 })).toBe(12);
    expect(uartBitsPerByte({ dataBits: 7, parity: 'odd' })).toBe(10);
    expect(uartPayloadLimit(115200)).toBe(11520);
    expect(uartPayloadLimit(921600)).toBe(92160);
  });
});

/** The frame's bits as an array, the way the standard draws them: the oracle for the one-pass counter. */
function bitsOf(value: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (value >>> (n - 1 - i)) & 1);
}
function classicBitsByArray(f: CanFrame): { nominal: number; stuff: number } {
  const head = f.extended
    ? [0, ...bitsOf(f.id >>> 18, 11), 1, 1, ...bitsOf(f.id & 0x3ffff, 18), 0, 0, 0]
    : [0, ...bitsOf(f.id, 11), 0, 0, 0];
  const bits = [...head, ...bitsOf(f.data.length, 4), ...[...f.data].flatMap((b) => bitsOf(b, 8))];
  bits.push(...bitsOf(canCrc15(bits), 15));
  const stuff = countStuffBits(bits).before;
  return { nominal: bits.length + stuff + 13, stuff };
}
function fdBitsByArray(f: CanFrame, dlc: number): { nominal: number; dataBits: number; stuff: number } {
  const bits = f.extended ? [0, ...bitsOf(f.id >>> 18, 11), 1, 1, ...bitsOf(f.id & 0x3ffff, 18), 0] : [0, ...bitsOf(f.id, 11), 0, 0];
  bits.push(1, 0, 1);
  const split = bits.length;
  bits.push(0, ...bitsOf(dlc, 4), ...[...f.data].flatMap((b) => bitsOf(b, 8)));
  const { before, after } = countStuffBits(bits, split);
  const crc = f.data.length > 16 ? 21 + 7 : 17 + 6;
  return { nominal: split + before + 13, dataBits: bits.length - split + after + 4 + crc, stuff: before + after + (f.data.length > 16 ? 7 : 6) };
}

describe('classic CAN bit cost', () => {
  it('the one-pass count equals the bit array built by the standard, for random classic and FD frames', () => {
    const rng = createRng(11);
    const fdLengths = [0, 1, 7, 8, 12, 16, 20, 24, 32, 48, 64];
    for (let n = 0; n < 400; n++) {
      const ext = rng.int(2) === 1;
      const id = rng.int(ext ? 0x20000000 : 0x800);
      const zeros = rng.int(3) === 0; // runs of equal bits exercise the stuffing rule
      const len = rng.int(9);
      const data = Array.from({ length: len }, () => (zeros ? 0 : rng.int(256)));
      expect(canClassicFrameBits(frame(id, data, ext)), `classic ${id} ${data.join(',')}`).toEqual({ ...classicBitsByArray(frame(id, data, ext)), data: 0 });
      const fdLen = fdLengths[rng.int(fdLengths.length)]!;
      const fdData = Array.from({ length: fdLen }, () => (zeros ? 0xff : rng.int(256)));
      const want = fdBitsByArray(frame(id, fdData, ext, true), canDlc(fdLen, true)!);
      const got = canFdFrameBits(frame(id, fdData, ext, true));
      expect(got, `fd ${id} ${fdLen}`).toEqual({ nominal: want.nominal, data: want.dataBits, stuff: want.stuff });
    }
  });

  it('CRC-15 matches polynomial long division', () => {
    const rng = createRng(7);
    for (let n = 0; n < 50; n++) {
      const bits = Array.from({ length: 19 + rng.int(64) }, () => rng.int(2));
      expect(canCrc15(bits)).toBe(crc15ByDivision(bits));
    }
  });

  it('counts stuff bits by the rule: after five equal bits one opposite bit, which starts the next run', () => {
    expect(countStuffBits([0, 0, 0, 0, 0]).before).toBe(1);
    expect(countStuffBits([0, 0, 0, 0, 1]).before).toBe(0);
    // 00000 [1] 0000 : the stuffed 1 and four 0s make no new run of five.
    expect(countStuffBits([0, 0, 0, 0, 0, 0, 0, 0, 0]).before).toBe(1);
    // 00000 [1] 1111 : the stuffed 1 plus four 1s is a run of five: stuff again.
    expect(countStuffBits([0, 0, 0, 0, 0, 1, 1, 1, 1]).before).toBe(2);
  });

  it('hand-computed: id 0x000, no data: 34 zero bits SOF..CRC, 6 stuff bits, 53 bits in all', () => {
    // SOF 0, ID 11 zeros, RTR/IDE/r0 000, DLC 0000 = 19 zeros; CRC-15 of all zeros is 0: 15 more zeros.
    // A stuff bit after zeros #5, #10, #15, #20, #25, #30 (each stuff 1 is followed by a fresh run): 6.
    // 34 + 6 + 13 (CRC delim, ACK 2, EOF 7, IFS 3) = 53.
    expect(canCrc15(new Array<number>(19).fill(0))).toBe(0);
    expect(canClassicFrameBits(frame(0, []))).toEqual({ nominal: 53, data: 0, stuff: 6 });
  });

  it('unstuffed sizes match the notes: 111 bits (11-bit id), 131 (29-bit), 8 data bytes', () => {
    expect(canClassicUnstuffedBits('std')).toBe(111);
    expect(canClassicUnstuffedBits('ext')).toBe(131);
    const rng = createRng(3);
    for (let n = 0; n < 200; n++) {
      const data = Array.from({ length: 8 }, () => rng.int(256));
      const std = canClassicFrameBits(frame(rng.int(0x800), data));
      const ext = canClassicFrameBits(frame(rng.int(0x20000000), data, true));
      expect(std.nominal - std.stuff).toBe(111);
      expect(ext.nominal - ext.stuff).toBe(131);
      expect(std.stuff).toBeLessThanOrEqual(24); // worst case over 98 bits
    }
  });

  it('firmware padding (0x00 runs) stuffs far more than random data', () => {
    const zeros = canClassicFrameBits(frame(0x123, [0, 0, 0, 0, 0, 0, 0, 0]));
    const ones = canClassicFrameBits(frame(0x123, [255, 255, 255, 255, 255, 255, 255, 255]));
    expect(zeros.stuff).toBeGreaterThanOrEqual(12);
    expect(ones.stuff).toBeGreaterThanOrEqual(12);
  });

  it('payload limit is 8 bytes per unstuffed frame: 36.0 KB/s at 500 kbit/s, 72.1 KB/s at 1 Mbit/s', () => {
    expect(canClassicPayloadLimit(500_000)).toBeCloseTo(36036.04, 1);
    expect(canClassicPayloadLimit(1_000_000)).toBeCloseTo(72072.07, 1);
    expect(canClassicPayloadLimit(1_000_000, 'ext')).toBeCloseTo((8 * 1e6) / 131, 6);
  });

  it('rejects more than 8 data bytes', () => {
    expect(() => canClassicFrameBits(frame(1, new Array<number>(9).fill(0)))).toThrow(RangeError);
  });
});

describe('CAN FD bit cost', () => {
  const randomFd = (rng: ReturnType<typeof createRng>): CanFrame =>
    frame(0x100 + rng.int(0x100), Array.from({ length: 64 }, () => rng.int(256)), false, true);

  it('hand-computed: id 0x555 with 0x55 data has no dynamic stuffing; phases and fixed stuff bits exact', () => {
    // Arbitration: SOF 0, ID 101 0101 0101, RRS 0, IDE 0, FDF 1, res 0, BRS 1: no run of 5, 17 bits + 13 trailer = 30.
    // Data phase: ESI 0, DLC 1111 (64 bytes), 0x55 x 64 (alternating): no run of 5.
    // 1 + 4 + 512 + stuff count 4 + CRC-21 + 7 fixed stuff bits = 549.
    expect(canFdFrameBits(frame(0x555, new Array<number>(64).fill(0x55), false, true))).toEqual({
      nominal: 30,
      data: 549,
      stuff: 7,
    });
    // 16 bytes: DLC 1010, CRC-17 with 6 fixed stuff bits: 1 + 4 + 128 + 4 + 17 + 6 = 160.
    expect(canFdFrameBits(frame(0x555, new Array<number>(16).fill(0x55), false, true))).toEqual({
      nominal: 30,
      data: 160,
      stuff: 6,
    });
  });

  it('random 64-byte frames at 500 kbit/s arbitration reach the notes figures within 3%', () => {
    const rng = createRng(11);
    for (const [dataRate, expected] of [
      [1e6, 102_000],
      [2e6, 186_000],
      [5e6, 367_000],
    ] as const) {
      let seconds = 0;
      for (let n = 0; n < 500; n++) {
        const b = canFdFrameBits(randomFd(rng));
        seconds += b.nominal / 500_000 + b.data / dataRate;
      }
      const rate = (500 * 64) / seconds;
      expect(Math.abs(rate - expected) / expected).toBeLessThan(0.03);
      expect(canFdPayloadLimit({ bitRate: 500_000, dataBitRate: dataRate })).toBeGreaterThan(rate);
    }
  });

  it('rejects lengths that are not FD lengths', () => {
    expect(() => canFdFrameBits(frame(1, new Array<number>(9).fill(0), false, true))).toThrow(RangeError);
  });
});
