/**
 * Options, per-node records, results and counters of a broadcast session
 * (bcast-master.ts; docs/protocol.md section 8).
 */
import type { SchedulerLike } from 'rxjs';
import { RangeSet } from '../../util/ranges.js';

export interface BcastOptions {
  readonly scheduler?: SchedulerLike;
  /** Session id 1..65535 (default: random). */
  readonly session?: number;
  /** Two-phase commit: nobody activates the image unless every node verified it. */
  readonly allOrNone?: boolean;
  /** Send CAN FD group data (64-byte blocks; the transport must be FD). Default false: 8-byte blocks. */
  readonly fd?: boolean;
  /** Blocks per section, a power of two (default 1024). */
  readonly sectionBlocks?: number;
  /** How long a request waits for its first answers, ms (default 8; grows with the nodes asked and their read rate). */
  readonly replyTimeoutMs?: number;
  /** Wire time of one CAN frame, ms (default 0.16: an 8-byte 29-bit frame at 1 Mbit/s with stuffing). */
  readonly frameMs?: number;
  /** Unanswered requests in a row before a node is given up (default 8). */
  readonly retries?: number;
  /** Repair passes without fewer missing blocks before a node is given up (default 30). */
  readonly stallPasses?: number;
  /** Progress of the session (one line on a TTY). */
  readonly onProgress?: (p: BcastProgress) => void;
}

export const BCAST_DEFAULTS = { sectionBlocks: 1024, replyTimeoutMs: 8, frameMs: 0.16, retries: 8, stallPasses: 30 } as const;

export interface BcastProgress {
  readonly phase: BcastPhase;
  /** Distinct image bytes sent to the group so far. */
  readonly sentBytes: number;
  readonly totalBytes: number;
  /** Nodes still in the session (not refused, failed or given up). */
  readonly activeNodes: number;
  readonly repairPasses: number;
}

export enum BcastPhase {
  Announcing = 'announcing',
  Sending = 'sending',
  Repairing = 'repairing',
  Committing = 'committing',
  Done = 'done',
}

/** Where one node is. */
export enum NodePhase {
  Joining = 'joining',
  Receiving = 'receiving',
  /** Every block held (its last poll said so). */
  Complete = 'complete',
  Verified = 'verified',
  Committed = 'committed',
  Refused = 'refused',
  Failed = 'failed',
  Lost = 'lost',
  Aborted = 'aborted',
}

export type BcastNodeOutcome = 'ok' | 'refused' | 'failed' | 'lost' | 'aborted';

export interface BcastNodeResult {
  readonly node: number;
  readonly result: BcastNodeOutcome;
  /** Image bytes sent again because this node reported them missing. */
  readonly bytesRepaired: number;
  /** Requests repeated to this node. */
  readonly retries: number;
  /** From the start of the session to this node's outcome, ms. */
  readonly timeMs: number;
  /** The slot committed (result ok). */
  readonly slot?: number;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface BcastCounters {
  /** Group DATA frames sent, repairs included. */
  dataFrames: number;
  /** The part of dataFrames that were repairs. */
  repairFrames: number;
  announceFrames: number;
  ctrlFrames: number;
  /** Replies from the session's nodes. */
  replies: number;
  /** Poll rounds after the data went out once. */
  repairPasses: number;
}

export interface BcastResult {
  readonly session: number;
  /** Every node ok. */
  readonly ok: boolean;
  readonly nodes: readonly BcastNodeResult[];
  readonly timeMs: number;
  readonly counters: Readonly<BcastCounters>;
}

/** The master's record of one node. */
export class NodeRecord {
  phase = NodePhase.Joining;
  retries = 0;
  /** Requests in a row without an answer. */
  silent = 0;
  /** When the first of those requests went out (scheduler time, ms). */
  silentSince = 0;
  bytesRepaired = 0;
  endMs: number | undefined;
  slot: number | undefined;
  error: { code: string; message: string } | undefined;
  /** Frames per second the node reads (Infinity: no limit). */
  rate = Infinity;
  /** Answer to the request in flight. */
  answered = false;
  /** The node lost the session (restart): announce and JOIN again. */
  needsJoin = false;
  /** Missing blocks reported by the poll in flight. */
  readonly map = new RangeSet();
  mapDone = false;
  /** MAP frames taken in the poll in flight. */
  mapFrames = 0;
  mapRanges = 0;
  mapMore = false;
  /** Missing blocks at the last poll, and repair passes since that number last fell. */
  lastMissing = Infinity;
  stalled = 0;
  verdict: { reply: 'refuse' | 'failed'; code: number; length: number } | undefined;
  readonly detail = new Map<number, Uint8Array>();
  crc: number | undefined;

  constructor(readonly node: number) {}

  get active(): boolean {
    return this.phase !== NodePhase.Refused && this.phase !== NodePhase.Failed && this.phase !== NodePhase.Lost && this.phase !== NodePhase.Aborted;
  }

  /** The refusal's detail text as far as its parts arrived. */
  detailText(): string {
    const v = this.verdict;
    if (v === undefined) return '';
    const parts: number[] = [];
    for (let i = 0; i * 5 < v.length; i++) {
      const p = this.detail.get(i);
      if (p === undefined) return `${new TextDecoder().decode(Uint8Array.from(parts))}…`;
      parts.push(...p);
    }
    return new TextDecoder().decode(Uint8Array.from(parts));
  }

  detailComplete(): boolean {
    const v = this.verdict;
    if (v === undefined) return false;
    for (let i = 0; i * 5 < v.length; i++) if (!this.detail.has(i)) return false;
    return true;
  }
}
