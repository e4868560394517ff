import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { ProtocolError } from '../../../src/errors.js';
import {
  FRAME_CRC_SIZE,
  FRAME_HEADER_SIZE,
  FRAME_OVERHEAD,
  decodeFrame,
  encodeFrame,
  maxPayloadFor,
  peekFrameSize,
} from '../../../src/protocol/frame.js';
import type { Frame } from '../../../src/protocol/types.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** A control frame from the target: type 0x01, empty payload, seq 7. */
const CONTROL_HEX = [
  '48 42', //       0x00 magic "HB"
  '01', //          0x02 version 1
  '01', //          0x03 type 0x01
  '00 00', //       0x04 payload length 0
  '01', //          0x06 flags: bit0 = sent by the target
  '00', //          0x07 reserved
  '00 00', //       0x08 session 0 (outside a transfer)
  '00 07', //       0x0A seq 7
  '6e 1f 9e 34', // 0x0C CRC-32 of bytes 0x00..0x0B
].join(' ');
const CONTROL: Frame = { type: 0x01, flags: 0x01, session: 0, seq: 7, payload: new Uint8Array(0) };

/** A DATA-like frame from the host: 8-byte payload (offset 0x400 + "HSXE"). */
const DATA_HEX = [
  '48 42', //       0x00 magic
  '01', //          0x02 version 1
  '10', //          0x03 type 0x10
  '00 08', //       0x04 payload length 8
  '00', //          0x06 flags: sent by the host
  '00', //          0x07 reserved
  '03 e8', //       0x08 session 1000
  '00 01', //       0x0A seq 1
  '00 00 04 00', // 0x0C payload: offset 0x400
  '48 53 58 45', // 0x10 payload: "HSXE"
  '8b cc a0 d4', // 0x14 CRC-32 of bytes 0x00..0x13
].join(' ');
const DATA: Frame = { type: 0x10, flags: 0, session: 1000, seq: 1, payload: hex('00000400 48535845') };

const plain = (f: Frame) => ({ ...f, payload: Array.from(f.payload) });

const frameArb = fc.record({
  type: fc.integer({ min: 0, max: 255 }),
  flags: fc.constantFrom(0, 1),
  session: fc.integer({ min: 0, max: 0xffff }),
  seq: fc.integer({ min: 0, max: 0xffff }),
  payload: fc.uint8Array({ maxLength: 600 }),
});

describe('frame layout', () => {
  it('has a 12-byte header and a 4-byte CRC', () => {
    expect([FRAME_HEADER_SIZE, FRAME_CRC_SIZE, FRAME_OVERHEAD]).toEqual([12, 4, 16]);
    expect(maxPayloadFor(1040)).toBe(1024);
    expect(maxPayloadFor(10)).toBe(0);
    expect(maxPayloadFor(1 << 20)).toBe(0xffff);
  });

  it.each([
    ['control', CONTROL, CONTROL_HEX],
    ['data', DATA, DATA_HEX],
  ])('encodes the %s fixture byte for byte and decodes it back', (_n, frame, bytes) => {
    expect(Buffer.from(encodeFrame(frame)).toString('hex')).toBe(Buffer.from(hex(bytes)).toString('hex'));
    const r = decodeFrame(hex(bytes));
    expect(r.ok && plain(r.frame)).toEqual(plain(frame));
  });

  it('peeks the total size from the first 6 bytes', () => {
    expect(peekFrameSize(hex(DATA_HEX).subarray(0, 6))).toBe(24);
    expect(peekFrameSize(hex(DATA_HEX).subarray(0, 5))).toBeUndefined();
    expect(peekFrameSize(hex('4843 01 10 0008'))).toBeUndefined();
  });
});

describe('decodeFrame classifies and never throws', () => {
  const fault = (b: Uint8Array, max?: number) => {
    const r = decodeFrame(b, max);
    return r.ok ? 'ok' : r.fault;
  };
  /** Re-seal a modified frame with a correct CRC so the later checks are reached. */
  const reseal = (b: Uint8Array) => {
    const out = b.slice();
    new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)));
    return out;
  };
  const patched = (i: number, v: number) => {
    const b = hex(DATA_HEX);
    b[i] = v;
    return b;
  };

  it('counts a flipped bit anywhere as a CRC error', () => {
    const good = hex(DATA_HEX);
    for (let i = 0; i < good.length; i++) {
      const b = good.slice();
      b[i]! ^= 0x10;
      expect(fault(b)).toBe('crcErrors');
    }
  });
  it('rejects short input, wrong magic, wrong length, flags and reserved as malformed', () => {
    expect(fault(new Uint8Array(0))).toBe('malformed');
    expect(fault(hex(DATA_HEX).subarray(0, 15))).toBe('malformed');
    expect(fault(reseal(patched(0, 0x49)))).toBe('malformed');
    expect(fault(reseal(patched(5, 0x09)))).toBe('malformed');
    expect(fault(reseal(patched(6, 0x02)))).toBe('malformed');
    expect(fault(reseal(patched(7, 0x01)))).toBe('malformed');
  });
  it('reports another protocol version as badVersion', () => {
    expect(fault(reseal(patched(2, 2)))).toBe('badVersion');
  });
  it('reports a frame above the maximum as oversize', () => {
    expect(fault(hex(DATA_HEX), 23)).toBe('oversize');
    expect(fault(hex(DATA_HEX), 24)).toBe('ok');
  });
  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        expect(() => decodeFrame(b, 100)).not.toThrow();
      }),
    );
  });
});

describe('encodeFrame', () => {
  it('refuses frames larger than the maximum and fields out of range', () => {
    const big = { ...DATA, payload: new Uint8Array(100) };
    expect(() => encodeFrame(big, 115)).toThrow(ProtocolError);
    expect(encodeFrame(big, 116)).toHaveLength(116);
    expect(() => encodeFrame({ ...DATA, seq: 0x10000 })).toThrow(/seq 65536/);
    expect(() => encodeFrame({ ...DATA, type: -1 })).toThrow(ProtocolError);
  });
  it('round-trips any frame: decode(encode(x)) = x', () => {
    fc.assert(
      fc.property(frameArb, (f) => {
        const r = decodeFrame(encodeFrame(f));
        expect(r.ok && plain(r.frame)).toEqual(plain(f));
      }),
    );
  });
});
