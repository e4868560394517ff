/**
 * The host's part before a delta transfer (docs/protocol.md 9.1, 9.3): ask
 * the board for signatures of its active image (SIGS, answered SIGS_INFO, in
 * pages that fit the agreed max frame), coarse over the whole image, then
 * fine only inside the active-image ranges the coarse level left unmatched
 * (hierarchical: the upload stays near 1 % of the image), and match them
 * against the new image (delta-plan.ts).
 */
import type { SchedulerLike } from 'rxjs';
import type { ByteRange, CodecInfoWire, SigsInfoMsg } from '../messages-types.js';
import type { FrameChannel } from '../types.js';
import { SIGS_CODEC_SIZE, SIGS_INFO_HEAD, SIGS_INFO_MID, SIG_SIZE } from '../messages-delta.js';
import { peerProtocol } from './errors.js';
import { blockSizes, gaps, matchBlocks, mergeSegs, segBytes, type CopySeg, type SigPage } from './delta-plan.js';
import { request } from './request.js';

export interface SigsOptions {
  readonly scheduler: SchedulerLike;
  readonly timeoutMs: number;
  readonly tries?: number;
  /** Ask for signatures at all (false: only the board's codecs). */
  readonly delta: boolean;
}

export interface DeltaInfo {
  readonly activeSize: number;
  readonly activeSha256: Uint8Array;
  readonly codecs: readonly CodecInfoWire[];
  /** New-image ranges the board can copy from its active image, sorted, merged. */
  readonly segs: readonly CopySeg[];
  /** SIGS_INFO payload bytes received, and how many SIGS requests it took. */
  readonly sigBytes: number;
  readonly requests: number;
}

/** Fine signatures are fetched only when the coarse level reused at least this much of the new image (a new image unlike the old costs only the coarse upload). */
const FINE_MIN_REUSE = 0.25;
/** The fine level's upload is capped at this fraction of the image. */
const FINE_MAX_SHARE = 0.02;
/** SIGS requests in flight at once for the fine level (the board answers them in order; more only queue). */
const FINE_IN_FLIGHT = 16;

class SigFetcher {
  sigBytes = 0;
  requests = 0;
  first: SigsInfoMsg | undefined;

  constructor(
    private readonly channel: FrameChannel,
    private readonly opts: SigsOptions,
  ) {}

  async page(start: number, end: number, blockSize: number): Promise<SigsInfoMsg> {
    this.requests++;
    const r = await request(this.channel, { kind: 'sigs', start, end, blockSize }, ['sigs_info'], {
      scheduler: this.opts.scheduler,
      timeoutMs: this.opts.timeoutMs,
      tries: this.opts.tries,
      what: 'SIGS',
    });
    this.sigBytes += SIGS_INFO_HEAD + SIGS_CODEC_SIZE * r.codecs.length + SIGS_INFO_MID + SIG_SIZE * r.sigs.length;
    this.first ??= r;
    return r;
  }

  /** Every signature of [start, end) at `blockSize`, page by page. */
  async range(start: number, end: number, blockSize: number): Promise<SigPage[]> {
    const pages: SigPage[] = [];
    let at = start;
    while (at < end) {
      const r = await this.page(at, end, blockSize);
      if (r.sigs.length === 0) break;
      // a page must go on where asked, at the size asked: anything else would never end, or match the wrong bytes
      if (r.start !== at || r.blockSize !== blockSize) {
        throw peerProtocol(this.channel.name, `SIGS from ${at} at ${blockSize}-byte blocks answered with signatures from ${r.start} at ${r.blockSize}-byte blocks`);
      }
      pages.push({ blockSize, start: r.start, sigs: r.sigs, activeSize: r.activeSize });
      at = r.start + r.sigs.length * blockSize;
      if (at >= r.activeSize) break;
    }
    return pages;
  }
}

/** What the board can copy of `image` from its active slot (and which codecs it decodes). */
export async function learnDelta(channel: FrameChannel, image: Uint8Array, opts: SigsOptions): Promise<DeltaInfo> {
  const f = new SigFetcher(channel, opts);
  const { coarse, fine } = blockSizes(image.length);
  const head = await f.page(0, opts.delta ? 0xffffffff : 0, opts.delta ? coarse : 0);
  const base = { activeSize: head.activeSize, activeSha256: head.activeSha256, codecs: head.codecs };
  if (!opts.delta || head.activeSize === 0) return { ...base, segs: [], sigBytes: f.sigBytes, requests: f.requests };
  const pages: SigPage[] = [{ blockSize: coarse, start: head.start, sigs: head.sigs, activeSize: head.activeSize }];
  const next = head.start + head.sigs.length * coarse;
  if (head.sigs.length > 0 && next < head.activeSize) pages.push(...(await f.range(next, head.activeSize, coarse)));
  const whole: ByteRange[] = [{ start: 0, end: image.length }];
  const level1 = mergeSegs(matchBlocks(image, whole, pages));
  let segs = level1;
  if (segBytes(level1) >= FINE_MIN_REUSE * image.length) {
    const oldGaps = gaps(head.activeSize, level1.map((s) => ({ start: s.src, end: s.src + s.length }))).filter((g) => g.end - g.start >= fine);
    const budget = FINE_MAX_SHARE * image.length;
    const wanted: ByteRange[] = [];
    let cost = 0;
    for (const g of oldGaps) {
      cost += Math.ceil((g.end - g.start) / fine) * SIG_SIZE;
      if (cost > budget) break;
      wanted.push(g);
    }
    // up to FINE_IN_FLIGHT gaps' requests in flight at once: the board answers them in order, so a batch costs one round trip
    const finePages: SigPage[] = [];
    for (let i = 0; i < wanted.length; i += FINE_IN_FLIGHT) {
      finePages.push(...(await Promise.all(wanted.slice(i, i + FINE_IN_FLIGHT).map((g) => f.range(g.start, g.end, fine)))).flat());
    }
    const newGaps = gaps(image.length, level1.map((s) => ({ start: s.dst, end: s.dst + s.length })));
    segs = mergeSegs([...level1, ...matchBlocks(image, newGaps, finePages)]);
  }
  return { ...base, segs, sigBytes: f.sigBytes, requests: f.requests };
}
