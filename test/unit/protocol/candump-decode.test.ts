/**
 * CaptureDecoder on byte-stream captures: each direction's COBS stream is
 * rebuilt across lines however the chunks interleave, a frame's direction is
 * its fromTarget flag, and damage becomes notes.
 */
import { describe, expect, it } from 'vitest';
import { CaptureDecoder } from '../../../src/protocol/candump-decode.js';
import { formatByteLog, parseCandumpLine } from '../../../src/protocol/candump.js';
import type { WireDirection } from '../../../src/protocol/candump.js';
import { encodeCobsUnit } from '../../../src/protocol/cobs-stream.js';
import { FrameFlag } from '../../../src/protocol/constants.js';
import { encodeFrame } from '../../../src/protocol/frame.js';
import { encodeMessage } from '../../../src/protocol/messages.js';
import type { Message } from '../../../src/protocol/messages-types.js';

function unit(msg: Message, fromTarget: boolean, seq: number, damage = false): Uint8Array {
  const { type, payload } = encodeMessage(msg);
  const frame = encodeFrame({ type, flags: fromTarget ? FrameFlag.fromTarget : 0, session: 7, seq, payload });
  if (damage) frame[frame.length - 1] = frame.at(-1)! === 0xff ? 0xfe : frame.at(-1)! + 1; // a CRC byte changed on the line
  return encodeCobsUnit(frame, seq === 1);
}

describe('CaptureDecoder: byte streams', () => {
  it('rebuilds frames split over lines and interleaved with the other direction; notes for a bad CRC and non-COBS bytes', () => {
    const data = unit({ kind: 'data', offset: 0, bytes: new Uint8Array(300).fill(0x11) }, false, 1);
    const ack = unit({ kind: 'ack', cumulative: 300, bitmap: new Uint8Array(0) }, true, 9);
    const bad = unit({ kind: 'end' }, false, 2, true);
    const lines: [WireDirection, Uint8Array][] = [
      ['TX', data.subarray(0, 100)],
      ['RX', ack.subarray(0, 5)],
      ['TX', data.subarray(100)],
      ['RX', ack.subarray(5)],
      ['TX', bad],
      ['RX', Uint8Array.of(0x05, 0x01, 0x00)], // a code byte promising 4 bytes, then a delimiter: not COBS
    ];
    const d = new CaptureDecoder();
    const out = lines.flatMap(([dir, b], i) => d.push(parseCandumpLine(formatByteLog(1 + i / 1000, 'ttyS0', dir, b), i + 1)));
    expect(out.map((e) => (e.kind === 'message' ? `${e.line} ${e.wire} ${e.direction} ${e.msg.kind}` : `${e.line} ${e.wire} ${e.direction} ${e.note}`))).toEqual([
      '3 TX toTarget data',
      '4 RX toHost ack',
      '5 TX toTarget crc_error',
      '6 RX toHost bad_frame',
    ]);
    expect(out[0]).toMatchObject({ node: null, idFormat: null, iface: 'ttyS0', session: 7, seq: 1, msg: { offset: 0 } });
    expect(d.summary()).toMatchObject({ canFrames: 0, byteLines: 6, messages: 2, notes: { crc_error: 1, bad_frame: 1 }, incomplete: 0 });
    d.push(parseCandumpLine(formatByteLog(2, 'ttyS0', 'TX', data.subarray(0, 50)), 7));
    expect(d.summary().incomplete).toBe(1);
  });

  it('candump -x lines: the TX/RX column is kept with each message', () => {
    const d = new CaptureDecoder();
    const out = [
      ' (1700000000.000100)  vcan0  TX - -  4A0   [8]  48 42 01 0C 00 00 00 00',
      ' (1700000000.000200)  vcan0  TX - -  4A1   [8]  00 00 00 01 BD 6F 0F F3',
    ].flatMap((l, i) => d.push(parseCandumpLine(l, i + 1)));
    expect(out).toMatchObject([{ kind: 'message', wire: 'TX', node: 5, direction: 'toTarget', msg: { kind: 'status' } }]);
  });
});
