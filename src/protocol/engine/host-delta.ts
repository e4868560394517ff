/**
 * A transfer that sends fewer bytes when the board can take them
 * (docs/protocol.md 9): negotiated from INFO's loader bits (29 delta, 28
 * compression) and INFO's codec table, it asks for the active image's
 * signatures, plans the copies, and runs the usual transfer (host-transfer.ts)
 * with a chunk coder. A board without the bits gets today's plain transfer.
 *
 * Repair: a delta transfer whose staged image fails verification at END (a
 * copy the board made was not what the signatures promised: its active slot
 * changed or a hash collided), or whose copies the board refused, is sent
 * again once as plain DATA from zero (BEGIN fresh). Nothing wrong is ever
 * committed: END verifies the whole staged image either way.
 */
import type { Observable} from 'rxjs';
import { asyncScheduler, defer } from 'rxjs';
import { catchError, map, mergeMap } from 'rxjs/operators';
import { isHilbridgeError } from '../../errors.js';
import type { ImageReader } from '../../image/reader.js';
import { CODEC_IDS, CodecId, codecInfo, compressBest } from '../../codec/index.js';
import { takesCompression, takesDelta } from '../messages-types.js';
import { wireCodeOf } from '../messages-codes.js';
import type { FrameChannel } from '../types.js';
import { ChunkCoder, type Packer } from './delta-coder.js';
import { learnDelta } from './delta-sigs.js';
import { transferChunk, type TransferEvent, type TransferOptions, type TransferSavings } from './host-options.js';
import { transfer } from './host-transfer.js';
import { RTO_DEFAULTS } from './rto.js';

export interface DeltaOptions {
  /** Reuse what the board's active slot holds (default true; only with INFO bit 29). */
  readonly delta?: boolean;
  /** Compress chunks when smaller (default true; only with INFO bit 28 and a codec both know). */
  readonly compress?: boolean;
}

/** Largest image the host plans a delta or compression for (it holds the image in memory). */
export const MAX_CODED_IMAGE = 64 * 1024 * 1024;

/** Codes after which a delta transfer is repeated plain: the staged bytes or the copies were wrong. */
const REPAIRABLE = new Set(['sha256_mismatch', 'crc_mismatch', 'bad_delta', 'bad_packed', 'no_active_image', 'codec_unsupported']);

/**
 * Whether a delta transfer that ended with `code` is repeated plain: a wrong copy can land anywhere, also in
 * the HXE header, a bundle's manifest or its signature, which the board checks as the bytes arrive; so every
 * refusal of the image's content (HXE 0x01xx, policy 0x02xx, bundle 0x03xx, image policy 0x04xx) is repeated
 * once too. A plain image the board refuses is refused again, and that answer is final.
 */
function repairable(code: string): boolean {
  const n = wireCodeOf(code);
  return REPAIRABLE.has(code) || (n >= 0x0100 && n < 0x0500);
}

const NO_COPIES = { segs: [], sigBytes: 0, requests: 0 } as const;

/**
 * The packer for the codecs the board advertised and this library knows (codec 0 never counts): per chunk the
 * smallest of them (docs/compression.md section 1), or undefined when there are none.
 */
export function packerFor(codecs: readonly { id: number }[], wanted: boolean): Packer | undefined {
  if (!wanted) return undefined;
  const both = CODEC_IDS.filter((id) => id !== CodecId.None && codecs.some((x) => x.id === id));
  return both.length === 0 ? undefined : { pack: (b) => compressBest(b, both) };
}

/** The savings' `codec`: the codecs the packed chunks used, by name ('hlz1+deflate'), or 'none'. */
function codecNames(ids: readonly number[]): string {
  return ids.length === 0 ? 'none' : ids.map((id) => codecInfo(id)?.name ?? String(id)).join('+');
}

/** Move `source` into the target's slot, reusing and compressing what the target's INFO says it can take. */
export function transferCoded(channel: FrameChannel, source: ImageReader, opts: TransferOptions & DeltaOptions): Observable<TransferEvent> {
  const caps = opts.peer.info.capabilities;
  const wantDelta = opts.delta !== false && takesDelta(caps);
  // the codecs (and their RAM) come with INFO: a transfer that only compresses asks nothing more
  const packer = packerFor(opts.peer.info.codecs ?? [], opts.compress !== false && takesCompression(caps));
  if ((!wantDelta && packer === undefined) || source.size === 0 || source.size > MAX_CODED_IMAGE) return transfer(channel, source, opts);
  const scheduler = opts.scheduler ?? asyncScheduler;
  return defer(async () => {
    const t0 = scheduler.now();
    const image = await source.read(0, source.size);
    const info = wantDelta ? await learnDelta(channel, image, { scheduler, timeoutMs: Math.max(RTO_DEFAULTS.initialRtoMs, 2 * opts.peer.setupMs), tries: opts.tries, maxFrame: opts.peer.maxFrame }) : NO_COPIES;
    const chunk = transferChunk(opts);
    const coder = new ChunkCoder(image, chunk, info.segs, packer, info.sigBytes);
    const extra = { sigRequests: info.requests, sigMs: scheduler.now() - t0 };
    return { coder, extra, copies: info.segs.length > 0 };
  }).pipe(
    mergeMap(({ coder, extra, copies }) => {
      const savings = (more: Partial<TransferSavings>): TransferSavings => ({ ...coder.savings, ...extra, codec: codecNames(coder.codecsUsed()), ...more });
      // progress carries the savings so far too: a transfer that changes line rate adds up its segments (host-baud-transfer.ts)
      const withSavings = (e: TransferEvent, more: Partial<TransferSavings> = {}): TransferEvent =>
        e.kind === 'done' ? { kind: 'done', result: { ...e.result, savings: savings(more) } } : e.kind === 'progress' ? { ...e, savings: savings(more) } : e;
      return transfer(channel, source, { ...opts, coder }).pipe(
        map((e) => withSavings(e)),
        catchError((e: unknown) => {
          if (!copies || !isHilbridgeError(e) || !repairable(e.code)) throw e;
          // the copies built a wrong image (or were refused): nothing was committed; send it again, plain, from zero
          return transfer(channel, source, { ...opts, fresh: true, sessionId: undefined }).pipe(map((x) => withSavings(x, { repaired: true })));
        }),
      );
    }),
  );
}
