/**
 * Deterministic fault injection for one direction of a link.
 *
 * Each fault kind draws from its own seeded stream (derived from the seed, the
 * direction and the kind), so enabling duplication does not change which units
 * are lost: a given seed and traffic always give the same faults.
 */
import { createRng, mixSeed } from './rng.js';
import type { Rng } from './rng.js';

/** Which way a fault applies: host to target, target to host, or both. */
export type FaultDirection = 'toTarget' | 'toHost' | 'both';

/** Faults on one or both directions of a link. Probabilities are per unit, in [0, 1]. */
export interface FaultSpec {
  /** Default 'both'. */
  readonly direction?: FaultDirection;
  /** Drop every Nth unit of the direction (the Nth, 2Nth, ...; counting from 1). */
  readonly lossEvery?: number;
  /** Drop each unit with this probability. */
  readonly loss?: number;
  /** Flip `corruptBits` random bits of a unit with this probability. */
  readonly corrupt?: number;
  /** Bits flipped in a corrupted unit (default 1). */
  readonly corruptBits?: number;
  /** Deliver a unit twice with this probability. */
  readonly duplicate?: number;
  /** Hold a unit back and deliver it after the next one, with this probability. */
  readonly reorder?: number;
  /** Longest a held-back unit waits for a successor before it is delivered anyway, ms (default 100). */
  readonly reorderMaxHoldMs?: number;
}

/** Per-direction counters of what the faults did. */
export interface FaultCounters {
  dropped: number;
  corrupted: number;
  duplicated: number;
  reordered: number;
}

/** How the injector reads and rewrites a unit (a byte chunk or a CAN frame). */
export interface UnitOps<U> {
  /** The bytes bit flips may hit (a CAN frame's data). */
  bytes(unit: U): Uint8Array;
  /** A copy of `unit` carrying `bytes` instead. */
  withBytes(unit: U, bytes: Uint8Array): U;
}

/** What happens to one unit: deliver these (in order) now; `held` true if the injector now holds one back. */
export interface FaultDecision<U> {
  readonly deliver: U[];
  readonly held: boolean;
}

const KIND_LOSS = 1;
const KIND_CORRUPT = 2;
const KIND_DUPLICATE = 3;
const KIND_REORDER = 4;

function checkProbability(name: string, p: number | undefined): number {
  const v = p ?? 0;
  if (!(v >= 0 && v <= 1)) throw new RangeError(`fault ${name} must be a probability in [0, 1], got ${String(p)}`);
  return v;
}

/** Applies a FaultSpec to the units of one direction, in the order they leave the wire. */
export class FaultInjector<U> {
  private count = 0;
  private heldUnits: U[] = [];
  private readonly loss: Rng;
  private readonly corruptRng: Rng;
  private readonly dupRng: Rng;
  private readonly reorderRng: Rng;
  private readonly p: { loss: number; corrupt: number; duplicate: number; reorder: number };

  constructor(
    private readonly spec: FaultSpec,
    seed: number,
    directionIndex: number,
    private readonly ops: UnitOps<U>,
    readonly counters: FaultCounters,
  ) {
    if (spec.lossEvery !== undefined && !(Number.isInteger(spec.lossEvery) && spec.lossEvery >= 1)) {
      throw new RangeError(`fault lossEvery must be a positive integer, got ${spec.lossEvery}`);
    }
    this.p = {
      loss: checkProbability('loss', spec.loss),
      corrupt: checkProbability('corrupt', spec.corrupt),
      duplicate: checkProbability('duplicate', spec.duplicate),
      reorder: checkProbability('reorder', spec.reorder),
    };
    this.loss = createRng(mixSeed(seed, directionIndex, KIND_LOSS));
    this.corruptRng = createRng(mixSeed(seed, directionIndex, KIND_CORRUPT));
    this.dupRng = createRng(mixSeed(seed, directionIndex, KIND_DUPLICATE));
    this.reorderRng = createRng(mixSeed(seed, directionIndex, KIND_REORDER));
  }

  /** Longest a held unit waits, ms. */
  get maxHoldMs(): number {
    return this.spec.reorderMaxHoldMs ?? 100;
  }

  /** Decide the fate of the next unit. Units held back earlier are released after it. */
  decide(unit: U): FaultDecision<U> {
    this.count++;
    const every = this.spec.lossEvery;
    const lostByCount = every !== undefined && this.count % every === 0;
    const lostByChance = this.p.loss > 0 && this.loss.next() < this.p.loss;
    const release = this.takeHeld();
    if (lostByCount || lostByChance) {
      this.counters.dropped++;
      return { deliver: release, held: false };
    }
    let u = unit;
    if (this.p.corrupt > 0 && this.corruptRng.next() < this.p.corrupt) u = this.corruptUnit(u);
    const copies = this.p.duplicate > 0 && this.dupRng.next() < this.p.duplicate ? [u, this.copy(u)] : [u];
    if (copies.length > 1) this.counters.duplicated++;
    if (release.length === 0 && this.p.reorder > 0 && this.reorderRng.next() < this.p.reorder) {
      this.counters.reordered++;
      this.heldUnits = copies;
      return { deliver: [], held: true };
    }
    return { deliver: [...copies, ...release], held: false };
  }

  /** Release whatever is held back (its hold time ran out, or the link is being torn down). */
  takeHeld(): U[] {
    const held = this.heldUnits;
    this.heldUnits = [];
    return held;
  }

  private copy(unit: U): U {
    return this.ops.withBytes(unit, Uint8Array.from(this.ops.bytes(unit)));
  }

  private corruptUnit(unit: U): U {
    const bytes = Uint8Array.from(this.ops.bytes(unit));
    if (bytes.length === 0) return unit;
    const total = bytes.length * 8;
    const flips = Math.min(total, Math.max(1, this.spec.corruptBits ?? 1));
    const chosen = new Set<number>();
    while (chosen.size < flips) chosen.add(this.corruptRng.int(total)); // distinct bits: a double flip would undo itself
    for (const bit of chosen) bytes[bit >>> 3] = (bytes[bit >>> 3] ?? 0) ^ (0x80 >>> (bit & 7));
    this.counters.corrupted++;
    return this.ops.withBytes(unit, bytes);
  }
}
