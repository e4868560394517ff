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
      { kind: 'sigs_info', activeSize: 5000, activeSha256: new Uint8Array(32).fill(3), codecs: [{ id: 1, decoderRamBytes: 2064 }], blockSize: 2048, start: 2048, sigs: [{ weak: 0xdeadbeef, strong: 1 }, { weak: 2, strong: 0xffffffff }] },
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
    ['SIGS_INFO whose signatures run past the active image', MessageType.SIGS_INFO, '00000010' + '00'.repeat(32) + '00' + '0010' + '00000010' + '0001' + '0000000000000000'],
    ['SIGS_INFO with a count that disagrees with its bytes', MessageType.SIGS_INFO, '00001000' + '00'.repeat(32) + '00' + '0010' + '00000000' + '0002' + '0000000000000000'],
  ])('refuses %s (typed, never throws)', (_what, type, hex) => {
    const d = decodeMessage(type, new Uint8Array(Buffer.from(hex, 'hex')));
    expect(d.ok).toBe(false);
  });
});
