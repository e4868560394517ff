/**
 * `hilbridge flash <image> <link> [--resume] [--pub <key>]... [--json]`: verify
 * the image locally, an HXE image or a bundle told by its magic (a bad image,
 * or with --pub a bundle not signed by one of those keys, exits 1 before the
 * link is touched), connect, check the board takes it (a bundle only when
 * INFO says it takes bundles), send it as one image
 * with the engine's transfer (with --resume only what the target lacks),
 * check that the target verified and committed exactly this image, report
 * (for a bundle: per segment what a resumed board held, which segment the
 * transfer is in).
 * A TTY gets a progress bar; --json one JSON object per line, the last
 * `{"event":"result","ok",...}`. Exit 0 ok, 1 failed, 2 usage, 3 link.
 * Ctrl-C (or SIGTERM) stops the transfer at once and says what the board
 * kept: staged bytes, never committed, which `--resume` continues from
 * (exit 130 / 143).
 * With --nodes (instead of --node) one broadcast session flashes many CAN
 * nodes: src/cli/flash-nodes.ts.
 */
import type { Command } from 'commander';
import { InterruptedError, LinkError, UsageError, asHilbridgeError } from '../../errors.js';
import { flashNodes } from '../flash-nodes.js';
import { ImageKind, ANY_SLOT, slotLetter } from '../../protocol/messages-types.js';
import { ConfirmFailedError, confirm, precheckBundle, precheckImage, status, transferCoded, transferWithFallback } from '../../protocol/engine/index.js';
import type { AdaptiveTransferEvent, DeltaOptions, TransferOptions, TransferSavings } from '../../protocol/engine/index.js';
import { peerProtocol } from '../../protocol/engine/errors.js';
import { toHex } from '../../util/hex.js';
import { Subject, lastValueFrom, merge, tap } from 'rxjs';
import { withPlannedBoard } from '../link-board.js';
import { openVerifiedImage, verifyLocalImage, withImageFile } from '../link-image.js';
import { publicKeys } from './bundle-files.js';
import type { LocalImage } from '../link-image.js';
import { heldPerSegment, heldText as segmentsHeldText, segmentAtOffset, segmentText, verifiedLine, verifiedText } from '../flash-bundle.js';
import type { SegmentRef } from '../flash-bundle.js';
import { stderrTerminal } from '../output.js';
import { addLinkOptions, planLink } from '../link.js';
import type { LinkCliOptions } from '../link.js';
import { detail, info, result as say } from '../output.js';
import { transferProgress } from '../progress.js';
import { lineText, transferResultJson } from '../json/index.js';
import type { JsonLine } from '../json/index.js';
import type { TransferBar } from '../progress.js';
import { ExitCode, action, exitCodeFor } from '../run.js';
import { CaptureFile } from '../../capture/capture-file.js';
import { KEY_OPTION_HELP, commandSigner } from '../signing-key.js';
import { tapTransport } from '../../capture/tap.js';
import { failOnStop, stopSignals } from '../signals.js';
import type { StopSignal } from '../signals.js';

interface FlashOptions extends LinkCliOptions {
  nodes?: string;
  allOrNone?: boolean;
  resume?: boolean;
  confirm?: boolean;
  capture?: string;
  pub?: string[];
  key?: string;
  delta?: boolean;
  compress?: boolean;
}

/** Stop requests to a running flash besides Ctrl-C and SIGTERM (tests that run the program in process). */
export const interruptFlashes = new Subject<StopSignal>();

/** At most one progress line per this many ms in --json mode. */
const JSON_PROGRESS_MS = 100;

export function register(program: Command): void {
  addLinkOptions(
    program
      .command('flash')
      .description('verify an HXE image or a bundle, provision it on the board, have the board verify and commit it')
      .argument('<image>', 'HXE image or bundle file, or - for one piped on stdin')
      .option('--resume', 'ask the board what it holds of this image and send only the rest')
      .option('--confirm', 'confirm the image once committed: it is permanent at once, no trial')
      .option('--pub <key>', 'a bundle must be signed by this key (PEM file or 64 hex digits; repeat for several)', (v: string, acc: string[]) => [...acc, v], [] as string[])
      .option('--no-delta', "do not reuse what the board's active slot holds (send every chunk)")
      .option('--no-compress', 'do not compress chunks')
      .option('--capture <file>', 'record every frame of the session, both ways, as the wire saw it (candump -l on CAN; hilbridge decode reads it)')
      .option('--nodes <list>', 'broadcast to many CAN nodes in one session: ids and ranges (1,2,5 or 1-16) or all; instead of --node')
      .option('--all-or-none', 'with --nodes: no node activates the image unless every node verified it')
      .option('-k, --key <file>', KEY_OPTION_HELP),
  ).action(action((image: string, opts: FlashOptions) => withImageFile(image, (path) => (opts.nodes === undefined ? run(path, opts, image) : runNodes(path, opts, image))), (_image, opts) => opts.json === true));
}

