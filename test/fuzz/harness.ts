/**
 * The fuzz harness (issue 13, "Hostile input"): runs one target's cases
 * through fast-check and checks the invariants every target shares.
 *
 * A case either is accepted, is rejected (a typed HilbridgeError with a
 * non-empty `code`, or, for a decoder documented never to throw, the
 * rejection it returns), or is a finding: any other throw, an
 * InvariantViolation raised by the target (a buffer above its cap, a
 * round trip that does not give its input back, two paths disagreeing), or a
 * case slower than the time bound. The heap is sampled (after a GC when node
 * runs with --expose-gc) before and after the target and every 1024 cases.
 *
 * A finding fails the run with the seed and the fast-check path, so
 * `npm run fuzz -- --seed N --target X` (optionally `--path P`) replays it.
 */
import fc from 'fast-check';
import v8 from 'node:v8';
import vm from 'node:vm';
import { HilbridgeError } from '../../src/errors.js';

/** A broken invariant: a fuzz finding, never a typed rejection (deliberately not a HilbridgeError). */
export class InvariantViolation extends Error {}

export function invariant(cond: boolean, what: string): asserts cond {
  if (!cond) throw new InvariantViolation(what);
}

/** What a case came to: undefined = accepted, a string = the rejection code a non-throwing decoder reported. */
export type CaseVerdict = string | undefined;

export interface FuzzTarget<T> {
  readonly name: string;
  /** One line: what is driven and what is checked. */
  readonly what: string;
  /** The code under test documents "never throws": any throw, typed or not, is a finding. */
  readonly neverThrows: boolean;
  readonly arbitrary: fc.Arbitrary<T>;
  run(input: T): CaseVerdict | Promise<CaseVerdict>;
  /** How many times the per-case time bound a case may take (a case that is a whole big input); default 1. */
  boundScale?(input: T): number;
}

export interface FuzzOptions {
  readonly seed: number;
  readonly cases: number;
  /** A case slower than this is a finding (a hang). */
  readonly maxCaseMs: number;
  /** Heap growth over the target (after GC) above this is a finding; only checked when a GC can be forced. */
  readonly maxHeapDeltaBytes: number;
  /** fast-check replay path of a failure. */
  readonly path?: string;
}

export interface FuzzResult {
  readonly target: string;
  readonly seed: number;
  readonly cases: number;
  readonly accepted: number;
  readonly rejected: number;
  /** Rejections by code, most frequent first. */
  readonly codes: readonly { readonly code: string; readonly count: number }[];
  /** Slowest case, by its fastest of up to four timings when the first was above the bound. */
  readonly maxCaseMs: number;
  /** Timings repeated because a case's first one was above the bound. */
  readonly retimed: number;
  /** heap + array buffers after minus before (bytes), after a forced GC when available. */
  readonly heapDeltaBytes: number;
  /** Highest heap + array buffers seen while running (bytes, sampled every 1024 cases without GC). */
  readonly heapPeakBytes: number;
  readonly gcForced: boolean;
  readonly seconds: number;
  /** The finding, with how to replay it; absent when every case held. */
  readonly failure?: string;
}

/** A full GC: node's own with --expose-gc, else the flag set at run time (so vitest can force one too). */
function findGc(): (() => void) | undefined {
  const own = (globalThis as { gc?: () => void }).gc;
  if (own) return own;
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}
const gc = findGc();

