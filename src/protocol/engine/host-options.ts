/**
 * Options, events and result of a host transfer.
 */
import type { Observable, SchedulerLike } from 'rxjs';
import { CODECS } from '../../codec/index.js';
import { ANY_SLOT } from '../messages-types.js';
import type { ByteRange, ImageKind, TargetCountersWire } from '../messages-types.js';
import type { TransferCounters } from './counters.js';
import type { PeerInfo } from './host-connect.js';
import type { RtoOptions } from './rto.js';
import type { CommandSigner } from './auth.js';
import type { ChunkCoder, WireSavings } from './delta-coder.js';

export interface TransferOptions {
  /** What connect() agreed with the target. */
  readonly peer: PeerInfo;
  readonly scheduler?: SchedulerLike;
  /** Target slot (default ANY_SLOT: the target picks its inactive slot). */
  readonly slot?: number;
  /** Image kind announced in BEGIN (default raw). */
  readonly imageKind?: ImageKind;
  /** Chunk bytes (default and maximum: peer.maxChunk). */
  readonly chunk?: number;
  /** Chunks in flight (default and maximum: peer.window). */
  readonly window?: number;
  /** Target ACKs after this many in-order chunks (default window/4, at least 1). */
  readonly ackEvery?: number;
  /** ... or this long after the first unacknowledged one, ms (default 20). */
  readonly ackDelayMs?: number;
  /** Ask what the target holds and send only the rest (default true). */
  readonly resume?: boolean;
  /** Make the target discard anything held, even of this image (default false). */
  readonly fresh?: boolean;
  /** Consecutive timeouts without a word from the target before peer_timeout (default 8). */
  readonly tries?: number;
  /** RTO bounds; the initial RTO defaults to twice connect's setup time (at least the minimum). */
  readonly rto?: RtoOptions;
  /** Whole-transfer budget, ms (default 600000). */
  readonly sessionTimeoutMs?: number;
  /** Session id, 1..65535 (default: derived from the image and a counter). */
  readonly sessionId?: number;
  /** Signs BEGIN for a board that requires authenticated commands (auth.ts). */
  readonly signer?: CommandSigner | undefined;
  /** Builds each chunk's frame (DATA, or XDATA copying from the board's active slot or compressed: docs/protocol.md 9); default plain DATA. */
  readonly coder?: ChunkCoder | undefined;
  /** When this emits, the host aborts: ABORT to the target, which frees the session; then the stream errors with code 'aborted'. */
  readonly abort$?: Observable<unknown>;
}

export const TRANSFER_DEFAULTS = {
  slot: ANY_SLOT,
  ackDelayMs: 20,
  tries: 8,
  sessionTimeoutMs: 600_000,
} as const;

/** The chunk a transfer cuts the image into: what the caller asks, at most what the peer accepts. */
export function transferChunk(opts: Pick<TransferOptions, 'chunk' | 'peer'>): number {
  return Math.min(opts.chunk ?? opts.peer.maxChunk, opts.peer.maxChunk);
}

export interface TransferResult {
  readonly session: number;
  readonly size: number;
  readonly crc32: number;
  /** Hex SHA-256 the target verified. */
  readonly sha256: string;
  readonly slot: number;
  /** True if the target already held part of this image. */
  readonly resumed: boolean;
  /** Bytes the target held at BEGIN (not sent again). */
  readonly alreadyHeld: number;
  /** Resume query before BEGIN, ms (connection setup; not in transferMs). */
  readonly setupMs: number;
  /** BEGIN sent to DONE received, ms. */
  readonly transferMs: number;
  readonly chunk: number;
  readonly window: number;
  readonly counters: TransferCounters;
  /** The target's own counts, from DONE. */
  readonly target: TargetCountersWire;
  /** Smoothed RTT and RTO at the end, ms. */
  readonly srttMs: number | undefined;
  readonly rtoMs: number;
  /** Where the bytes went in a delta or compressed transfer (absent for a plain one). */
  readonly savings?: TransferSavings | undefined;
}

/** A delta or compressed transfer's bytes (host-delta.ts adds how the plan was made). */
export interface TransferSavings extends WireSavings {
  /** Codecs the compressed operations used, by name in id order ('hlz1', 'deflate', 'hlz1+deflate'), 'none' when nothing was compressed. */
  readonly codec?: string;
  /** SIGS requests made, and their time before BEGIN, ms. */
  readonly sigRequests?: number;
  readonly sigMs?: number;
  /** The delta transfer failed verification (a copy the board made differed) and the image was sent again plain. */
  readonly repaired?: boolean;
}

/** Two parts of one transfer's savings (segments of a transfer that changed line rate) added up. */
export function addSavings(a: TransferSavings | undefined, b: TransferSavings | undefined): TransferSavings | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  const idOf = (name: string): number => Object.values(CODECS).find((c) => c.name === name)?.id ?? 0xff;
  const codecs = new Set([...(a.codec ?? 'none').split('+'), ...(b.codec ?? 'none').split('+')].filter((c) => c !== 'none'));
  return {
    reusedBytes: a.reusedBytes + b.reusedBytes,
    compressedBytes: a.compressedBytes + b.compressedBytes,
    packedBytes: a.packedBytes + b.packedBytes,
    wireBytes: a.wireBytes + b.wireBytes,
    sigBytes: a.sigBytes + b.sigBytes,
    codec: codecs.size === 0 ? 'none' : [...codecs].sort((x, y) => idOf(x) - idOf(y)).join('+'),
    sigRequests: (a.sigRequests ?? 0) + (b.sigRequests ?? 0),
    sigMs: (a.sigMs ?? 0) + (b.sigMs ?? 0),
    ...(a.repaired === true || b.repaired === true ? { repaired: true } : {}),
  };
}

/** A transfer's events, in this order whatever the wire did (transfer-events.ts): `begun`, then `progress` and `ending`, then `done`. */
export type TransferEvent =
  /** The target answered BEGIN (or DONE came without that answer); `beginAt` is the scheduler time BEGIN first went out (what transferMs counts from). */
  | {
      readonly kind: 'begun';
      readonly resumed: boolean;
      readonly heldBytes: number;
      /** The ranges the target said it held at BEGIN (empty when nothing is resumed). */
      readonly heldRanges: readonly ByteRange[];
      readonly size: number;
      readonly beginAt: number;
    }
  /** `savings`: a coded transfer's bytes so far (host-delta.ts). */
  | { readonly kind: 'progress'; readonly heldBytes: number; readonly size: number; readonly counters: TransferCounters; readonly savings?: TransferSavings }
  /** END went out (every chunk has been sent once): from here the target verifies and commits by itself once it holds every byte. */
  | { readonly kind: 'ending'; readonly heldBytes: number; readonly size: number }
  | { readonly kind: 'done'; readonly result: TransferResult };
