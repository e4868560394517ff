/** BOOTCFG_SET / BOOTCFG_GET / BOOTCFG_INFO bytes (docs/protocol.md 4.3.5 worked example) and what a decoder refuses. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame } from '../../../src/protocol/frame.js';
import { decodeMessage, encodeMessage } from '../../../src/protocol/messages.js';
import type { Message } from '../../../src/protocol/messages-types.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const zeros = (n: number): string => '00'.repeat(n);

/** The worked example of docs/protocol.md 4.3.5. */
const SET: Message = { kind: 'bootcfg_set', order: ['sd', 'can'], maxBootFailures: 3, images: ['motor_ctl'] };
const SET_HEX = '02' + '020300' + '03' + '01' + '6d6f746f725f63746c' + zeros(11) + zeros(40);
const INFO: Message = { kind: 'bootcfg_info', stored: true, order: ['sd', 'can'], maxBootFailures: 3, images: ['motor_ctl'], failed: ['a1b2c3d4e5f60718'] };

describe('boot configuration messages', () => {
  it('BOOTCFG_SET encodes as documented and round-trips', () => {
    const e = encodeMessage(SET);
    expect(e.type).toBe(0x28);
    expect(hex(e.payload)).toBe(SET_HEX);
    expect(e.payload.length).toBe(66);
    expect(decodeMessage(0x28, e.payload)).toEqual({ ok: true, msg: SET });
  });

  it('BOOTCFG_GET is empty, BOOTCFG_INFO carries flags, the body and the failed list', () => {
    expect(encodeMessage({ kind: 'bootcfg_get' })).toMatchObject({ type: 0x29, payload: new Uint8Array(0) });
    const i = encodeMessage(INFO);
    expect(i.type).toBe(0x2a);
    expect(hex(i.payload)).toBe('01' + SET_HEX + '01' + 'a1b2c3d4e5f60718');
    expect(decodeMessage(0x2a, i.payload)).toEqual({ ok: true, msg: INFO });
  });

  it('the whole frame of the worked example', () => {
    const frame = encodeFrame({ type: 0x28, flags: 0, session: 0, seq: 9, payload: encodeMessage(SET).payload });
    expect(hex(frame)).toBe(`484201280042000000000009${SET_HEX}c16305a9`);
    expect(decodeFrame(frame)).toMatchObject({ ok: true });
    // docs/protocol.md 4.3.5 shows the same frame (header | payload | CRC) and the BOOTCFG_INFO bytes
    const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8').replace(/[\s|]+/g, '');
    expect(doc.includes(hex(frame)), 'docs/protocol.md shows the BOOTCFG_SET frame').toBe(true);
  });

  it('refuses what does not match the layout', () => {
    const p = Buffer.from(SET_HEX, 'hex');
    const bad = (mut: (b: Buffer) => Buffer): string => {
      const r = decodeMessage(0x28, new Uint8Array(mut(Buffer.from(p))));
      return r.ok ? 'ok' : r.detail;
    };
    expect(bad((b) => b.subarray(0, 65))).toMatch(/too short/);
    expect(bad((b) => Buffer.concat([b, Buffer.of(0)]))).toMatch(/trailing/);
    expect(bad((b) => ((b[0] = 0), b))).toMatch(/order count 0/);
    expect(bad((b) => ((b[1] = 4), b))).toMatch(/source 4 is not/);
    expect(bad((b) => ((b[3] = 1), b))).toMatch(/source after the 2/);
    expect(bad((b) => ((b[4] = 0), b))).toMatch(/max boot failures is 0/);
    expect(bad((b) => ((b[5] = 4), b))).toMatch(/image count 4/);
    expect(bad((b) => ((b[26] = 0x41), b))).toMatch(/image name 2 is set/);
    expect(bad((b) => ((b[10] = 0x20), b))).toMatch(/printable/);
  });
});
