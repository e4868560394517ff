/**
 * The broadcast master (docs/protocol.md section 8): one image to many CAN
 * nodes in one pass. Announce to the group, JOIN every node (each runs its
 * own BEGIN checks and answers READY or a refusal with its reason), send the
 * image once as offset-keyed group DATA paced to the slowest node, after each
 * section poll every node for its missing ranges and re-send only their
 * union from the earliest miss; then verify and commit per node, or with
 * `allOrNone` verify everywhere and commit only if every node verified.
 *
 * Receives an open CAN transport, never opens one; the only timers are the
 * round waits (bcast-rounds.ts) and the pacing sleeps, both on one scheduler.
 */
import { asyncScheduler } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { UsageError } from '../../errors.js';
import type { CanTransport } from '../../transports/types.js';
import { crc32, sha256Hex } from '../../util/digest.js';
import { RangeSet } from '../../util/ranges.js';
import { wireCodeName } from '../messages-codes.js';
import type { ImageKind } from '../messages-types.js';
import { Rounds } from './bcast-rounds.js';
import type { Answers } from './bcast-rounds.js';
import { BCAST_DEFAULTS, BcastPhase, NodePhase, NodeRecord } from './bcast-types.js';
import type { BcastCounters, BcastNodeResult, BcastOptions, BcastResult } from './bcast-types.js';
import { CtrlOp, MAP_RANGES, MAX_BLOCKS, ReplyCode, announceFrames, dataFrame } from './bcast-wire.js';
import type { Announce } from './bcast-wire.js';

export interface BcastImage {
  readonly bytes: Uint8Array;
  readonly kind: ImageKind;
}

/** Rounds of announce + JOIN for nodes that do not have the session. */
const JOIN_ROUNDS = 6;
/** Verify/commit rounds that may send a node back to repair (it restarted in between). */
const COMMIT_ROUNDS = 4;
/** Pace at this share of the slowest node's read rate: its queue also takes the polls and the other nodes' replies. */
const PACE_SHARE = 0.85;

class BcastSession {
  private readonly scheduler: SchedulerLike;
  private readonly recs = new Map<number, NodeRecord>();
  private readonly rounds: Rounds;
  private readonly announce: Announce;
  private readonly blocks: number;
  private readonly sectionBlocks: number;
  private readonly start: number;
  private readonly sent = new RangeSet();
  private phase = BcastPhase.Announcing;
  readonly counters: BcastCounters = { dataFrames: 0, repairFrames: 0, announceFrames: 0, ctrlFrames: 0, replies: 0, repairPasses: 0 };

  constructor(
    private readonly transport: CanTransport,
    nodes: readonly number[],
    private readonly image: BcastImage,
    private readonly opts: BcastOptions,
  ) {
    this.scheduler = opts.scheduler ?? asyncScheduler;
    this.start = this.scheduler.now();
    const fd = opts.fd ?? false;
    if (fd && !transport.fd) throw new UsageError('fd_unsupported', `cannot broadcast CAN FD data on ${transport.name}: the link is classic CAN only`);
    const blockSize = fd ? 64 : 8;
    this.blocks = Math.ceil(image.bytes.length / blockSize);
    if (image.bytes.length === 0 || this.blocks > MAX_BLOCKS) {
      throw new UsageError('image_too_large', `an image of ${image.bytes.length} bytes cannot be broadcast: 1..${MAX_BLOCKS * blockSize} bytes in ${blockSize}-byte blocks`);
    }
    const sectionBlocks = opts.sectionBlocks ?? BCAST_DEFAULTS.sectionBlocks;
    if (!Number.isInteger(Math.log2(sectionBlocks)) || sectionBlocks < 1 || sectionBlocks > MAX_BLOCKS) {
      throw new UsageError('bad_section', `section of ${sectionBlocks} blocks: it must be a power of two up to ${MAX_BLOCKS}`);
    }
    this.sectionBlocks = sectionBlocks;
    const session = opts.session ?? 1 + Math.floor(Math.random() * 0xfffe);
    this.announce = {
      session, size: image.bytes.length, kind: image.kind, sectionLog2: Math.log2(sectionBlocks), crc32: crc32(image.bytes), blockSize,
      allOrNone: opts.allOrNone ?? false, sha256: sha256Hex(image.bytes),
    };
    for (const n of nodes) this.recs.set(n, new NodeRecord(n));
    const frameMs = opts.frameMs ?? BCAST_DEFAULTS.frameMs;
    this.rounds = new Rounds({
      transport, scheduler: this.scheduler, session, counters: this.counters, retries: opts.retries ?? BCAST_DEFAULTS.retries, now: () => this.elapsed(),
      // each node answers with up to MAP_RANGES + 1 frames (or a verdict and its detail, repeated when cut) that queue
      // behind each other; a rate-limited node reads its queue (at most 64 frames) late
      waitMs: (asked) => this.quietMs() + asked * (MAP_RANGES / 2 + 4) * frameMs,
      quietMs: () => this.quietMs(),
    }, this.recs);
  }

