/** Lines of `hilbridge decode --json`: one per protocol message or note, then the summary. */
import { z } from 'zod';
import type { CaptureEntry, CaptureSummary } from '../../protocol/candump-decode.js';
import { messageFields, messageName } from '../../protocol/candump-fields.js';
import type { FieldValue } from '../../protocol/candump-fields.js';
import { Count, crc32FromHexText } from './common.js';

const place = {
  /** Line number in the capture. */
  line: Count,
  /** Seconds as in the capture, null when it has no timestamps. */
  time: z.number().nullable(),
  /** The CAN interface or the serial link the line names. */
  iface: z.string(),
  /** Node id from the CAN identifier; null on a byte stream. */
  node: Count.nullable(),
  direction: z.enum(['toTarget', 'toHost']),
  /** CAN identifier format; null on a byte stream. */
  idFormat: z.enum(['std', 'ext']).nullable(),
  /** TX/RX as the capture marked it (candump -x, a log's T/R, a byte log), null when it does not say. */
  wire: z.enum(['TX', 'RX']).nullable(),
};

const NOTE_CODES = ['lost_segment', 'orphan_segment', 'crc_error', 'bad_frame', 'bad_payload', 'oversize'] as const;

export const MessageLine = z.strictObject({
  event: z.literal('message'),
  ...place,
  /** DATA, ACK, BEGIN, ... */
  message: z.string(),
  session: Count,
  seq: Count,
  /** The message's key fields (docs/cli.md, "decode"); a CRC-32 is `fileCrc32` (hex). */
  fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

export const NoteLine = z.strictObject({
  event: z.literal('note'),
  ...place,
  note: z.enum(NOTE_CODES),
  detail: z.string(),
});

export const SummaryLine = z.strictObject({
  event: z.literal('summary'),
  lines: Count,
  canFrames: Count,
  /** Lines of a byte log (flash --capture on a UART). */
  byteLines: Count,
  messages: Count,
  notes: z.strictObject(Object.fromEntries(NOTE_CODES.map((n) => [n, Count])) as Record<(typeof NOTE_CODES)[number], typeof Count>),
  foreignFrames: Count,
  /** Foreign identifiers (hex) with their frame counts. */
  foreignIds: z.record(z.string(), Count),
  parityFrames: Count,
  unparsedLines: Count,
  incomplete: Count,
});

/** A line decode could not read; decoding goes on (the first 10 are listed). */
export const UnreadableLine = z.strictObject({
  event: z.literal('unreadable'),
  line: Count,
  reason: z.enum(['too_long', 'not_a_capture_line']),
  /** The line as read, cut to its first characters. */
  text: z.string(),
});

type Line = z.infer<typeof MessageLine> | z.infer<typeof NoteLine>;

/** The line of one decoded entry: BEGIN's and DONE's `crc32` field (the image file's CRC) becomes `fileCrc32`. */
export function captureEntryLine(e: CaptureEntry): Line {
  const base = { line: e.line, time: e.time, iface: e.iface, node: e.node, direction: e.direction, idFormat: e.idFormat, wire: e.wire };
  if (e.kind === 'note') return { event: 'note', ...base, note: e.note, detail: e.detail };
  const fields: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(messageFields(e.msg))) {
    if (k === 'crc32' && typeof v === 'string') fields.fileCrc32 = crc32FromHexText(v);
    else fields[k] = v;
  }
  return { event: 'message', ...base, message: messageName(e.msg), session: e.session, seq: e.seq, fields };
}

export function summaryLine(s: CaptureSummary): z.infer<typeof SummaryLine> {
  return { event: 'summary', ...s, notes: { ...s.notes }, foreignIds: { ...s.foreignIds } };
}