/** flash --nodes: a broadcast session (src/cli/flash-nodes.ts); the point-to-point options do not apply. */
function runNodes(path: string, opts: FlashOptions, image: string): Promise<ExitCode> {
  const p2p = (['resume', 'confirm', 'capture', 'key'] as const).filter((k) => opts[k] !== undefined && opts[k] !== false);
  if (p2p.length > 0) throw new UsageError('invalid_option', `--${p2p[0]} applies to one board (--node), not to a broadcast session (--nodes)`);
  return flashNodes(path, opts, image);
}

interface Tally {
  held: number;
  size: number;
  /** END went out: the board commits by itself once it holds every byte. */
  ending: boolean;
  retransmits: number;
  /** From DONE; until then the failure path measures from `startedAt` (BEGIN) or `requestedAt`. */
  transferMs: number | undefined;
  /** When BEGIN first went out (from `begun`). */
  startedAt: number | undefined;
  /** When the transfer was started (BEGIN, or the resume query before it), and the link's clock. */
  requestedAt: number | undefined;
  now: (() => number) | undefined;
  /** A bundle's segment the transfer is in (set from BEGIN's answer on). */
  segment: SegmentRef | null | undefined;
}

/** Time since BEGIN when the transfer fails: DONE's figure, else measured (0 when it never started). */
function failedTransferMs(t: Tally): number {
  const from = t.startedAt ?? t.requestedAt;
  return t.transferMs ?? (from === undefined || t.now === undefined ? 0 : t.now() - from);
}

