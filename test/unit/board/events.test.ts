import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Subject, VirtualTimeScheduler } from 'rxjs';
import { z } from 'zod';
import { coalesceProgress, EventBus } from '../../../src/board/event-bus.js';
import { BoardEventSchema, type BoardEvent } from '../../../src/board/events.js';

const progress = (n: number, t = 0): BoardEvent => ({ type: 'provisioning.progress', pid: 1, phase: 'LOADING', timestamp: t, bytesWritten: n, total: 1000, verifiedBytes: n });
const aborted = (t = 0): BoardEvent => ({ type: 'provisioning.aborted', pid: 1, phase: 'ABORTING', timestamp: t, bytesWritten: 1, total: 1000, reason: 'test' });

/** Feed `input` ([time, event]) through coalesceProgress on a virtual clock; returns [time, event] delivered. */
function run(input: readonly (readonly [number, BoardEvent])[], windowMs: number, completeAt?: number): [number, BoardEvent][] {
  const scheduler = new VirtualTimeScheduler();
  const src = new Subject<BoardEvent>();
  const out: [number, BoardEvent][] = [];
  src.pipe(coalesceProgress(windowMs, scheduler)).subscribe((e) => out.push([scheduler.now(), e]));
  for (const [t, e] of input) scheduler.schedule(() => src.next(e), t);
  if (completeAt !== undefined) scheduler.schedule(() => src.complete(), completeAt);
  scheduler.flush();
  return out;
}

describe('event schemas', () => {
  it('accept what the board emits and reject malformed events', () => {
    expect(BoardEventSchema.safeParse(progress(5)).success).toBe(true);
    expect(BoardEventSchema.safeParse({ ...progress(5), pid: -1 }).success).toBe(false);
    expect(BoardEventSchema.safeParse({ ...progress(5), phase: 'RUNNING' }).success).toBe(false);
    expect(BoardEventSchema.safeParse({ ...progress(5), type: 'provisioning.unknown' }).success).toBe(false);
    const started = { type: 'provisioning.started', pid: 2, phase: 'LOADING', timestamp: 0, size: 10, crc32: 1, sha256: 'ab'.repeat(32), slot: 'B', source: 'can_master', resumed: false, heldBytes: 0 };
    expect(BoardEventSchema.safeParse(started).success).toBe(true);
    expect(BoardEventSchema.safeParse({ ...started, sha256: 'xyz' }).success).toBe(false);
    expect(BoardEventSchema.safeParse({ ...started, source: 'usb' }).success).toBe(false);
    const persisted = { type: 'provisioning.persisted', pid: 1, phase: 'BOOT', timestamp: 3, action: 'fallback', persistKey: 5, groupId: 1, valueId: 1, raw: 0x5140, offset: null, reason: 'missing', message: 'm' };
    expect(BoardEventSchema.safeParse(persisted).success).toBe(true);
    expect(BoardEventSchema.safeParse({ ...persisted, persistKey: 0 }).success).toBe(false);
  });

  it('document themselves as JSON Schema', () => {
    const js = JSON.stringify(z.toJSONSchema(BoardEventSchema));
    for (const t of ['started', 'progress', 'complete', 'error', 'aborted', 'persisted', 'rollback']) expect(js).toContain(`provisioning.${t}`);
  });
});

