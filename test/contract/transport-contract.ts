/**
 * The transport contract suite: one set of tests for the conventions of
 * src/transports/types.ts, run against every adapter (emulator, pty pair,
 * vcan0). Call it inside a test file with a factory for a connected pair.
 */
import { describe, expect, it } from 'vitest';
import { LinkError } from '../../src/errors.js';
import type { Transport } from '../../src/transports/types.js';

export interface TransportPair<U> {
  readonly a: Transport<U>;
  readonly b: Transport<U>;
  /** Release anything the factory started (processes, interfaces). */
  readonly dispose?: () => Promise<void>;
}

export interface ContractOptions<U> {
  /** Opens a fresh connected pair for each test. */
  readonly makePair: () => Promise<TransportPair<U>>;
  /** The i-th test unit (distinct content for each i). */
  readonly makeUnit: (i: number) => U;
  /** The bytes a unit carries, to compare what arrived. */
  readonly bytesOf: (u: U) => Uint8Array;
  /** Byte streams may re-chunk: compare the concatenation instead of unit by unit. */
  readonly byteStream: boolean;
  /** Units per ordering test. Default 500. */
  readonly count?: number;
  /** Most sends in flight at once. Default 16. */
  readonly window?: number;
  /** Real-time limit for a transfer to arrive, in ms. Default 10000. */
  readonly arriveWithinMs?: number;
  /**
   * The transport's own bound on sends in flight, where it has one of its own
   * (the emulator's transmit queue): a pair whose wire does not drain during
   * the test, and how many of the units makeUnit(0), makeUnit(1), ... it
   * accepts (resolves) before the wire moves. Every send past that stays
   * pending, and close() rejects it. Absent where the bound is the OS's
   * (pty, vcan): their buffers drain on their own.
   */
  readonly backPressure?: {
    readonly makeStalledPair: () => Promise<TransportPair<U>>;
    readonly accepts: number;
  };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function withPair<U>(o: ContractOptions<U>, body: (p: TransportPair<U>) => Promise<void>): Promise<void> {
  const pair = await o.makePair();
  try {
    await body(pair);
  } finally {
    await pair.a.close();
    await pair.b.close();
    await pair.dispose?.();
  }
}

/** Let every queued promise continuation and I/O callback run (a few macrotask turns, no sleep). */
async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

function expectClosed(e: unknown): void {
  expect(e).toBeInstanceOf(LinkError);
  expect((e as LinkError).code).toBe('link_closed');
}

/** Register the contract tests for one transport kind. */
export function transportContract<U>(label: string, o: ContractOptions<U>): void {
  const count = o.count ?? 500;
  const window = o.window ?? 16;
  const within = o.arriveWithinMs ?? 10_000;

  describe(`transport contract: ${label}`, () => {
    it('delivers units intact and in order, with a bounded number of sends in flight', async () => {
      await withPair(o, async ({ a, b }) => {
        const sent = Array.from({ length: count }, (_, i) => o.makeUnit(i));
        const expected = concat(sent.map(o.bytesOf));
        const got: Uint8Array[] = [];
        let gotBytes = 0;
        const arrived = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`only ${gotBytes}/${expected.length} bytes arrived in ${within} ms`)), within);
          b.rx$.subscribe({
            next: (u) => {
              got.push(o.bytesOf(u).slice());
              gotBytes += o.bytesOf(u).length;
              if (gotBytes >= expected.length) {
                clearTimeout(timer);
                resolve();
              }
            },
            error: reject,
          });
        });
        const inFlight = new Set<Promise<void>>();
        const order: number[] = [];
        for (let i = 0; i < count; i++) {
          const p = a.send(sent[i]!).then(() => {
            order.push(i);
          });
          inFlight.add(p);
          void p.finally(() => inFlight.delete(p));
          if (inFlight.size >= window) await Promise.race(inFlight);
        }
        await Promise.all(inFlight);
        await arrived;
        expect(order).toEqual(sent.map((_, i) => i)); // sends resolve in call order
        if (o.byteStream) {
          expect(concat(got)).toEqual(expected);
        } else {
          expect(got.length).toBe(count);
          got.forEach((g, i) => expect(g).toEqual(o.bytesOf(sent[i]!)));
        }
      });
    });

    it('rejects sends pending at close, and later sends, with link_closed', async () => {
      await withPair(o, async ({ a }) => {
        const results = Array.from({ length: 200 }, (_, i) => a.send(o.makeUnit(i)).then(() => 'sent', (e: unknown) => e));
        await a.close();
        const settled = await Promise.all(results);
        for (const r of settled) if (r !== 'sent') expectClosed(r);
        await a.send(o.makeUnit(0)).then(
          () => expect.unreachable('send after close resolved'),
          (e: unknown) => expectClosed(e),
        );
      });
    });

    const bp = o.backPressure;
    if (bp !== undefined) {
      it(`accepts ${bp.accepts} sends on a stalled wire and holds the rest; close rejects every one still held`, async () => {
        await withPair({ ...o, makePair: bp.makeStalledPair }, async ({ a }) => {
          const total = bp.accepts * 3 + 10;
          let accepted = 0;
          const results = Array.from({ length: total }, (_, i) =>
            a.send(o.makeUnit(i)).then(
              () => {
                accepted++;
                return 'sent' as const;
              },
              (e: unknown) => e,
            ),
          );
          await settle();
          expect(accepted, 'sends resolved before the wire moved').toBe(bp.accepts);
          await a.close();
          const settled = await Promise.all(results);
          expect(settled.slice(0, bp.accepts)).toEqual(Array(bp.accepts).fill('sent'));
          const held = settled.slice(bp.accepts);
          expect(held).toHaveLength(total - bp.accepts);
          for (const r of held) expectClosed(r);
        });
      });
    }

    it('closes idempotently and completes rx$', async () => {
      await withPair(o, async ({ b }) => {
        let completed = 0;
        b.rx$.subscribe({ complete: () => completed++ });
        await b.close();
        await b.close();
        await Promise.all([b.close(), b.close()]);
        expect(completed).toBe(1);
      });
    });
  });
}
