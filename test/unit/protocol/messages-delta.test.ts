import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../../../src/protocol/messages.js';
import type { Message } from '../../../src/protocol/messages-types.js';
import { MessageType } from '../../../src/protocol/messages-types.js';

const roundTrip = (m: Message): unknown => {
  const e = encodeMessage(m);
  return decodeMessage(e.type, e.payload);
};

describe('SIGS, SIGS_INFO and XDATA codecs', () => {
  it('round-trips every message and op', () => {
    const msgs: Message[] = [
      { kind: 'sigs', start: 4096, end: 0xffffffff, blockSize: 2048 },
      { kind: 'sigs', start: 0, end: 0, blockSize: 0 },
      { kind: 'sigs', start: 0, end: 2048, blockSize: 128, more: [{ start: 2048, end: 4096 }, { start: 9000, end: 9000 }] },
      { kind: 'sigs_info', activeSize: 5000, activeSha256: new Uint8Array(32).fill(3), blockSize: 128, start: 0, sigs: [{ weak: 1, strong: 2 }], more: [{ start: 2048, sigs: [] }, { start: 4096, sigs: [{ weak: 3, strong: 4 }] }] },
      { kind: 'sigs_info', activeSize: 5000, activeSha256: new Uint8Array(32).fill(3), blockSize: 2048, start: 2048, sigs: [{ weak: 0xdeadbeef, strong: 1 }, { weak: 2, strong: 0xffffffff }] },
      { kind: 'xdata', offset: 1024, count: 3, ops: [{ op: 'copy', src: 7, length: 2000 }, { op: 'literal', bytes: new Uint8Array([1, 2, 3]) }, { op: 'packed', codec: 1, rawLength: 1069, bytes: new Uint8Array([9, 9]) }] },
    ];
    for (const m of msgs) expect(roundTrip(m)).toEqual({ ok: true, msg: m });
  });

  it('encodes XDATA and SIGS byte for byte', () => {
    const x = encodeMessage({ kind: 'xdata', offset: 0x400, count: 2, ops: [{ op: 'copy', src: 0x3c0, length: 0x7f0 }, { op: 'literal', bytes: new Uint8Array([0xde, 0xad, 0xbe, 0xef]) }, { op: 'packed', codec: 1, rawLength: 0x0c, bytes: new Uint8Array([0x21, 0x00, 0x00]) }] });
    expect(x.type).toBe(MessageType.XDATA);
    expect(Buffer.from(x.payload).toString('hex')).toBe('000004000002' + '01000003c0000007f0' + '020004deadbeef' + '0301000c0003210000');
    const s = encodeMessage({ kind: 'sigs', start: 0, end: 0xffffffff, blockSize: 0x800 });
    expect(Buffer.from(s.payload).toString('hex')).toBe('00000000ffffffff0800');
    // two ranges: the first at the fixed offsets, then start u32, end u32
    const s2 = encodeMessage({ kind: 'sigs', start: 0x800, end: 0x1000, blockSize: 0x80, more: [{ start: 0x4000, end: 0x4800 }] });
    expect(Buffer.from(s2.payload).toString('hex')).toBe('00000800' + '00001000' + '0080' + '00004000' + '00004800');
    // SIGS_INFO with two groups: size, SHA-256, block size, then per group start u32, count u16, signatures
    const i2 = encodeMessage({ kind: 'sigs_info', activeSize: 0x5000, activeSha256: new Uint8Array(32), blockSize: 0x80, start: 0x800, sigs: [{ weak: 0x01020304, strong: 0x05060708 }], more: [{ start: 0x4000, sigs: [] }] });
    expect(Buffer.from(i2.payload).toString('hex')).toBe('00005000' + '00'.repeat(32) + '0080' + '00000800' + '0001' + '0102030405060708' + '00004000' + '0000');
  });

  it('refuses to encode ranges or groups that do not ascend (caller bugs)', () => {
    expect(() => encodeMessage({ kind: 'sigs', start: 0, end: 100, blockSize: 16, more: [{ start: 50, end: 60 }] })).toThrow(/ascend/);
    expect(() => encodeMessage({ kind: 'sigs_info', activeSize: 100, activeSha256: new Uint8Array(32), blockSize: 16, start: 32, sigs: [], more: [{ start: 32, sigs: [] }] })).toThrow(/ascend/);
  });

  it.each<[string, number, string]>([
    ['SIGS with a block size below 16', MessageType.SIGS, '00000000000001000008'],
    ['SIGS whose range ends before it starts', MessageType.SIGS, '00000100000000100400'],
    ['XDATA with no operations', MessageType.XDATA, '000000000001'],
    ['XDATA covering zero chunks', MessageType.XDATA, '00000000000002000101'],
    ['XDATA with an unknown operation', MessageType.XDATA, '0000000000010700'],
    ['XDATA with a literal longer than the payload', MessageType.XDATA, '00000000000102ffff01'],
    ['XDATA with a zero-length copy', MessageType.XDATA, '00000000000101000000000000000000'],
    ['XDATA packed with codec 0', MessageType.XDATA, '0000000000010300000400010a'],
    ['SIGS_INFO whose signatures run past the active image', MessageType.SIGS_INFO, '00000010' + '00'.repeat(32) + '0010' + '00000010' + '0001' + '0000000000000000'],
    ['SIGS with a second range that overlaps the first', MessageType.SIGS, '00000000000001000080' + '0000008000000200'],
    ['SIGS with a second range that ends before it starts', MessageType.SIGS, '00000000000001000080' + '0000020000000100'],
    ['SIGS with half a second range', MessageType.SIGS, '00000000000001000080' + '00000200'],
    ['SIGS with 65 ranges', MessageType.SIGS, '00000000000000100080' + Array.from({ length: 64 }, (_, i) => (0x100 * (i + 1)).toString(16).padStart(8, '0').repeat(2)).join('')],
    ['SIGS_INFO whose second group starts where the first does', MessageType.SIGS_INFO, '00001000' + '00'.repeat(32) + '0010' + '00000010' + '0002' + '00'.repeat(16) + '00000010' + '0000'],
    ['SIGS_INFO with half a second group head', MessageType.SIGS_INFO, '00001000' + '00'.repeat(32) + '0010' + '00000000' + '0000' + '000000'],
    ['SIGS_INFO with a count that disagrees with its bytes', MessageType.SIGS_INFO, '00001000' + '00'.repeat(32) + '0010' + '00000000' + '0002' + '0000000000000000'],
  ])('refuses %s (typed, never throws)', (_what, type, hex) => {
    const d = decodeMessage(type, new Uint8Array(Buffer.from(hex, 'hex')));
    expect(d.ok).toBe(false);
  });
});
