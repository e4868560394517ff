/**
 * `hilbridge demo [--json] [--sample <name>] [--code-size <bytes>] [--fram <file>]`:
 * the quick start. One process runs a virtual HSX board (memory FRAM, or a
 * FRAM file) preloaded with the bundled calib sample, and an emulated UART
 * (921600 baud 8N1, 2 ms latency, seeded 2% loss toward the board, so
 * retransmits show). It prints the board's status, provisions another bundled
 * sample over the real protocol with a live progress bar (plain lines when not
 * a TTY, one JSON object per line with --json), confirms it, prints the status
 * again, then sets a persisted value and power-cycles the board to show it
 * restored from FRAM. Exit 0 when all of that worked.
 */
import type { Command } from 'commander';
import { asyncScheduler, lastValueFrom, tap } from 'rxjs';
import { HilbridgeError, UsageError } from '../../errors.js';
import { confirm, connect, serveTarget, transfer } from '../../protocol/engine/index.js';
import type { TransferEvent, TransferResult } from '../../protocol/engine/index.js';
import { ANY_SLOT, ImageKind, slotLetter } from '../../protocol/messages-types.js';
import { VirtualBoard } from '../../board/board.js';
import type { FramSpec } from '../../board/board-fram.js';
import { formatReport } from '../report-text.js';
import { enlargeImage, readSample, SAMPLE_NAMES, type SampleName, samplePath } from '../../board/sample-image.js';
import { createEmulatedLink } from '../../transports/emulator.js';
import { bytesImageReader } from '../../image/reader.js';
import { frameChannel } from '../../link/index.js';
import { transferProgress } from '../progress.js';
import { ExitCode, action } from '../run.js';
import { wholeNumber } from '../numbers.js';
import { boardEventLine, boardReportJson, crc32Hex, lineText, transferResultJson } from '../json/index.js';
import type { JsonLine } from '../json/index.js';

interface DemoOptions {
  json?: boolean;
  sample: string;
  codeSize: string;
  fram?: string;
}

const FRAM_SIZE = 256 * 1024;
const LINK = { bitRate: 921_600, latencyMs: 2, seed: 11, loss: 0.02 } as const;

export function register(program: Command): void {
  program
    .command('demo', { isDefault: true })
    .description('quick start: a virtual board and an emulated UART in this process; provision a bundled sample with live progress and show the status before and after')
    .option('--json', 'one JSON event per line')
    .option('--sample <name>', `sample to provision: ${SAMPLE_NAMES.join(', ')}`, 'motor_ctl')
    .option('--code-size <bytes>', 'enlarge the sample to this much code so the transfer takes a moment (0: send it as is)', '49152')
    .option('--fram <file>', 'keep the board in this FRAM file (created when missing) instead of memory')
    .action(action((opts: DemoOptions) => run(opts), (opts) => opts.json === true));
}

function parseOptions(opts: DemoOptions): { sample: SampleName; codeSize: number } {
  const sample = SAMPLE_NAMES.find((n) => n === opts.sample);
  if (sample === undefined) throw new UsageError('invalid_option', `--sample ${opts.sample}: choose one of ${SAMPLE_NAMES.join(', ')}`);
  return { sample, codeSize: wholeNumber('--code-size', opts.codeSize, 0, 0x10000) };
}