  /** A round ends this long after the last reply: the reply time, plus a rate-limited node's queue read late. */
  private quietMs(): number {
    return (this.opts.replyTimeoutMs ?? BCAST_DEFAULTS.replyTimeoutMs) + (Number.isFinite(this.rate()) ? (64 * 1000) / this.rate() : 0);
  }

  private elapsed(): number {
    return this.scheduler.now() - this.start;
  }

  private get active(): NodeRecord[] {
    return [...this.recs.values()].filter((r) => r.active);
  }

  /** The slowest active node's read rate, frames/s. */
  private rate(): number {
    return Math.min(Infinity, ...this.active.map((r) => r.rate));
  }

  async run(): Promise<BcastResult> {
    try {
      await this.join(this.active);
      for (let s = 0; s < this.blocks && this.active.length > 0; s += this.sectionBlocks) {
        this.phase = BcastPhase.Sending;
        await this.sendBlocks([{ start: s, end: Math.min(this.blocks, s + this.sectionBlocks) }], false);
        this.phase = BcastPhase.Repairing;
        await this.repair(Math.min(this.blocks, s + this.sectionBlocks));
      }
      for (let i = 0; i < COMMIT_ROUNDS && this.active.some((r) => r.phase !== NodePhase.Committed); i++) {
        this.phase = BcastPhase.Repairing;
        while (this.active.some((r) => r.phase === NodePhase.Receiving || r.phase === NodePhase.Joining || r.needsJoin)) await this.repair(this.blocks);
        this.phase = BcastPhase.Committing;
        if (!(await this.commit())) break;
      }
      this.phase = BcastPhase.Done;
      this.progress();
      return this.result();
    } finally {
      this.rounds.close();
    }
  }

  /** Announce, then JOIN the nodes; nodes that do not have the announce yet get it again. */
  private async join(recs: readonly NodeRecord[]): Promise<void> {
    let pending = recs.filter((r) => r.active);
    for (let i = 0; i < JOIN_ROUNDS && pending.length > 0; i++) {
      this.phase = BcastPhase.Announcing;
      this.progress();
      for (const f of announceFrames(this.announce)) {
        this.counters.announceFrames++;
        await this.transport.send(f);
      }
      for (const r of pending) {
        r.needsJoin = false;
        if (r.phase !== NodePhase.Joining) r.phase = NodePhase.Joining;
      }
      await this.rounds.ask(pending, CtrlOp.Join, 0, (rec, rep) => rep.code === ReplyCode.Ready || rep.code === ReplyCode.Unknown || this.verdictIn(rec));
      this.settleVerdicts();
      pending = pending.filter((r) => r.active && (r.needsJoin || r.phase === NodePhase.Joining));
    }
    for (const r of pending) this.giveUp(r, 'no_session', `node ${r.node} did not take the session's announce in ${JOIN_ROUNDS} rounds`);
  }

  private verdictIn(rec: NodeRecord): boolean {
    return rec.verdict !== undefined && rec.detailComplete();
  }

  /** Nodes whose refusal or failure arrived in full leave the session. */
  private settleVerdicts(): void {
    for (const r of this.active) {
      const v = r.verdict;
      if (v === undefined || !r.detailComplete()) continue;
      const early = v.reply === 'refuse' || r.phase === NodePhase.Receiving || r.phase === NodePhase.Joining;
      r.phase = early ? NodePhase.Refused : NodePhase.Failed;
      r.endMs = this.elapsed();
      r.error = { code: wireCodeName(v.code), message: `node ${r.node}: ${r.detailText()}` };
    }
  }

