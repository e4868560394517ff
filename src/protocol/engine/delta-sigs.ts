/**
 * The host's part before a delta transfer (docs/protocol.md 9.1, 9.3): ask
 * the board for signatures of its active image (SIGS, answered SIGS_INFO, in
 * pages that fit the agreed max frame), coarse over the whole image, then
 * fine only inside the active-image ranges the coarse level left unmatched
 * (hierarchical: the upload stays near 1 % of the image), and match them
 * against the new image (delta-plan.ts).
 */
import type { SchedulerLike } from 'rxjs';
import type { ByteRange, SigsInfoMsg } from '../messages-types.js';
import type { FrameChannel } from '../types.js';
import { FRAME_OVERHEAD } from '../constants.js';
import { MAX_SIGS_RANGES, SIGS_RANGE_SIZE, SIGS_SIZE, SIG_SIZE, sigGroups, sigsInfoSize } from '../messages-delta.js';
import { peerProtocol } from './errors.js';
import { blockSizes, gaps, matchBlocks, mergeSegs, segBytes, type CopySeg, type SigPage } from './delta-plan.js';
import { request } from './request.js';

export interface SigsOptions {
  readonly scheduler: SchedulerLike;
  readonly timeoutMs: number;
  readonly tries?: number;
  /** The agreed max frame (min of both ends, PeerInfo.maxFrame): every SIGS fits it, and so does every answer. */
  readonly maxFrame: number;
}

export interface DeltaInfo {
  readonly activeSize: number;
  readonly activeSha256: Uint8Array;
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

/** A range still to be signed: [at, end). */
interface Pending {
  at: number;
  end: number;
}

class SigFetcher {
  sigBytes = 0;
  requests = 0;
  first: SigsInfoMsg | undefined;

  constructor(
    private readonly channel: FrameChannel,
    private readonly opts: SigsOptions,
  ) {}

  async page(ranges: readonly ByteRange[], blockSize: number): Promise<SigsInfoMsg> {
    this.requests++;
    const [r0, ...more] = ranges as [ByteRange, ...ByteRange[]];
    const msg = { kind: 'sigs', start: r0.start, end: r0.end, blockSize, ...(more.length > 0 ? { more } : {}) } as const;
    const r = await request(this.channel, msg, ['sigs_info'], {
      scheduler: this.opts.scheduler,
      timeoutMs: this.opts.timeoutMs,
      tries: this.opts.tries,
      what: 'SIGS',
    });
    this.sigBytes += sigsInfoSize(sigGroups(r).map((g) => g.sigs.length));
    this.first ??= r;
    return r;
  }

  /**
   * How many of `pending` one SIGS asks for: as many as the SIGS and the
   * answer they call for fit the agreed max frame (at least one; a range the
   * answer cannot finish is the last asked), at most MAX_SIGS_RANGES.
   */
  private rangesPerSigs(pending: readonly Pending[], blockSize: number): number {
    const room = this.opts.maxFrame - FRAME_OVERHEAD;
    const sigs: number[] = [];
    while (sigs.length < pending.length && sigs.length < MAX_SIGS_RANGES && SIGS_SIZE + SIGS_RANGE_SIZE * sigs.length <= room) {
      const p = pending[sigs.length]!;
      sigs.push(Math.ceil((p.end - p.at) / blockSize));
      if (sigsInfoSize(sigs) >= room) break;
    }
    return Math.max(1, sigs.length);
  }

  /**
   * Every signature of `ranges` (ascending) at `blockSize`: as many ranges per
   * SIGS as a frame holds, asked again from where each answer stopped.
   * `activeSize` clips the ranges once known (undefined: learn it from the
   * first answer). Every answer must go on exactly where asked, at the size
   * asked: anything else would never end, or match the wrong bytes.
   */
  async ranges(ranges: readonly ByteRange[], blockSize: number, activeSize?: number): Promise<SigPage[]> {
    let pending: Pending[] = ranges.map((r) => ({ at: r.start, end: Math.min(r.end, activeSize ?? r.end) })).filter((p) => p.at < p.end);
    const pages: SigPage[] = [];
    while (pending.length > 0) {
      const asked = pending.slice(0, this.rangesPerSigs(pending, blockSize));
      const r = await this.page(asked.map((p) => ({ start: p.at, end: p.end })), blockSize);
      const groups = sigGroups(r);
      if (groups.length > asked.length) throw peerProtocol(this.channel.name, `SIGS for ${asked.length} range(s) answered with ${groups.length} groups of signatures`);
      groups.forEach((g, i) => {
        const p = asked[i]!;
        if (g.start !== p.at || r.blockSize !== blockSize) {
          throw peerProtocol(this.channel.name, `SIGS from ${p.at} at ${blockSize}-byte blocks answered with signatures from ${g.start} at ${r.blockSize}-byte blocks`);
        }
        p.end = Math.min(p.end, r.activeSize);
        if (g.sigs.length === 0) p.end = p.at; // nothing more there
        else pages.push({ blockSize, start: g.start, sigs: g.sigs, activeSize: r.activeSize });
        p.at = g.start + g.sigs.length * blockSize;
      });
      // every answer has a group, and each group either signs at least one block or ends its range: this ends
      pending = pending.filter((p) => p.at < p.end);
    }
    return pages;
  }
}

/** What the board can copy of `image` from its active slot. */
export async function learnDelta(channel: FrameChannel, image: Uint8Array, opts: SigsOptions): Promise<DeltaInfo> {
  const f = new SigFetcher(channel, opts);
  const { coarse, fine } = blockSizes(image.length);
  const coarsePages = await f.ranges([{ start: 0, end: 0xffffffff }], coarse);
  const head = f.first!; // the one range starts at 0 < 0xffffffff: asked at least once
  const base = { activeSize: head.activeSize, activeSha256: head.activeSha256 };
  if (head.activeSize === 0) return { ...base, segs: [], sigBytes: f.sigBytes, requests: f.requests };
  const whole: ByteRange[] = [{ start: 0, end: image.length }];
  const level1 = mergeSegs(matchBlocks(image, whole, coarsePages));
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
    // every gap in one SIGS (as many as a frame holds): one round trip, one SIGS_INFO header
    const finePages = await f.ranges(wanted, fine, head.activeSize);
    const newGaps = gaps(image.length, level1.map((s) => ({ start: s.dst, end: s.dst + s.length })));
    segs = mergeSegs([...level1, ...matchBlocks(image, newGaps, finePages)]);
  }
  return { ...base, segs, sigBytes: f.sigBytes, requests: f.requests };
}