/** `file` is what is read; `imagePath` what messages call it (`-` for an image piped in, not its temporary copy). */
async function run(file: string, opts: FlashOptions, imagePath = file): Promise<ExitCode> {
  const json = opts.json === true;
  const line = (obj: JsonLine): void => void process.stdout.write(lineText(obj));
  const tally: Tally = { held: 0, size: 0, ending: false, retransmits: 0, transferMs: undefined, startedAt: undefined, requestedAt: undefined, now: undefined, segment: undefined };
  let bar: TransferBar | undefined;
  try {
    const plan = planLink(opts);
    const local: LocalImage = await verifyLocalImage(file, await publicKeys(opts.pub));
    const signer = await commandSigner(opts.key);
    const manifest = local.kind === 'bundle' ? local.bundle.manifest : undefined;
    if (json) line(verifiedLine(imagePath, local));
    else info(verifiedText(imagePath, local));
    const segmentBar = !json && manifest !== undefined && !stderrTerminal().bar;
    const source = await openVerifiedImage(file, local, imagePath); // the bytes sent are the bytes verified
    let capture: CaptureFile | undefined;
    let captureChecked = false;
    try {
      const cap = (capture = opts.capture === undefined ? undefined : CaptureFile.open(opts.capture));
      const result = await withPlannedBoard(plan, async ({ link, peer, request, baud }) => {
        const rateText = baud === undefined ? '' : `, ${baud.rate} bit/s`;
        if (!json) info(`${link.name}: ${peer.info.identity}, chunk ${peer.maxChunk} B, window ${peer.window}${rateText}`);
        if (json && baud !== undefined) line({ event: 'baud', reason: 'negotiated', from: baud.start, rate: baud.rate, attempts: baud.attempts.map((a) => ({ ...a })) });
        if (local.kind === 'bundle') precheckBundle(peer.info, local.bundle, link.name, imagePath);
        else precheckImage(peer.info, local.image, link.name, imagePath);
        const inSegment = (held: number): SegmentRef | null | undefined => {
          if (manifest === undefined) return undefined;
          const seg = segmentAtOffset(manifest, held);
          if (segmentBar && seg !== null && seg.index !== tally.segment?.index) info(`${segmentText(seg)}: sending`);
          tally.segment = seg;
          return seg;
        };
        let lastProgress = -Infinity;
        const onEvent = (e: AdaptiveTransferEvent): void => {
          const now = link.scheduler.now();
          switch (e.kind) {
            case 'baud':
              if (baud !== undefined) baud.rate = e.rate;
              if (json) line({ event: 'baud', reason: 'errors', from: e.from, rate: e.rate, errorRate: e.errorRate, attempts: [{ ...e.attempt }] });
              else info(`errors at ${e.from} bit/s (${(e.errorRate * 100).toFixed(0)}% of frames): ${e.attempt.outcome === 'switched' ? `now at ${e.rate} bit/s` : `staying (${e.attempt.outcome})`}`);
              return;
            case 'begun': {
              tally.held = e.heldBytes;
              tally.size = e.size;
              tally.startedAt = e.beginAt;
              const held = manifest === undefined ? undefined : heldPerSegment(manifest, e.heldRanges);
              if (json) line({ event: 'begun', resumed: e.resumed, heldBytes: e.heldBytes, size: e.size, ...(held === undefined ? {} : { segments: held }) });
              else {
                info(`${e.resumed ? `resuming: the board holds ${e.heldBytes} of ${e.size} bytes` : `sending ${e.size} bytes`}${held === undefined || !e.resumed ? '' : `: ${segmentsHeldText(held)}`}`);
                bar = transferProgress({ label: 'flash', total: e.size, startHeld: e.heldBytes, scheduler: link.scheduler });
              }
              const first = e.heldRanges[0];
              inSegment(first !== undefined && first.start === 0 ? first.end : 0);
              return;
            }
            case 'progress': {
              tally.held = e.heldBytes;
              tally.retransmits = e.counters.retransmits;
              const seg = inSegment(e.heldBytes);
              bar?.update(e.heldBytes, e.counters.retransmits);
              if (json && (now - lastProgress >= JSON_PROGRESS_MS || e.heldBytes === e.size)) {
                lastProgress = now;
                line({ event: 'progress', heldBytes: e.heldBytes, size: e.size, retransmits: e.counters.retransmits, counters: { ...e.counters }, ...(seg === undefined ? {} : { segment: seg }) });
              }
              return;
            }
            case 'ending':
              tally.ending = true;
              if (json) line({ event: 'ending', heldBytes: e.heldBytes, size: e.size });
              return;
            case 'done':
              bar?.update(e.result.size, e.result.counters.retransmits);
              return;
          }
        };
        const topts: TransferOptions & DeltaOptions = {
          peer,
          scheduler: link.scheduler,
          slot: ANY_SLOT,
          imageKind: local.kind === 'bundle' ? ImageKind.bundle : ImageKind.hxe,
          resume: opts.resume === true,
          fresh: opts.resume !== true,
          signer: request.signer,
          delta: opts.delta !== false,
          compress: opts.compress !== false,
        };
        const events = baud === undefined
          ? transferCoded(link.channel, source, topts)
          : transferWithFallback(link.channel, source, topts, { ...baud.options, rate: baud.rate });
        tally.now = () => link.scheduler.now();
        tally.requestedAt = link.scheduler.now();
        const interrupted = (signal: StopSignal): InterruptedError => new InterruptedError(signal, interruptedText(signal, link.name, imagePath, tally));
        const done = await lastValueFrom(failOnStop(events.pipe(tap(onEvent)), merge(stopSignals(), interruptFlashes), interrupted)).catch((e: unknown) => {
          throw lostMidTransfer(e, link.name, imagePath, tally);
        });
        bar?.stop();
        bar = undefined;
        if (done.kind !== 'done') throw peerProtocol(link.name, 'the transfer ended without DONE');
        const r = done.result;
        tally.held = r.size;
        tally.retransmits = r.counters.retransmits;
        tally.transferMs = r.transferMs;
        if (json) line({ event: 'done', ...transferResultJson(r) });
        else detail(`counters: ${Object.entries(r.counters).map(([k, v]) => `${k} ${String(v)}`).join(', ')}`);
        const st = await status(link.channel, request);
        const active = st.slots.find((s) => s.slot === r.slot);
        // (a board may leave `bundle` out of STATUS to fit a small frame: then the slot's SHA-256 above is the check)
        if (manifest !== undefined && st.bundle !== undefined && st.bundle.name !== manifest.name) {
          throw peerProtocol(link.name, `slot ${slotLetter(r.slot)} committed bundle "${manifest.name}" but STATUS reports bundle "${st.bundle.name}" running`);
        }
        if (active?.sha256 !== undefined && active.sha256 !== toHex(source.sha256)) {
          throw peerProtocol(link.name, `slot ${slotLetter(r.slot)} reports SHA-256 ${active.sha256} after committing ${toHex(source.sha256)}`);
        }
        if (json) line({ event: 'committed', slot: r.slot, state: active?.state ?? null, boardState: st.state });
        else say(`committed to slot ${slotLetter(r.slot)} (${active?.state ?? 'state not reported'})${manifest === undefined ? '' : `: bundle "${manifest.name}", every one of its ${manifest.segments.length} segments`}: ${r.size} bytes in ${r.transferMs.toFixed(0)} ms, ${r.counters.retransmits} retransmits${r.resumed ? `, ${r.alreadyHeld} bytes already held` : ''}${savingsText(r.size, r.savings)}`);
        if (opts.confirm === true) {
          await confirm(link.channel, r.slot, request).catch((e: unknown) => {
            throw new ConfirmFailedError(link.name, slotLetter(r.slot), 'hilbridge confirm <same link options>', e);
          });
          if (json) line({ event: 'confirmed', slot: r.slot });
          else say(`confirmed: slot ${slotLetter(r.slot)} is permanent, no trial`);
        }
        return r;
      }, cap === undefined ? {} : { wrapTransport: (t, clock) => tapTransport(t, cap, clock) }, { switchBaud: true, signer });
      captureChecked = true;
      const lost = capture?.close();
      if (lost !== undefined) throw lost;
      if (json) line({ event: 'result', ok: true, bytes: result.size, transferMs: result.transferMs, retransmits: result.counters.retransmits, resumed: result.resumed, alreadyHeld: result.alreadyHeld, slot: result.slot, confirmed: opts.confirm === true, ...(result.savings === undefined ? {} : { wireBytes: result.savings.wireBytes, reusedBytes: result.savings.reusedBytes, compressedBytes: result.savings.compressedBytes }), ...(manifest === undefined ? {} : { bundle: { name: manifest.name, segments: manifest.segments.length } }) });
      return ExitCode.Ok;
    } finally {
      await source.close();
      const lost = capture?.close(); // every way out: the capture is complete up to the failure
      if (lost !== undefined && !captureChecked) process.stderr.write(`hilbridge: ${lost.message}\n`);
    }
  } catch (err) {
    bar?.stop();
    if (!json) throw err;
    const e = asHilbridgeError(err);
    line({ event: 'result', ok: false, bytes: tally.held, transferMs: failedTransferMs(tally), retransmits: tally.retransmits, ...(tally.segment === undefined ? {} : { segment: tally.segment }), error: e.toJSON() });
    return exitCodeFor(err);
  }
}

