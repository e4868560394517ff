/**
 * Reading captures, one line at a time. candump (can-utils) formats:
 *
 *   candump -l / -L (log):  (1700000000.123456) vcan0 4A0#48420106...
 *                           (1700000000.123456) vcan0 1B800001##14842...   CAN FD: '##' + flags nibble
 *                           (1700000000.123456) vcan0 4A0#4842... T        direction: T sent, R received
 *   candump (screen):       vcan0  4A0   [8]  48 42 01 06 00 24 00 00
 *                           (1700000000.123456)  vcan0  1B800001  [12]  48 42 ...   (-ta, -td, -tz)
 *                           (2026-11-29 10:00:00.123456)  vcan0  4A0  [8]  ...  (-tA: local date and time)
 *                           vcan0  TX - -  4A0   [8]  48 42 ...               (-x: direction, BRS, ESI)
 *
 * and hilbridge's byte-stream capture (`flash --capture` on a UART, docs/cli.md):
 *
 *                           (1700000000.123456) /dev/ttyUSB0 TX 00054842...    the bytes as hex, one chunk per line
 *
 * A 3-digit identifier is 11-bit, an 8-digit one 29-bit (candump's own rule).
 * Never throws: a line it cannot read comes back as `unparsed`.
 */
import type { CanFrame } from '../transports/types.js';
import { CAN_FD_LENGTHS } from './constants.js';

/** Which way a unit went, seen from the capturing end (candump -x, log T/R, hilbridge's byte capture). */
export type WireDirection = 'TX' | 'RX';

interface At {
  readonly line: number;
  /** Seconds since the epoch (or since the capture start with candump -td/-tz). */
  readonly time: number | undefined;
  readonly iface: string;
  readonly dir: WireDirection | undefined;
}

export type CandumpLine =
  | (At & { readonly kind: 'frame'; readonly frame: CanFrame })
  /** A remote (RTR) or error frame: bus traffic that carries no data. */
  | (At & { readonly kind: 'remote'; readonly id: number })
  /** Bytes of a byte stream (UART) in one direction. */
  | (At & { readonly kind: 'bytes'; readonly dir: WireDirection; readonly data: Uint8Array })
  | { readonly kind: 'blank'; readonly line: number }
  | { readonly kind: 'unparsed'; readonly line: number; readonly text: string };

/**
 * The longest line any candump format writes is under 400 characters (a
 * 64-byte CAN FD frame in screen format with timestamp and ASCII column);
 * a longer line is not a candump line, and a reader never buffers more.
 */
export const MAX_CANDUMP_LINE = 1024;

const TIME = String.raw`\((\d+(?:\.\d+)?|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)\)`;
const ID = '([0-9A-Fa-f]{3}|[0-9A-Fa-f]{8})';
const LOG = new RegExp(String.raw`^${TIME}\s+(\S+)\s+${ID}(##?)(\S*)(?:\s+([TR]))?$`);
const SCREEN = new RegExp(String.raw`^(?:${TIME}\s+)?(\S+)\s+(?:(TX|RX)\s+\S\s+\S\s+)?${ID}\s+\[(\d{1,2})\]\s*(.*)$`);
const BYTES = new RegExp(String.raw`^${TIME}\s+(\S+)\s+(TX|RX)\s+((?:[0-9A-Fa-f]{2})+)$`);

function hexBytes(text: string): Uint8Array | undefined {
  const clean = text.replace(/[.\s]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(clean)) return undefined;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Seconds of a timestamp: epoch seconds as written, or candump -tA's local date and time. */
function seconds(ts: string | undefined): number | undefined {
  if (ts === undefined) return undefined;
  const d = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?$/.exec(ts);
  if (d === null) return Number(ts);
  const [y = 0, mo = 1, da = 1, h = 0, mi = 0, s = 0] = d.slice(1, 7).map(Number);
  return new Date(y, mo - 1, da, h, mi, s).getTime() / 1000 + (d[7] === undefined ? 0 : Number(d[7]));
}

function validLength(n: number, fd: boolean): boolean {
  return n <= 8 || (fd && (CAN_FD_LENGTHS as readonly number[]).includes(n));
}

/** Parse one line of a capture (`lineNo` is 1-based, for messages). */
export function parseCandumpLine(text: string, lineNo: number): CandumpLine {
  const t = text.trim();
  if (t === '') return { kind: 'blank', line: lineNo };
  const unparsed: CandumpLine = { kind: 'unparsed', line: lineNo, text };
  const bytes = BYTES.exec(t);
  if (bytes !== null) {
    const [, ts, iface = '', dir, hex = ''] = bytes;
    return { kind: 'bytes', line: lineNo, time: seconds(ts), iface, dir: dir as WireDirection, data: hexBytes(hex)! };
  }
  const log = LOG.exec(t);
  if (log !== null) {
    const [, ts, iface = '', idHex = '', sep, rest = '', td] = log;
    const at: At = { line: lineNo, time: seconds(ts), iface, dir: td === undefined ? undefined : td === 'T' ? 'TX' : 'RX' };
    const id = parseInt(idHex, 16);
    const extended = idHex.length === 8;
    if (sep === '#' && /^R\d?$/i.test(rest)) return { kind: 'remote', ...at, id };
    const fd = sep === '##';
    const data = hexBytes(fd ? rest.slice(1) : rest);
    if (data === undefined || (fd && !/^[0-9A-Fa-f]/.test(rest)) || !validLength(data.length, fd)) return unparsed;
    if (extended && id >= 0x20000000) return { kind: 'remote', ...at, id };
    return { kind: 'frame', ...at, frame: { id, extended, fd, data } };
  }
  const screen = SCREEN.exec(t);
  if (screen !== null) {
    const [, ts, iface = '', dir, idHex = '', lenText = '', rest = ''] = screen;
    const at: At = { line: lineNo, time: seconds(ts), iface, dir: dir as WireDirection | undefined };
    const id = parseInt(idHex, 16);
    if (/remote request/i.test(rest)) return { kind: 'remote', ...at, id };
    const len = Number(lenText);
    const fd = len > 8 || lenText.length === 2;
    const data = hexBytes(rest.replace(/\s+'.*$/, ''));
    if (data === undefined || data.length !== len || !validLength(len, fd)) return unparsed;
    return { kind: 'frame', ...at, frame: { id, extended: idHex.length === 8, fd, data } };
  }
  return unparsed;
}

/** Format a CAN frame as a `candump -l` line (what the tests' captures and bug reports use), with T/R when the direction is known. */
export function formatCandumpLog(time: number, iface: string, f: CanFrame, dir?: WireDirection): string {
  const id = f.id.toString(16).toUpperCase().padStart(f.extended ? 8 : 3, '0');
  const hex = Buffer.from(f.data).toString('hex').toUpperCase();
  return `(${time.toFixed(6)}) ${iface} ${id}${f.fd ? '##0' : '#'}${hex}${dir === undefined ? '' : dir === 'TX' ? ' T' : ' R'}`;
}

/** Format bytes of a byte stream as one line of hilbridge's byte capture. */
export function formatByteLog(time: number, iface: string, dir: WireDirection, data: Uint8Array): string {
  return `(${time.toFixed(6)}) ${iface} ${dir} ${Buffer.from(data).toString('hex')}`;
}
