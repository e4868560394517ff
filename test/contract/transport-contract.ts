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
