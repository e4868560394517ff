/**
 * Session ids of new transfers, as the target sees them (TransferResult.session,
 * through the public `transfer`): in range, not reused by a later transfer of
 * the same image in the same process, and not reused by a new process either.
 *
 * A new `hilbridge flash` process starts every per-process counter from zero;
 * here that is a fresh instance of the engine's modules (vi.resetModules), so
 * only the clock can tell two processes' first transfers apart. Without the
 * clock in the id, the board would take the second process's BEGIN for a
 * retransmission of the first session's and resume instead of starting over.
 */
import { lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bytesImageReader } from '../../../../src/image/reader.js';
import type * as EngineModule from '../../../../src/protocol/engine/index.js';
import { Rig, image } from '../../../integration/transfer-harness.js';

type Engine = typeof EngineModule;

const rigs: Rig[] = [];
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((r) => r.dispose()));
});

/** A new process's engine: its modules evaluated afresh, every counter at zero. */
async function freshProcess(): Promise<Engine> {
  vi.resetModules();
  return import('../../../../src/protocol/engine/index.js');
}

/** One whole transfer of `bytes` with `engine`, on a board whose clock starts at `startMs`; the session id it used. */
async function sessionOf(engine: Engine, bytes: Uint8Array, startMs = 0, rig?: Rig): Promise<number> {
  const r = rig ?? new Rig({ mode: 'can' });
  if (!rig) rigs.push(r);
  await r.clock.advanceTo(startMs);
  const peer = await r.connect();
  const events = lastValueFrom(
    engine.transfer(r.host, bytesImageReader(bytes), { scheduler: r.clock.scheduler, peer, fresh: true }).pipe(toArray()),
  );
  const last = (await r.clock.until(events)).at(-1);
  if (last?.kind !== 'done') throw new Error(`transfer ended without a result: ${JSON.stringify(last)}`);
  return last.result.session;
}

describe('session ids', () => {
  const bytes = image(3000, 11);

  it('are 1..65535 and differ between transfers of one image in one process', async () => {
    const engine = await freshProcess();
    const rig = new Rig({ mode: 'can' });
    rigs.push(rig);
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(await sessionOf(engine, bytes, 0, rig));
    for (const id of ids) {
      expect(id).toBeGreaterThanOrEqual(1);
      expect(id).toBeLessThanOrEqual(0xffff);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('differ between the first transfers of one image by new processes started at different times', async () => {
    const starts = [0, 1_000, 12_345, 60_000, 3_600_000];
    const ids: number[] = [];
    for (const start of starts) ids.push(await sessionOf(await freshProcess(), bytes, start));
    expect(new Set(ids).size, `ids ${ids.join(', ')} for processes started at ${starts.join(', ')} ms`).toBe(starts.length);
  });
});
