/**
 * `hilbridge decode <capture> [--json]`: decode a candump capture (-l, -L or
 * screen format) into protocol messages, one line each, with notes for CRC
 * errors and lost segments and a summary of foreign traffic. Exit 0 when the
 * capture was read, 2 when the file cannot be read or holds no CAN frame.
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

interface DecodeOptions {
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('decode')
    .description('decode a candump capture (candump -l, -L or screen output) into protocol messages')
    .argument('<capture>', 'candump log file')
    .option('--json', 'one JSON object per message or note, then a summary object')
    .action(action((file: string, opts: DecodeOptions) => run(file, opts), (_file, opts) => opts.json === true));
}

const arrow = (d: CaptureEntry['direction']): string => (d === 'toTarget' ? 'host>node' : 'node>host');

/** Text line for one entry. */
export function formatEntry(e: CaptureEntry): string {
  const time = e.time === null ? `line ${e.line}` : e.time.toFixed(6);
  const where = `${time} ${e.iface} node ${e.node} ${arrow(e.direction)}`;
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
    `summary: ${s.canFrames} CAN frames, ${s.messages} messages, ` +
    `${notes.reduce((n, [, c]) => n + c, 0)} notes${notes.length ? ` (${notes.map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}, ` +
    `${s.foreignFrames} non-hilbridge frames${ids.length ? ` (ids ${shown}${ids.length > 8 ? `, ${ids.length - 8} more` : ''})` : ''}, ` +
    `${s.incomplete} frames incomplete at the end, ${s.unparsedLines} unreadable lines\n`
  );
}

async function run(file: string, opts: DecodeOptions): Promise<ExitCode> {
  const decoder = new CaptureDecoder();
  const write = (s: string): void => void process.stdout.write(s);
  let firstBad: number | undefined;
  await checkHostFile(file, 'capture', Number.MAX_SAFE_INTEGER); // a regular file of any length: it is streamed
  try {
    for await (const line of boundedLines(createReadStream(file), MAX_CANDUMP_LINE)) {
      const parsed: CandumpLine = line.tooLong ? { kind: 'unparsed', line: line.number, text: line.text } : parseCandumpLine(line.text, line.number);
      if (parsed.kind === 'unparsed') firstBad ??= line.number;
      for (const e of decoder.push(parsed)) write(opts.json ? lineText(captureEntryLine(e)) : formatEntry(e) + '\n');
    }
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(cause);
    throw new UsageError('file_unreadable', `cannot read capture "${file}": ${why}`, { cause });
  }
  const s = decoder.summary();
  if (s.canFrames === 0 && s.unparsedLines > 0) {
    throw new UsageError('not_a_capture', `"${file}" holds no candump line (line ${firstBad} is not one): record it with candump -l <iface>`);
  }
  write(opts.json ? lineText(summaryLine(s)) : formatSummary(s));
  return ExitCode.Ok;
}