async function run(opts: DemoOptions): Promise<ExitCode> {
  const { sample, codeSize } = parseOptions(opts);
  const json = opts.json === true;
  const out = (line: string): boolean => process.stdout.write(line + '\n');
  const emit = (line: JsonLine): void => {
    if (json) process.stdout.write(lineText(line));
  };
  const now = (): number => asyncScheduler.now();
  const say = (text: string): void => {
    if (!json) out(text);
  };

  const chip = new Uint8Array(FRAM_SIZE);
  const fram: FramSpec = opts.fram === undefined ? { memory: chip } : { file: opts.fram, size: FRAM_SIZE };
  let board = VirtualBoard.open({ fram, identity: 'hsx-demo', nodeId: 1, source: 'uart' });
  const link = createEmulatedLink({ mode: 'bytes', bitRate: LINK.bitRate, latencyMs: LINK.latencyMs, seed: LINK.seed, faults: { direction: 'toTarget', loss: LINK.loss }, name: 'emulated UART' });
  const host = frameChannel(link.host, 'host').channel;
  const targetCh = frameChannel(link.target, 'target').channel;
  let served = serveTarget(targetCh, board);
  const boardEvents = board.events$.subscribe((e) => emit(boardEventLine(e)));
  try {
    emit({ event: 'demo.link', timestamp: now(), link: 'uart', ...LINK, framSize: FRAM_SIZE, fram: opts.fram ?? 'memory' });
    say(`hilbridge demo: a virtual HSX board and an emulated UART in this process (${LINK.bitRate} baud 8N1, ${LINK.latencyMs} ms latency, ${LINK.loss * 100}% seeded loss toward the board)`);
    await preload(board, say);
    const before = board.report();
    emit({ event: 'demo.status', timestamp: now(), when: 'before', report: boardReportJson(before) });
    say('\nboard status before:\n' + formatReport(before));

    const original = await readSample(sample);
    const bytes = codeSize === 0 ? original : enlargeImage(original, codeSize).bytes;
    const src = bytesImageReader(bytes, samplePath(sample));
    emit({ event: 'demo.image', timestamp: now(), sample, samplePath: samplePath(sample), sampleBytes: original.length, size: bytes.length, enlarged: bytes !== original, fileCrc32: crc32Hex(src.crc32) });
    say(`provisioning ${sample}: ${samplePath(sample)} is ${original.length} bytes` + (bytes === original ? '' : `; sending a ${bytes.length}-byte image built from its metadata with ${codeSize} bytes of padded code (so the progress means something; PERSIST values without a key get one)`));

    const peer = await connect(host, { tries: 5 });
    say(`  connected to ${peer.info.identity} node ${peer.info.nodeId}: chunk ${peer.maxChunk} B, window ${peer.window}`);
    const result = await provision(host, src, peer, json);
    emit({ event: 'demo.transfer', timestamp: now(), result: transferResultJson(result) });
    say(`  done: ${result.size} bytes in ${(result.transferMs / 1000).toFixed(2)} s (${((result.size / 1024) / Math.max(1e-3, result.transferMs / 1000)).toFixed(1)} KiB/s), ${result.counters.retransmits} retransmits, slot ${slotLetter(result.slot)}, the board verified CRC-32 0x${result.crc32.toString(16).padStart(8, '0')} and SHA-256`);

    await confirm(host, ANY_SLOT);
    say(`confirmed slot ${slotLetter(result.slot)}: the board keeps the new image across reboots`);
    const after = board.report();
    emit({ event: 'demo.status', timestamp: now(), when: 'after', report: boardReportJson(after) });
    say('\nboard status after:\n' + formatReport(after));

    // power cycle: a persisted value survives in FRAM
    const app = board.executive.slot;
    const persisted = app?.values.find((v) => v.persisted);
    if (app !== null && persisted !== undefined) {
      const value = persisted.value + 100;
      board.setValue(app.pid, persisted.groupId, persisted.valueId, value);
      say(`set ${persisted.name ?? 'value'} = ${value}, then power-cycle the board (a new board over the same FRAM)`);
      boardEvents.unsubscribe();
      await served.close();
      board.close();
      board = VirtualBoard.open({ fram, identity: 'hsx-demo', nodeId: 1, source: 'uart' });
      board.events$.subscribe((e) => emit(boardEventLine(e)));
      served = serveTarget(targetCh, board);
      const rebooted = board.report();
      emit({ event: 'demo.status', timestamp: now(), when: 'after_reboot', report: boardReportJson(rebooted) });
      say('\nboard status after the power cycle:\n' + formatReport(rebooted));
    }
    emit({ event: 'demo.done', timestamp: now() });
    say('demo complete');
    return ExitCode.Ok;
  } finally {
    boardEvents.unsubscribe();
    await served.close();
    board.close();
    await link.close().catch(() => undefined);
  }
}

/** A board that has never run anything gets the calib sample, as its factory image (from the SD manifest). */
async function preload(board: VirtualBoard, say: (s: string) => void): Promise<void> {
  const r = board.report();
  if (r.trial) {
    await board.confirm(ANY_SLOT);
    say(`  confirmed the trial image an earlier run left in slot ${r.active ?? '?'}`);
  }
  if (r.active !== null) return;
  const calib = await readSample('calib');
  board.install(calib, 'sd_manifest', { confirm: true });
  say(`  preloaded the board with ${samplePath('calib')} (${calib.length} bytes) as its factory image`);
}

async function provision(host: Parameters<typeof transfer>[0], src: Parameters<typeof transfer>[1], peer: Awaited<ReturnType<typeof connect>>, json: boolean): Promise<TransferResult> {
  // progress on stderr: a bar on a TTY, plain lines otherwise (src/cli/progress.ts); none with --json, where events are the progress
  const bar = json ? undefined : transferProgress({ label: '  provisioning', total: src.size, startHeld: 0, scheduler: asyncScheduler });
  const onEvent = (e: TransferEvent): void => {
    if (e.kind === 'progress') bar?.update(e.heldBytes, e.counters.retransmits);
  };
  try {
    const last = await lastValueFrom(transfer(host, src, { peer, imageKind: ImageKind.hxe, slot: ANY_SLOT }).pipe(tap(onEvent)));
    if (last.kind !== 'done') throw new HilbridgeError('internal_error', 'the transfer ended without a result');
    return last.result;
  } finally {
    bar?.stop();
  }
}