/** The human result's account of a delta or compressed transfer: bytes on the wire against the image, and why. */
export function savingsText(size: number, s: TransferSavings | undefined): string {
  if (s === undefined) return '';
  const pct = (n: number): string => `${((100 * n) / Math.max(1, size)).toFixed(1)} %`;
  const parts = [
    ...(s.reusedBytes > 0 ? [`${s.reusedBytes} reused from the active slot`] : []),
    ...(s.compressedBytes > 0 ? [`${s.compressedBytes} compressed to ${s.packedBytes} (${s.codec ?? 'codec'})`] : []),
    ...(s.sigBytes > 0 ? [`${s.sigBytes} of signatures`] : []),
  ];
  const why = parts.length === 0 ? '' : `: ${parts.join(', ')}`;
  return `; ${s.wireBytes} bytes on the wire (${pct(s.wireBytes)} of the image)${why}${s.repaired === true ? '; the delta failed verification and the image was sent again in full' : ''}`;
}

/** What an interrupted flash left on the board, and what to do next. */
function interruptedText(signal: StopSignal, link: string, image: string, t: Tally): string {
  const at = `interrupted (${signal})`;
  if (t.startedAt === undefined) return `${at} while starting the transfer to ${link}: nothing was committed; run flash again`;
  return `${at}${t.ending ? ' after END' : ''}: ${heldText(link, image, t)}`;
}

/**
 * The one phrasing of what a transfer cut short left on the board (the bytes
 * it acknowledged) and what to do next: Ctrl-C and a link lost after BEGIN
 * was answered both say it.
 */
function heldText(link: string, image: string, t: Tally): string {
  const inSeg = t.segment === undefined || t.segment === null ? '' : ` (the transfer was in ${segmentText(t.segment)})`;
  const held = `${link} holds at least ${t.held} of ${t.size} bytes of ${image}${inSeg}`;
  if (t.ending) {
    return `${held}; it verifies and commits the image by itself once it holds every byte. ` +
      `Check with \`hilbridge status\`; if the image is not active, flash it again with --resume (\`hilbridge flash ${image} --resume <same link options>\`)`;
  }
  return `${held}, staged, nothing committed; flash it again with --resume to send only the rest ` +
    `(\`hilbridge flash ${image} --resume <same link options>\`), or run \`hilbridge abort\` to discard them`;
}

/** A link that went silent or away after BEGIN was answered: the same error, saying what the board holds and how to go on. */
function lostMidTransfer(err: unknown, link: string, image: string, t: Tally): unknown {
  if (t.startedAt === undefined || !(err instanceof LinkError)) return err;
  if (err.code !== 'peer_timeout' && err.code !== 'link_disconnected' && err.code !== 'link_closed') return err;
  return new LinkError(err.code, err.link, `${err.message}. ${heldText(link, image, t)}`, { cause: err });
}