  private giveUp(r: NodeRecord, code: string, message: string): void {
    r.phase = NodePhase.Lost;
    r.endMs = this.elapsed();
    r.error = { code, message };
  }

  /** One repair pass below block `limit`: poll, union the misses, re-send them from the earliest. */
  private async repair(limit: number): Promise<void> {
    const rejoin = this.active.filter((r) => r.needsJoin);
    if (rejoin.length > 0) await this.join(rejoin);
    const polled = this.active.filter((r) => r.phase === NodePhase.Receiving || r.phase === NodePhase.Complete);
    if (polled.length === 0) return;
    this.counters.repairPasses++;
    this.progress();
    const fresh = (r: NodeRecord): void => {
      r.map.clear();
      r.mapDone = false;
      r.mapFrames = 0;
    };
    const answers: Answers = (rec, rep) =>
      (rep.code === ReplyCode.MapEnd && rec.mapDone) || rep.code === ReplyCode.Unknown || rep.code === ReplyCode.Verified || rep.code === ReplyCode.Committed || this.verdictIn(rec);
    await this.rounds.ask(polled, CtrlOp.Poll, limit, answers, fresh);
    this.settleVerdicts();
    const union = new RangeSet();
    for (const r of polled) {
      if (!r.active || !r.mapDone || r.needsJoin) continue;
      const missing = r.map.total;
      if (limit >= this.blocks && missing === 0 && !r.mapMore) {
        if (r.phase === NodePhase.Receiving) r.phase = NodePhase.Complete;
        continue;
      }
      if (r.phase === NodePhase.Complete && missing > 0) r.phase = NodePhase.Receiving;
      for (const m of r.map.ranges) {
        // only blocks of the image below the limit polled (a broken node's runs are clipped)
        const start = Math.min(m.start, limit);
        const end = Math.min(m.end, limit);
        if (end <= start) continue;
        union.add(start, end);
        r.bytesRepaired += this.bytesOf(start, end);
      }
      if (limit >= this.blocks) this.checkStall(r, missing);
    }
    if (union.total > 0) await this.sendBlocks(union.ranges, true);
  }

  private checkStall(r: NodeRecord, missing: number): void {
    if (missing < r.lastMissing) {
      r.lastMissing = missing;
      r.stalled = 0;
      return;
    }
    r.stalled++;
    const limit = this.opts.stallPasses ?? BCAST_DEFAULTS.stallPasses;
    if (r.stalled >= limit) {
      this.giveUp(r, 'no_progress', `node ${r.node} still missed ${missing} blocks of ${this.announce.blockSize} bytes after ${limit} repair passes without progress: check its frame loss and read rate`);
    }
  }

  private bytesOf(startBlock: number, endBlock: number): number {
    const bs = this.announce.blockSize;
    return Math.min(this.image.bytes.length, endBlock * bs) - startBlock * bs;
  }

  /** Send blocks in order, paced to the slowest active node. */
  private async sendBlocks(ranges: readonly { start: number; end: number }[], repair: boolean): Promise<void> {
    const bs = this.announce.blockSize;
    const gapMs = Number.isFinite(this.rate()) ? 1000 / (this.rate() * PACE_SHARE) : 0;
    let next = this.scheduler.now();
    for (const r of ranges) {
      for (let b = r.start; b < r.end; b++) {
        if (gapMs > 0) {
          const wait = next - this.scheduler.now();
          if (wait > 0) await new Promise<void>((ok) => this.scheduler.schedule(() => ok(), wait));
          next = Math.max(next, this.scheduler.now()) + gapMs;
        }
        await this.transport.send(dataFrame(b, this.image.bytes.subarray(b * bs, Math.min(this.image.bytes.length, (b + 1) * bs)), this.announce.blockSize === 64));
        this.counters.dataFrames++;
        if (repair) this.counters.repairFrames++;
        else this.sent.add(b, b + 1);
        if ((b & 255) === 0) this.progress();
      }
    }
  }

