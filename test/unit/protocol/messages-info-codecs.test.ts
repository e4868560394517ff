/**
 * INFO's codec table (docs/protocol.md 4.2): which chunk codecs the loader
 * decodes and the RAM each needs, after the line rates and before the slot
 * table, marked by a byte 0xC0 + k that is neither a rate count nor '['.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, MessageType } from '../../../src/protocol/messages.js';
import type { InfoMsg } from '../../../src/protocol/messages.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromHex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/[\s|]/g, ''), 'hex'));

const info: InfoMsg = { kind: 'info', version: 1, nodeId: 1, maxChunk: 1024, window: 64, maxFrame: 1044, capabilities: 0x10000000, framSize: 0, identity: 'b', slots: [] };
const HEAD = '01 01 0400 0040 00000414 10000000 00000000 01 62';

describe('INFO codec table', () => {
  it('sits between identity (and line rates) and slot table: 0xC0 + k, then id u8 and decoder RAM u32 per codec', () => {
    const m: InfoMsg = { ...info, codecs: [{ id: 1, decoderRamBytes: 2064 }] };
    expect(hex(encodeMessage(m).payload)).toBe(`${HEAD} | c1 01 00000810 | 5b5d`.replace(/[\s|]/g, ''));
    expect(decodeMessage(MessageType.INFO, encodeMessage(m).payload)).toEqual({ ok: true, msg: m });
    const both: InfoMsg = { ...m, lineRates: [115200], codecs: [{ id: 1, decoderRamBytes: 2064 }, { id: 2, decoderRamBytes: 3300 }] };
    expect(hex(encodeMessage(both).payload)).toBe(`${HEAD} | 01 0001c200 | c2 01 00000810 02 00000ce4 | 5b5d`.replace(/[\s|]/g, ''));
    expect(decodeMessage(MessageType.INFO, encodeMessage(both).payload)).toEqual({ ok: true, msg: both });
  });

  it('an INFO without codecs is byte-identical to before (no table, codecs absent)', () => {
    expect(hex(encodeMessage({ ...info, codecs: [] }).payload)).toBe(`${HEAD} 5b5d`.replace(/\s/g, ''));
    const d = decodeMessage(MessageType.INFO, encodeMessage(info).payload);
    expect(d.ok && d.msg.kind === 'info' && !('codecs' in d.msg)).toBe(true);
  });

  it.each([
    ['an empty table (0xC0)', `${HEAD} c0 5b5d`, /no codec/],
    ['codec id 0', `${HEAD} c1 00 00000010 5b5d`, /id 0/],
    ['a codec listed twice', `${HEAD} c2 01 00000010 01 00000020 5b5d`, /twice/],
    ['a table cut short', `${HEAD} c2 01 00000010 02 0000`, /too short/],
  ])('refuses %s, typed', (_label, h, why) => {
    const d = decodeMessage(MessageType.INFO, fromHex(h));
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.detail).toMatch(why);
  });

  it('decode(encode(x)) = x with any codec table and rate list', () => {
    const codecs = fc.uniqueArray(fc.record({ id: fc.integer({ min: 1, max: 255 }), decoderRamBytes: fc.integer({ min: 0, max: 0xffffffff }) }), { selector: (c) => c.id, minLength: 1, maxLength: 15 });
    const rates = fc.uniqueArray(fc.integer({ min: 1, max: 0xffffffff }), { maxLength: 32 }).map((xs) => [...xs].sort((a, b) => a - b));
    fc.assert(
      fc.property(codecs, rates, (c, r) => {
        const m: InfoMsg = { ...info, codecs: c, ...(r.length > 0 ? { lineRates: r } : {}) };
        const { type, payload } = encodeMessage(m);
        expect(decodeMessage(type, payload)).toEqual({ ok: true, msg: m });
      }),
    );
  });
});
