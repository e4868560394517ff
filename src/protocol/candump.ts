/**
 * Reading candump captures (can-utils), one line at a time:
 *
 *   candump -l / -L (log):  (1700000000.123456) vcan0 4A0#48420106...
 *                           (1700000000.123456) vcan0 1B800001##14842...   CAN FD: '##' + flags nibble
 *   candump (screen):       vcan0  4A0   [8]  48 42 01 06 00 24 00 00
 *                           (1700000000.123456)  vcan0  1B800001  [12]  48 42 ...   (with -ta)
 *
 * A 3-digit identifier is 11-bit, an 8-digit one 29-bit (candump's own rule).
 * Never throws: a line it cannot read comes back as `unparsed`.
 */
import type { CanFrame } from '../transports/types.js';
import { CAN_FD_LENGTHS } from './constants.js';

export type CandumpLine =
  | { readonly kind: 'frame'; readonly line: number; readonly time: number | undefined; readonly iface: string; readonly frame: CanFrame }
  /** A remote (RTR) or error frame: bus traffic that carries no data. */
  | { readonly kind: 'remote'; readonly line: number; readonly time: number | undefined; readonly iface: string; readonly id: number }
  | { readonly kind: 'blank'; readonly line: number }
  | { readonly kind: 'unparsed'; readonly line: number; readonly text: string };

/**
 * The longest line any candump format writes is under 400 characters (a
 * 64-byte CAN FD frame in screen format with timestamp and ASCII column);
 * a longer line is not a candump line, and a reader never buffers more.
 */
export const MAX_CANDUMP_LINE = 1024;

const LOG = /^\((\d+(?:\.\d+)?)\)\s+(\S+)\s+([0-9A-Fa-f]{3}|[0-9A-Fa-f]{8})(##?)(\S*)(?:\s+\S+)?$/;
const SCREEN = /^(?:\((\d+(?:\.\d+)?)\)\s+)?(\S+)\s+([0-9A-Fa-f]{3}|[0-9A-Fa-f]{8})\s+\[(\d{1,2})\]\s*(.*)$/;

function hexBytes(text: string): Uint8Array | undefined {
  const clean = text.replace(/[.\s]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(clean)) return undefined;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function validLength(n: number, fd: boolean): boolean {
  return n <= 8 || (fd && (CAN_FD_LENGTHS as readonly number[]).includes(n));
}

/** Parse one line of a candump capture (`lineNo` is 1-based, for messages). */
export function parseCandumpLine(text: string, lineNo: number): CandumpLine {
  const t = text.trim();
  if (t === '') return { kind: 'blank', line: lineNo };
  const unparsed: CandumpLine = { kind: 'unparsed', line: lineNo, text };
  const log = LOG.exec(t);
  if (log !== null) {
    const [, ts, iface = '', idHex = '', sep, rest = ''] = log;
    const time = ts === undefined ? undefined : Number(ts);
    const id = parseInt(idHex, 16);
    const extended = idHex.length === 8;
    if (sep === '#' && /^R\d?$/i.test(rest)) return { kind: 'remote', line: lineNo, time, iface, id };
    const fd = sep === '##';
    const data = hexBytes(fd ? rest.slice(1) : rest);
    if (data === undefined || (fd && !/^[0-9A-Fa-f]/.test(rest)) || !validLength(data.length, fd)) return unparsed;
    if (extended && id >= 0x20000000) return { kind: 'remote', line: lineNo, time, iface, id };
    return { kind: 'frame', line: lineNo, time, iface, frame: { id, extended, fd, data } };
  }
  const screen = SCREEN.exec(t);
  if (screen !== null) {
    const [, ts, iface = '', idHex = '', lenText = '', rest = ''] = screen;
    const time = ts === undefined ? undefined : Number(ts);
    const id = parseInt(idHex, 16);
    if (/remote request/i.test(rest)) return { kind: 'remote', line: lineNo, time, iface, id };
    const len = Number(lenText);
    const fd = len > 8 || lenText.length === 2;
    const data = hexBytes(rest.replace(/\s+'.*$/, ''));
    if (data === undefined || data.length !== len || !validLength(len, fd)) return unparsed;
    return { kind: 'frame', line: lineNo, time, iface, frame: { id, extended: idHex.length === 8, fd, data } };
  }
  return unparsed;
}

/** Format a CAN frame as a `candump -l` line (what the tests' captures and bug reports use). */
export function formatCandumpLog(time: number, iface: string, f: CanFrame): string {
  const id = f.id.toString(16).toUpperCase().padStart(f.extended ? 8 : 3, '0');
  const hex = Buffer.from(f.data).toString('hex').toUpperCase();
  return `(${time.toFixed(6)}) ${iface} ${id}${f.fd ? '##0' : '#'}${hex}`;
}