describe('coalesceProgress in virtual time', () => {
  it('leading progress at once, then the latest per window; other events flush pending progress first', () => {
    const out = run(
      [
        [0, progress(1)],
        [10, progress(2)],
        [20, progress(3)],
        [150, progress(4)],
        [170, aborted()],
        [250, progress(5)],
      ],
      100,
    );
    expect(out.map(([t, e]) => [t, e.type === 'provisioning.progress' ? e.bytesWritten : 'aborted'])).toEqual([
      [0, 1],
      [100, 3],
      [170, 4],
      [170, 'aborted'],
      [270, 5],
    ]);
  });

  it('a burst of 100000 progress events in one instant delivers one, then the latest', () => {
    const scheduler = new VirtualTimeScheduler();
    const src = new Subject<BoardEvent>();
    const out: [number, number][] = [];
    src.pipe(coalesceProgress(50, scheduler)).subscribe((e) => out.push([scheduler.now(), (e as { bytesWritten: number }).bytesWritten]));
    scheduler.schedule(() => {
      for (let i = 1; i <= 100_000; i++) src.next(progress(i));
    }, 0);
    scheduler.flush();
    expect(out).toEqual([
      [0, 1],
      [50, 100_000],
    ]);
  });

  it('delivers the pending progress on complete', () => {
    const out = run([[0, progress(1)], [5, progress(2)]], 100, 10);
    expect(out.map(([t]) => t)).toEqual([0, 10]);
  });

  it('property: nothing but progress is dropped, order is kept, the last progress always arrives, progress is the latest known', () => {
    const ev = fc.record({ dt: fc.integer({ min: 0, max: 80 }), kind: fc.constantFrom('p', 'p', 'p', 'x') });
    fc.assert(
      fc.property(fc.array(ev, { maxLength: 60 }), fc.integer({ min: 1, max: 120 }), (steps, windowMs) => {
        let t = 0;
        const input = steps.map((s, i) => {
          t += s.dt;
          return [t, s.kind === 'p' ? progress(i) : { ...aborted(), bytesWritten: i }] as const;
        });
        const out = run(input, windowMs, t + 1);
        const ids = (list: readonly (readonly [number, BoardEvent])[]): number[] => list.map(([, e]) => (e as { bytesWritten: number }).bytesWritten);
        const inIds = ids(input);
        const outIds = ids(out);
        // order kept: delivered ids increase
        expect(outIds).toEqual([...outIds].sort((a, b) => a - b));
        // non-progress never dropped
        const others = (list: readonly (readonly [number, BoardEvent])[]): number[] => ids(list.filter(([, e]) => e.type !== 'provisioning.progress'));
        expect(others(out)).toEqual(others(input));
        // the last progress arrives
        const lastP = ids(input.filter(([, e]) => e.type === 'provisioning.progress')).at(-1);
        if (lastP !== undefined) expect(outIds).toContain(lastP);
        // each progress delivered is the latest: no newer progress had arrived before it was delivered
        for (const [at, e] of out) {
          if (e.type !== 'provisioning.progress') continue;
          const idx = inIds.indexOf(e.bytesWritten);
          const newer = input.slice(idx + 1).find(([ti, x]) => x.type === 'provisioning.progress' && ti < at);
          expect(newer).toBeUndefined();
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('EventBus', () => {
  it('stamps pid, phase and the scheduler time; events$ coalesces per subscriber, all$ does not', () => {
    const scheduler = new VirtualTimeScheduler();
    const bus = new EventBus(scheduler, 100);
    const all: BoardEvent[] = [];
    const some: BoardEvent[] = [];
    bus.all$.subscribe((e) => all.push(e));
    bus.events$.subscribe((e) => some.push(e));
    scheduler.schedule(() => {
      for (let i = 1; i <= 10; i++) bus.emit('provisioning.progress', 3, 'LOADING', { bytesWritten: i, total: 10, verifiedBytes: i });
      bus.emit('provisioning.error', 3, 'FAILED', { code: 'crc_mismatch', message: 'bad', offset: 28 });
    }, 42);
    scheduler.flush();
    expect(all).toHaveLength(11);
    expect(some.map((e) => e.type)).toEqual(['provisioning.progress', 'provisioning.progress', 'provisioning.error']);
    expect(some[1]).toMatchObject({ bytesWritten: 10, timestamp: 42 });
    expect(some[2]).toEqual({ type: 'provisioning.error', pid: 3, phase: 'FAILED', timestamp: 42, code: 'crc_mismatch', message: 'bad', offset: 28 });
    for (const e of all) expect(BoardEventSchema.parse(e)).toEqual(e);
  });
});
