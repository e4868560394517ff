/**
 * The capture line formats parseCandumpLine reads besides candump -l and the
 * plain screen output (test/unit/cli/decode.test.ts): -tA dates, -x direction
 * columns, the log format's T/R field, and hilbridge's byte-stream lines.
 */
import { describe, expect, it } from 'vitest';
import { formatByteLog, formatCandumpLog, parseCandumpLine } from '../../../src/protocol/candump.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

describe('parseCandumpLine: more formats', () => {
  it('candump -tA: a local date and time, microseconds kept', () => {
    const p = parseCandumpLine('(2026-11-29 10:00:00.123456)  can0  123   [8]  DE AD BE EF 00 11 22 33', 1);
    expect(p).toMatchObject({ kind: 'frame', iface: 'can0', dir: undefined, frame: { id: 0x123, extended: false, fd: false, data: bytes(0xde, 0xad, 0xbe, 0xef, 0, 0x11, 0x22, 0x33) } });
    const expected = new Date(2026, 10, 29, 10, 0, 0).getTime() / 1000 + 0.123456;
    expect((p as { time: number }).time).toBeCloseTo(expected, 6);
    expect(parseCandumpLine('(2026-11-29 10:00:00)  can0  123   [1]  DE', 2)).toMatchObject({ kind: 'frame', time: expected - 0.123456 });
  });

  it('candump -x: TX/RX (with or without timestamps, FD flag columns) become the line direction', () => {
    expect(parseCandumpLine('can0  TX - -  123   [8]  DE AD BE EF 00 11 22 33', 1)).toMatchObject({ kind: 'frame', dir: 'TX', time: undefined, frame: { id: 0x123 } });
    expect(parseCandumpLine(' (1700000000.000100)  vcan0  RX - -  0A0   [2]  48 42', 2)).toMatchObject({ kind: 'frame', dir: 'RX', time: 1700000000.0001, frame: { id: 0xa0 } });
    expect(parseCandumpLine('(2026-11-29 10:00:00.000001)  can1  RX B -  1B828000  [12]  00 11 22 33 44 55 66 77 88 99 AA BB', 3)).toMatchObject({
      kind: 'frame', dir: 'RX', iface: 'can1', frame: { id: 0x1b828000, extended: true, fd: true },
    });
    expect(parseCandumpLine('can0  XX - -  123   [1]  DE', 4).kind).toBe('unparsed');
  });

  it('candump -l with the direction field: T sent, R received; formatCandumpLog writes it', () => {
    expect(parseCandumpLine('(1.000000) vcan0 4A0#4842 T', 1)).toMatchObject({ kind: 'frame', dir: 'TX' });
    expect(parseCandumpLine('(1.000000) vcan0 4A0#4842 R', 1)).toMatchObject({ kind: 'frame', dir: 'RX' });
    expect(parseCandumpLine('(1.000000) vcan0 4A0#4842', 1)).toMatchObject({ kind: 'frame', dir: undefined });
    const f = { id: 0x4a0, extended: false, fd: false, data: bytes(0x48, 0x42) };
    expect(formatCandumpLog(1, 'vcan0', f, 'RX')).toBe('(1.000000) vcan0 4A0#4842 R');
    expect(parseCandumpLine(formatCandumpLog(1, 'vcan0', f, 'TX'), 1)).toMatchObject({ kind: 'frame', dir: 'TX', frame: f });
  });

  it("hilbridge's byte-stream lines: one direction's bytes; odd or non-hex digits are unreadable", () => {
    const line = formatByteLog(1700000000.25, '/dev/ttyUSB0', 'TX', bytes(0, 5, 0x48, 0x42, 0xff));
    expect(line).toBe('(1700000000.250000) /dev/ttyUSB0 TX 00054842ff');
    expect(parseCandumpLine(line, 3)).toEqual({ kind: 'bytes', line: 3, time: 1700000000.25, iface: '/dev/ttyUSB0', dir: 'TX', data: bytes(0, 5, 0x48, 0x42, 0xff) });
    expect(parseCandumpLine('(1.0) /dev/ttyUSB0 RX 0005484', 4).kind).toBe('unparsed');
    expect(parseCandumpLine('(1.0) /dev/ttyUSB0 RX 00zz', 5).kind).toBe('unparsed');
    expect(parseCandumpLine('(1.0) /dev/ttyUSB0 XX 00', 6).kind).toBe('unparsed');
  });
});
