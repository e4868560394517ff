import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, MessageType } from '../../../src/protocol/messages.js';
import type { InfoMsg, Message } from '../../../src/protocol/messages.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromHex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/[\s|]/g, ''), 'hex'));

const info: InfoMsg = {
  kind: 'info', version: 1, nodeId: 1, maxChunk: 1024, window: 64, maxFrame: 1044, capabilities: 0, framSize: 0, identity: 'b',
  lineRates: [115200, 921600], slots: [],
};

const rates = fc
  .uniqueArray(fc.integer({ min: 1, max: 0xffffffff }), { minLength: 1, maxLength: 32 })
  .map((xs) => [...xs].sort((a, b) => a - b));

describe('SET_BAUD and INFO line rates (docs/protocol.md 4.2, 4.3)', () => {
  it('SET_BAUD is rate u32 then confirmMs u16', () => {
    const { type, payload } = encodeMessage({ kind: 'set_baud', rate: 921600, confirmMs: 1000 });
    expect(type).toBe(MessageType.SET_BAUD);
    expect(type).toBe(0x14);
    expect(hex(payload)).toBe('000e1000' + '03e8');
  });

  it('INFO puts the rate count and rates between identity and slot table', () => {
    const { payload } = encodeMessage(info);
    expect(hex(payload)).toBe(
      '01 01 0400 0040 00000414 00000000 00000000 01 62 | 02 0001c200 000e1000 | 5b5d'.replace(/[\s|]/g, ''),
    );
    expect(decodeMessage(MessageType.INFO, payload)).toEqual({ ok: true, msg: info });
  });

  it('an INFO without rates (older or CAN targets) decodes with lineRates absent, byte-identical to before', () => {
    const { lineRates: _omit, ...plain } = info;
    const payload = encodeMessage(plain).payload;
    expect(hex(payload)).toBe('0101040000400000041400000000000000000162' + '5b5d');
    const d = decodeMessage(MessageType.INFO, payload);
    expect(d.ok && d.msg.kind === 'info' && !('lineRates' in d.msg)).toBe(true);
    expect(encodeMessage({ ...plain, lineRates: [] }).payload).toEqual(payload);
  });

  it.each([
    ['a zero count', '010104000040000004140000000000000000016200' + '5b5d', /count 0/],
    ['a count above 32', '010104000040000004140000000000000000016221' + '5b5d', /count 33/],
    ['descending rates', '0101040000400000041400000000000000000162 02 000e1000 0001c200 5b5d', /not above/],
    ['a zero rate', '0101040000400000041400000000000000000162 01 00000000 5b5d', /zero/],
    ['rates cut short', '0101040000400000041400000000000000000162 02 000e1000', /too short/],
    ['SET_BAUD with confirmMs 0', '000e10000000', /zero rate or confirmMs/],
    ['SET_BAUD of 5 bytes', '000e100003', /too short/],
    ['SET_BAUD with a trailing byte', '000e100003e800', /trailing/],
  ])('rejects %s', (label, h, why) => {
    const type = label.startsWith('SET_BAUD') ? MessageType.SET_BAUD : MessageType.INFO;
    const d = decodeMessage(type, fromHex(h));
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.detail).toMatch(why);
  });

  it('refuses to encode unsorted rates or a zero confirmMs (caller bugs)', () => {
    expect(() => encodeMessage({ ...info, lineRates: [921600, 115200] })).toThrow(/ascending/);
    expect(() => encodeMessage({ kind: 'set_baud', rate: 115200, confirmMs: 0 })).toThrow(/zero/);
  });

  it('decode(encode(x)) = x for SET_BAUD and INFO with any rate list', () => {
    const msg: fc.Arbitrary<Message> = fc.oneof(
      fc.record({ kind: fc.constant('set_baud' as const), rate: fc.integer({ min: 1, max: 0xffffffff }), confirmMs: fc.integer({ min: 1, max: 0xffff }) }),
      fc.record({ identity: fc.string({ maxLength: 30 }), lineRates: rates }).map((x): Message => ({ ...info, ...x })),
    );
    fc.assert(
      fc.property(msg, (m) => {
        const { type, payload } = encodeMessage(m);
        expect(decodeMessage(type, payload)).toEqual({ ok: true, msg: m });
      }),
    );
  });
});