/** Heap plus array-buffer memory in use, after a full GC when one can be forced (everything left is held). */
export function heldBytes(): number {
  gc?.();
  gc?.(); // a second pass frees what the first one's finalisation released
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function heapNow(): number {
  return heldBytes();
}

/** Why a throw is a finding, or undefined when it is a typed rejection. */
function untyped(e: unknown, neverThrows: boolean): string | undefined {
  if (e instanceof InvariantViolation) return `invariant broken: ${e.message}`;
  if (neverThrows) return `threw although documented never to throw: ${describe(e)}`;
  if (!(e instanceof HilbridgeError)) return `untyped throw: ${describe(e)}`;
  if (typeof e.code !== 'string' || e.code === '') return `HilbridgeError without a code: ${describe(e)}`;
  if (e.message === '') return `HilbridgeError ${e.code} without a message`;
  return undefined;
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.constructor.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
}

export async function runTarget<T>(target: FuzzTarget<T>, opts: FuzzOptions): Promise<FuzzResult> {
  const codes = new Map<string, number>();
  let cases = 0;
  let accepted = 0;
  let maxCaseMs = 0;
  let peak = 0;
  let counting = true;
  let retimed = 0;
  const before = heapNow();
  peak = before;
  const t0 = performance.now();
  const once = async (input: T): Promise<{ verdict: CaseVerdict; ms: number }> => {
    const start = performance.now();
    let verdict: CaseVerdict;
    try {
      verdict = await target.run(input);
    } catch (e) {
      const why = untyped(e, target.neverThrows);
      if (why !== undefined) throw new InvariantViolation(why);
      verdict = (e as HilbridgeError).code;
    }
    return { verdict, ms: performance.now() - start };
  };
  const prop = fc.asyncProperty(target.arbitrary, async (input) => {
    const first = await once(input);
    const verdict = first.verdict;
    let ms = first.ms;
    // A hang is deterministic; a pause of a shared machine or the GC is not: a slow case is
    // timed up to three more times, a little later, and counts with its fastest time.
    const bound = opts.maxCaseMs * (target.boundScale?.(input) ?? 1);
    for (let i = 0; i < 3 && ms > bound; i++) {
      retimed++;
      await new Promise((resolve) => setTimeout(resolve, 50 * (i + 1)));
      ms = Math.min(ms, (await once(input)).ms);
    }
    if (!counting) return;
    cases++;
    if (verdict === undefined) accepted++;
    else codes.set(verdict, (codes.get(verdict) ?? 0) + 1);
    if (ms > maxCaseMs) maxCaseMs = ms;
    if ((cases & 1023) === 0) peak = Math.max(peak, process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers);
    if (ms > bound) throw new InvariantViolation(`case took ${ms.toFixed(1)} ms, above the ${bound} ms bound (a hang)`);
  });
  let failure: string | undefined;
  try {
    await fc.assert(prop, { seed: opts.seed, numRuns: opts.cases, path: opts.path });
  } catch (e) {
    counting = false;
    const cause = e instanceof Error && e.cause instanceof Error ? `\nbroken: ${e.cause.message}` : '';
    const raw = (e instanceof Error ? e.message : String(e)) + cause;
    const path = /path: ?"([^"]*)"/.exec(raw)?.[1];
    failure =
      `${clip(raw, 4000)}\nreplay: npm run fuzz -- --seed ${opts.seed} --target ${target.name}` + (path === undefined ? '' : ` --path ${path}`);
  }
  counting = false;
  const seconds = (performance.now() - t0) / 1000;
  const after = heapNow();
  peak = Math.max(peak, after);
  const heapDeltaBytes = after - before;
  if (failure === undefined && gc !== undefined && heapDeltaBytes > opts.maxHeapDeltaBytes) {
    failure = `heap grew by ${mib(heapDeltaBytes)} MiB over the target (after GC), above the ${mib(opts.maxHeapDeltaBytes)} MiB bound: something is retained`;
  }
  const sorted = [...codes.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([code, count]) => ({ code, count }));
  return {
    target: target.name,
    seed: opts.seed,
    cases,
    accepted,
    rejected: cases - accepted,
    codes: sorted,
    maxCaseMs,
    retimed,
    heapDeltaBytes,
    heapPeakBytes: peak,
    gcForced: gc !== undefined,
    seconds,
    ...(failure === undefined ? {} : { failure }),
  };
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}... (${s.length - n} more characters)` : s;
}

export function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}