  /** Verify and commit; false when nodes went back to repair (restarted), so the caller repairs and tries again. */
  private async commit(): Promise<boolean> {
    const answers: Answers = (rec, rep) =>
      rep.code === ReplyCode.Committed || rep.code === ReplyCode.Verified || rep.code === ReplyCode.MapEnd || rep.code === ReplyCode.Unknown || this.verdictIn(rec);
    const back = (): boolean => {
      const again = this.active.filter((r) => r.needsJoin || (r.mapDone && r.map.total > 0));
      for (const r of again) if (!r.needsJoin) r.phase = NodePhase.Receiving;
      return again.length > 0;
    };
    const reset = (r: NodeRecord): void => {
      r.map.clear();
      r.mapDone = false;
      r.mapFrames = 0;
    };
    if (!(this.opts.allOrNone ?? false)) {
      await this.rounds.ask(this.active.filter((r) => r.phase !== NodePhase.Committed), CtrlOp.Commit, 0, answers, reset);
      this.settleVerdicts();
      this.checkCommitted();
      return !back();
    }
    await this.rounds.ask(this.active.filter((r) => r.phase !== NodePhase.Verified && r.phase !== NodePhase.Committed), CtrlOp.Verify, 0, answers, reset);
    this.settleVerdicts();
    if (back()) return false;
    if ([...this.recs.values()].every((r) => r.phase === NodePhase.Verified || r.phase === NodePhase.Committed)) {
      // group COMMIT, then ask each node that has not answered COMMITTED (a node that missed it is asked again)
      await this.rounds.send(0, CtrlOp.Commit);
      await this.rounds.ask(this.active.filter((r) => r.phase !== NodePhase.Committed), CtrlOp.Commit, 0, answers, reset);
      this.settleVerdicts();
      this.checkCommitted();
      return !back();
    }
    const culprits = [...this.recs.values()].filter((r) => !r.active).map((r) => r.node);
    const others = this.active;
    await this.rounds.ask(others, CtrlOp.Abort, 0, (_rec, rep) => rep.code === ReplyCode.Aborted || rep.code === ReplyCode.Unknown);
    for (const r of others) {
      if (r.phase === NodePhase.Lost) continue;
      r.phase = NodePhase.Aborted;
      r.endMs = this.elapsed();
      r.error = { code: 'all_or_none', message: `node ${r.node} kept its old image: --all-or-none and node${culprits.length === 1 ? '' : 's'} ${culprits.join(', ')} did not verify the image` };
    }
    return true;
  }

  private checkCommitted(): void {
    for (const r of this.active) {
      if (r.phase !== NodePhase.Committed || r.endMs !== undefined) continue;
      r.endMs = this.elapsed();
      if (r.crc !== this.announce.crc32) {
        r.phase = NodePhase.Failed;
        r.error = { code: 'peer_protocol', message: `node ${r.node} committed an image with CRC-32 ${hex8(r.crc ?? 0)}, the image sent has ${hex8(this.announce.crc32)}` };
      }
    }
  }

  private progress(): void {
    this.opts.onProgress?.({
      phase: this.phase, sentBytes: Math.min(this.image.bytes.length, this.sent.total * this.announce.blockSize), totalBytes: this.image.bytes.length,
      activeNodes: this.active.length, repairPasses: this.counters.repairPasses,
    });
  }

  private result(): BcastResult {
    const nodes: BcastNodeResult[] = [...this.recs.values()].map((r) => ({
      node: r.node,
      result: r.phase === NodePhase.Committed ? 'ok' : r.phase === NodePhase.Refused ? 'refused' : r.phase === NodePhase.Lost ? 'lost' : r.phase === NodePhase.Aborted ? 'aborted' : 'failed',
      bytesRepaired: r.bytesRepaired,
      retries: r.retries,
      timeMs: Math.round(r.endMs ?? this.elapsed()),
      ...(r.slot === undefined || r.phase !== NodePhase.Committed ? {} : { slot: r.slot }),
      ...(r.phase === NodePhase.Committed ? {} : { error: r.error ?? { code: 'incomplete', message: `node ${r.node} ended the session ${r.phase}` } }),
    }));
    return { session: this.announce.session, ok: nodes.every((n) => n.result === 'ok'), nodes, timeMs: Math.round(this.elapsed()), counters: { ...this.counters } };
  }
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/** Flash `image` to every node of `nodes` on an open CAN transport in one broadcast session. */
export async function broadcastFlash(transport: CanTransport, nodes: readonly number[], image: BcastImage, opts: BcastOptions = {}): Promise<BcastResult> {
  if (nodes.length === 0) throw new UsageError('no_nodes', `no nodes to flash on ${transport.name}: give --nodes a list, a range or all`);
  return new BcastSession(transport, [...new Set(nodes)], image, opts).run();
}
