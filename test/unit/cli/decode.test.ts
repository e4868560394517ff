/**
 * candump captures -> protocol messages. Captures are hand-annotated hex for
 * the line formats, and written by the real encoder and segmenter for whole
 * conversations (a lost segment, a corrupted frame, foreign traffic).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CaptureDecoder } from '../../../src/protocol/candump-decode.js';
import type { CaptureEntry } from '../../../src/protocol/candump-decode.js';
import { formatCandumpLog, parseCandumpLine } from '../../../src/protocol/candump.js';
import { segmentFrame } from '../../../src/protocol/can-segment.js';
import { announceFrame } from '../../../src/protocol/can-parity.js';
import type { CanDirection, CanIdFormat } from '../../../src/protocol/can-id.js';
import { encodeFrame } from '../../../src/protocol/frame.js';
import { WireCode } from '../../../src/protocol/messages-codes.js';
import { encodeMessage } from '../../../src/protocol/messages.js';
import type { Message } from '../../../src/protocol/messages-types.js';
import type { CanFrame } from '../../../src/transports/types.js';
import { jsonLines, runCli } from '../../integration/cli-harness.js';

// STATUS, host -> node 5, session 0, seq 1 (16 bytes, two classic segments, ids 0x4A0/0x4A1):
//   48 42 magic | 01 version | 0C type STATUS | 00 00 length | 00 flags | 00 reserved
//   00 00 session | 00 01 seq | BD 6F 0F F3 CRC-32
// RESULT EEXIST, node 5 -> host, seq 1 (22 bytes, ids 0x0A0..0x0A2):
//   48 42 | 01 | 13 RESULT | 00 06 length | 01 flags fromTarget | 00 | 00 00 | 00 01
//   00 05 code EEXIST | FF FF FF FF no offset | 33 A6 B7 20 CRC-32
const STATUS_EEXIST = [
  '(1700000000.000100) vcan0 4A0#4842010C00000000',
  '(1700000000.000200) vcan0 4A1#00000001BD6F0FF3',
  '(1700000000.001000) vcan0 0A0#4842011300060100',
  '(1700000000.001100) vcan0 0A1#000000010005FFFF',
  '(1700000000.001200) vcan0 0A2#FFFF33A6B720',
];

function decodeAll(lines: string[]): { entries: CaptureEntry[]; decoder: CaptureDecoder } {
  const decoder = new CaptureDecoder();
  const entries = lines.flatMap((l, i) => decoder.push(parseCandumpLine(l, i + 1)));
  return { entries, decoder };
}

describe('parseCandumpLine', () => {
  it('reads candump -l/-L, FD and screen lines', () => {
    expect(parseCandumpLine('(1700000000.123456) vcan0 4A0#4842', 1)).toEqual({
      kind: 'frame', line: 1, time: 1700000000.123456, iface: 'vcan0',
      frame: { id: 0x4a0, extended: false, fd: false, data: Uint8Array.of(0x48, 0x42) },
    });
    const fd = parseCandumpLine('(1.5) can1 1B828000##1' + 'CC'.repeat(12), 2);
    expect(fd).toMatchObject({ kind: 'frame', frame: { id: 0x1b828000, extended: true, fd: true } });
    expect(parseCandumpLine('  vcan0  4A0   [2]  48 42', 3)).toMatchObject({ kind: 'frame', time: undefined, frame: { id: 0x4a0, data: Uint8Array.of(0x48, 0x42) } });
    expect(parseCandumpLine(" (0.25)  vcan0  1B828001  [12]  00 11 22 33 44 55 66 77 88 99 AA BB   '............'", 4)).toMatchObject({
      kind: 'frame', time: 0.25, frame: { extended: true, fd: true },
    });
    expect(parseCandumpLine('(1.0) vcan0 123#R', 5)).toEqual({ kind: 'remote', line: 5, time: 1, iface: 'vcan0', id: 0x123 });
    expect(parseCandumpLine('   ', 6)).toEqual({ kind: 'blank', line: 6 });
    expect(parseCandumpLine('(1.0) vcan0 4A0#123', 7).kind).toBe('unparsed');
    expect(parseCandumpLine('(1.0) vcan0 4A0#11223344556677889900', 8).kind).toBe('unparsed');
    expect(parseCandumpLine('hello world', 9).kind).toBe('unparsed');
  });

  it('parse(format(frame)) = frame', () => {
    const frame = fc.oneof(
      fc.record({ id: fc.integer({ min: 0, max: 0x7ff }), extended: fc.constant(false), fd: fc.constant(false), data: fc.uint8Array({ maxLength: 8 }) }),
      fc.record({ id: fc.integer({ min: 0, max: 0x1fffffff }), extended: fc.constant(true), fd: fc.constant(false), data: fc.uint8Array({ maxLength: 8 }) }),
      fc.record({
        id: fc.integer({ min: 0, max: 0x1fffffff }),
        extended: fc.constant(true),
        fd: fc.constant(true),
        data: fc.constantFrom(0, 5, 8, 12, 64).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
      }),
    );
    fc.assert(
      fc.property(frame, fc.integer({ min: 0, max: 2e9 }), (f: CanFrame, t) => {
        const p = parseCandumpLine(formatCandumpLog(t / 1000, 'can0', f), 1);
        expect(p).toMatchObject({ kind: 'frame', iface: 'can0', frame: f });
      }),
    );
  });
});

describe('CaptureDecoder', () => {
  it('decodes the hand-annotated STATUS -> RESULT EEXIST exchange', () => {
    const { entries, decoder } = decodeAll(STATUS_EEXIST);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ kind: 'message', node: 5, direction: 'toTarget', seq: 1, msg: { kind: 'status' }, line: 2, time: 1700000000.0002 });
    expect(entries[1]).toMatchObject({ kind: 'message', node: 5, direction: 'toHost', msg: { kind: 'result', code: WireCode.EEXIST, offset: undefined } });
    expect(decoder.summary()).toMatchObject({ canFrames: 5, messages: 2, foreignFrames: 0, incomplete: 0 });
  });

  /** A capture written by the real encoder and segmenter. */
  class Capture {
    readonly lines: string[] = [];
    t = 1700000100;
    seq = 1;
    msg(m: Message, node: number, direction: CanDirection, opt: { idFormat?: CanIdFormat; fd?: boolean; drop?: number; corrupt?: number; parity?: number } = {}): void {
      const { type, payload } = encodeMessage(m);
      const flags = direction === 'toHost' ? 1 : 0;
      const bytes = encodeFrame({ type, flags, session: 0x2a, seq: this.seq++, payload });
      if (opt.corrupt !== undefined) bytes[opt.corrupt]! ^= 0x01;
      const segs = segmentFrame(bytes, { fd: opt.fd ?? false, idFormat: opt.idFormat ?? 'std', node, direction, parity: opt.parity ?? 0 });
      segs.forEach((s, i) => {
        if (i !== opt.drop) this.raw(s);
      });
    }
    raw(f: CanFrame): void {
      this.t += 0.0001;
      this.lines.push(formatCandumpLog(this.t, 'vcan0', f));
    }
  }

  function conversation(): Capture {
    const c = new Capture();
    const chunk = (o: number): Message => ({ kind: 'data', offset: o, bytes: new Uint8Array(64).fill(o & 0xff) });
    c.msg(chunk(0), 3, 'toTarget');
    c.raw({ id: 0x123, extended: false, fd: false, data: Uint8Array.of(1, 2, 3) }); // foreign: continuation on a stream never started
    c.msg(chunk(64), 3, 'toTarget', { drop: 4 }); // a lost segment
    c.raw({ id: 0x18feef00, extended: true, fd: false, data: new Uint8Array(8) }); // foreign: J1939-style 29-bit id
    c.msg(chunk(128), 3, 'toTarget', { corrupt: 30 });
    c.msg({ kind: 'ack', cumulative: 64, bitmap: Uint8Array.of(0x80) }, 3, 'toHost');
    c.msg({ kind: 'nack', code: WireCode.ENOSPC, offset: 4096 }, 200, 'toHost', { idFormat: 'ext', fd: true });
    c.raw({ id: 0x7e0, extended: false, fd: false, data: Uint8Array.of(0x02, 0x10, 0x01) }); // foreign: UDS request, not our magic
    return c;
  }

  it('reports messages, a lost segment, a CRC error and counts foreign traffic', () => {
    const { entries, decoder } = decodeAll(conversation().lines);
    const brief = entries.map((e) => (e.kind === 'note' ? `${e.node} note ${e.note}` : `${e.node} ${e.msg.kind}`));
    expect(brief).toEqual(['3 data', '3 note lost_segment', '3 note crc_error', '3 ack', '200 nack']);
    expect(entries[1]).toMatchObject({ detail: expect.stringMatching(/segment index 5 does not continue the frame in progress \(32 of 84 bytes\): ignored/) as unknown });
    expect(entries[4]).toMatchObject({ idFormat: 'ext', direction: 'toHost', msg: { code: WireCode.ENOSPC, offset: 4096 } });
    const s = decoder.summary();
    expect(s).toMatchObject({ messages: 3, foreignFrames: 3, notes: { lost_segment: 1, crc_error: 1 }, foreignIds: { '123': 1, '18FEEF00': 1, '7E0': 1 } });
  });

  it('segment parity (29-bit tag 0x1A) is hilbridge traffic: counted as parity, never foreign, and it rebuilds a lost segment as the board does', () => {
    const c = new Capture();
    const chunk = (o: number): Message => ({ kind: 'data', offset: o, bytes: new Uint8Array(64).fill(o & 0xff) });
    c.raw(announceFrame('toHost', 3)); // the board announces that it rebuilds segments
    c.msg(chunk(0), 3, 'toTarget', { parity: 4 }); // first frame of the stream: its group-0 parity comes before segment 0
    c.msg(chunk(64), 3, 'toTarget', { parity: 4, drop: 6 }); // one data segment lost (index 6 counts the leading parity)
    const { entries, decoder } = decodeAll(c.lines);
    expect(entries.map((e) => (e.kind === 'message' && e.msg.kind === 'data' ? e.msg.offset : e.kind))).toEqual([0, 64]);
    const s = decoder.summary();
    expect(s.foreignFrames).toBe(0);
    expect(s.parityFrames).toBe(1 + 2 * 3); // the announcement, 3 parity segments per 11-segment frame
    expect(s.notes.lost_segment).toBe(0);
  });

  it('hilbridge decode prints one line per message and the summary; --json one object per line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-decode-'));
    const file = join(dir, 'cap.log');
    writeFileSync(file, conversation().lines.join('\n') + '\n');
    const text = await runCli('decode', file);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^1700000100\.\d{6} vcan0 node 3 host>node DATA session=42 seq=1 offset=0 length=64 end=64$/);
    expect(lines[3]).toMatch(/node 3 node>host ACK session=42 seq=4 cumulative=64 bitmap=80$/);
    expect(lines[4]).toMatch(/node 200 node>host NACK session=42 seq=5 code=ENOSPC offset=4096$/);
    expect(lines[5]).toBe('summary: 39 CAN frames, 3 messages, 2 notes (lost_segment 1, crc_error 1), 3 non-hilbridge frames (ids 123 x1, 18FEEF00 x1, 7E0 x1), 0 frames incomplete at the end, 0 unreadable lines');
    const json = await runCli('decode', '--json', file);
    const objs = jsonLines(json.stdout);
    expect(objs.map((o) => o.event)).toEqual(['message', 'note', 'note', 'message', 'message', 'summary']);
    expect(objs[0]).toMatchObject({ message: 'DATA', node: 3, direction: 'toTarget', fields: { offset: 0, length: 64 } });
    expect(objs[4]).toMatchObject({ message: 'NACK', fields: { code: 'ENOSPC', offset: 4096 } });
  });

  it('exit 2 for a missing file or a file that is not a capture', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-decode-'));
    const missing = await runCli('decode', join(dir, 'nope.log'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
    const junk = join(dir, 'junk.log');
    writeFileSync(junk, 'this is not\na capture\n');
    const r = await runCli('decode', junk);
    expect(r).toMatchObject({ code: 2, stderr: expect.stringContaining('line 1 is not one') as unknown });
  });
});
