/**
 * `hilbridge decode <capture|-> [--json]`: decode a capture (candump -l, -L,
 * screen output with -ta/-tA/-x, or hilbridge's own `flash --capture` files,
 * CAN or UART) into protocol messages, one line each, with notes for CRC
 * errors and lost segments and a summary of foreign traffic. `-` reads stdin
 * (a pipe or a file; a terminal is refused). Unreadable lines are listed by
 * number (the first MAX_LISTED) and skipped. Exit 0 when the capture was
 * read, 2 when it cannot be read or holds no capture line.
 */
import { createReadStream } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { CaptureDecoder } from '../../protocol/candump-decode.js';
import type { CaptureEntry, CaptureSummary } from '../../protocol/candump-decode.js';
import { formatFields, messageFields, messageName } from '../../protocol/candump-fields.js';
import { MAX_CANDUMP_LINE, parseCandumpLine } from '../../protocol/candump.js';
import type { CandumpLine } from '../../protocol/candump.js';
import { checkHostFile } from '../../image/host-file.js';
import { boundedLines } from '../../util/lines.js';
import { ExitCode, action } from '../run.js';
import { captureEntryLine, lineText, summaryLine } from '../json/index.js';
import { isStdinName } from '../../image/stdin.js';

interface DecodeOptions {
  json?: boolean;
}

/** Unreadable lines listed one by one; the rest are only counted (the summary). */
export const MAX_LISTED = 10;
/** Characters of an unreadable line shown. */
const SHOWN_CHARS = 80;

export function register(program: Command): void {
  program
    .command('decode')
    .description('decode a capture (candump -l/-L/screen output, or flash --capture) into protocol messages')
    .argument('<capture>', "capture file, or '-' for stdin (a pipe)")
    .option('--json', 'one JSON object per message or note, then a summary object')
    .action(action((file: string, opts: DecodeOptions) => run(file, opts), (_file, opts) => opts.json === true));
}

const arrow = (d: CaptureEntry['direction']): string => (d === 'toTarget' ? 'host>node' : 'node>host');

/** Text line for one entry. */
export function formatEntry(e: CaptureEntry): string {
  const time = e.time === null ? `line ${e.line}` : e.time.toFixed(6);
  const where = `${time} ${e.iface}${e.wire === null ? '' : ` ${e.wire}`}${e.node === null ? '' : ` node ${e.node}`} ${arrow(e.direction)}`;
  if (e.kind === 'note') return `${where} ! ${e.note}: ${e.detail}`;
  const fields = formatFields(messageFields(e.msg));
  return `${where} ${messageName(e.msg)} session=${e.session} seq=${e.seq}${fields ? ' ' + fields : ''}`;
}


/** Summary text. */
export function formatSummary(s: CaptureSummary): string {
  const notes = Object.entries(s.notes).filter(([, n]) => n > 0);
  const ids = Object.entries(s.foreignIds).sort((a, b) => b[1] - a[1]);
  const shown = ids.slice(0, 8).map(([id, n]) => `${id} x${n}`).join(', ');
  return (
    `summary: ${s.canFrames} CAN frames, ${s.byteLines > 0 ? `${s.byteLines} byte-stream lines, ` : ''}${s.messages} messages, ` +
    `${notes.reduce((n, [, c]) => n + c, 0)} notes${notes.length ? ` (${notes.map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}, ` +
    `${s.foreignFrames} non-hilbridge frames${ids.length ? ` (ids ${shown}${ids.length > 8 ? `, ${ids.length - 8} more` : ''})` : ''}, ` +
    `${s.incomplete} frames incomplete at the end, ${s.unparsedLines} unreadable lines\n`
  );
}

/** The capture's bytes: a regular file (checked, streamed), or stdin when `-` (a pipe or redirected file; never a terminal). */
async function source(file: string): Promise<{ name: string; chunks: AsyncIterable<Uint8Array> }> {
  if (!isStdinName(file)) {
    await checkHostFile(file, 'capture', Number.MAX_SAFE_INTEGER); // a regular file of any length: it is streamed
    return { name: `"${file}"`, chunks: createReadStream(file) };
  }
  if (process.stdin.isTTY === true) {
    throw new UsageError('stdin_is_tty', `decode ${file}: stdin is a terminal, not a capture; pipe one in (candump -L can0 | hilbridge decode -) or name the file`);
  }
  return { name: 'stdin', chunks: process.stdin };
}

async function run(file: string, opts: DecodeOptions): Promise<ExitCode> {
  const decoder = new CaptureDecoder();
  const write = (s: string): void => void process.stdout.write(s);
  let firstBad: number | undefined;
  let listed = 0;
  const { name, chunks } = await source(file);
  const unreadable = (n: number, text: string, tooLong: boolean): void => {
    firstBad ??= n;
    if (listed++ >= MAX_LISTED) return;
    const why = tooLong ? `longer than ${MAX_CANDUMP_LINE} characters` : 'not a candump line';
    const shown = text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}...` : text;
    if (opts.json) write(lineText({ event: 'unreadable', line: n, reason: tooLong ? 'too_long' : 'not_a_capture_line', text: shown }));
    else process.stderr.write(`line ${n}: ${why}: ${shown}\n`);
  };
  try {
    for await (const line of boundedLines(chunks, MAX_CANDUMP_LINE)) {
      const parsed: CandumpLine = line.tooLong ? { kind: 'unparsed', line: line.number, text: line.text } : parseCandumpLine(line.text, line.number);
      if (parsed.kind === 'unparsed') unreadable(line.number, line.text, line.tooLong);
      for (const e of decoder.push(parsed)) write(opts.json ? lineText(captureEntryLine(e)) : formatEntry(e) + '\n');
    }
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(cause);
    throw new UsageError('file_unreadable', `cannot read capture ${name}: ${why}`, { cause });
  }
  const s = decoder.summary();
  if (s.canFrames === 0 && s.byteLines === 0) {
    const why = firstBad === undefined ? 'it is empty' : `line ${firstBad} is not one`;
    throw new UsageError('not_a_capture', `${name} holds no capture line (${why}): record it with candump -l <iface> or hilbridge flash --capture <file>`);
  }
  if (!opts.json && listed > MAX_LISTED) process.stderr.write(`${listed - MAX_LISTED} more unreadable lines not listed (${listed} in all)\n`);
  write(opts.json ? lineText(summaryLine(s)) : formatSummary(s));
  return ExitCode.Ok;
}
