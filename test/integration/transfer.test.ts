import { Subject, filter } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { LinkError } from '../../src/errors.js';
import { TargetError } from '../../src/protocol/messages-codes.js';
import { TargetState } from '../../src/protocol/engine/index.js';
import { MessageType } from '../../src/protocol/messages-types.js';
import { tapChannel } from '../unit/protocol/engine/tap-channel.js';
import { Rig, image, sha256Hex } from './transfer-harness.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

const img = image(96 * 1024 + 123);
const want = sha256Hex(img);

describe('transfer over the emulated UART', () => {
  it('moves an image bit-exact with no faults, every byte sent once', async () => {
    rig = new Rig();
    const r = await rig.result(img);
    expect(sha256Hex(rig.received())).toBe(want);
    expect(r.sha256).toBe(want);
    expect(r).toMatchObject({ resumed: false, alreadyHeld: 0, chunk: 4096, window: 16 });
    expect(r.counters).toMatchObject({ retransmits: 0, timeouts: 0, duplicates: 0, naks: 0, crcErrors: 0, bytesSent: img.length });
  });

  it("reports 'ending' once, when END first goes out: after every chunk was sent once, before DONE", async () => {
    rig = new Rig({ faults: { loss: 0.1 }, seed: 3, maxFrame: 1024 + 20 });
    const events = await rig.run(img);
    const kinds = events.map((e) => e.kind);
    expect(kinds.filter((k) => k === 'ending')).toHaveLength(1);
    expect(kinds.indexOf('ending')).toBeGreaterThan(kinds.indexOf('begun'));
    expect(kinds.at(-1)).toBe('done');
    const ending = events.find((e) => e.kind === 'ending');
    expect(ending).toMatchObject({ size: img.length });
    expect(ending?.kind === 'ending' && ending.heldBytes).toBeLessThanOrEqual(img.length);
  });

  it.each([
    ['every 5th frame dropped', { lossEvery: 5 }],
    ['1% random loss', { loss: 0.01 }],
    ['10% random loss', { loss: 0.1 }],
    ['30% random loss', { loss: 0.3 }],
    ['bit corruption', { corrupt: 0.1, corruptBits: 3 }],
    ['duplication', { duplicate: 0.2 }],
    ['reordering', { reorder: 0.2 }],
  ])('moves an image bit-exact with %s', async (_name, faults) => {
    rig = new Rig({ faults, seed: 5, maxFrame: 1024 + 20 });
    const r = await rig.result(img);
    const stats = rig.link.stats;
    expect(sha256Hex(rig.received())).toBe(want);
    expect(r.sha256).toBe(want);
    const c = r.counters;
    if ('lossEvery' in faults || 'loss' in faults) {
      expect(stats.toTarget.dropped + stats.toHost.dropped).toBeGreaterThan(0);
      expect(c.retransmits).toBeGreaterThan(0);
    }
    if ('corrupt' in faults) expect(c.crcErrors).toBeGreaterThan(0);
    if ('duplicate' in faults) expect(c.duplicates).toBeGreaterThan(0);
    // every byte of the image went out exactly once as new data; the rest were counted repeats
    expect(c.bytesSent - c.bytesRetransmitted).toBe(img.length);
  });

  it('resumes after a disconnect, re-sending only what the target lacks', async () => {
    rig = new Rig({ disconnect: { afterUnits: 12, direction: 'toTarget' } });
    await expect(rig.run(img)).rejects.toMatchObject({ code: 'link_disconnected' });
    const held = rig.sink.held();
    const before = await held;
    expect(before).toBeDefined();
    const heldBytes = before!.ranges.reduce((n, r) => n + r.end - r.start, 0);
    expect(heldBytes).toBeGreaterThan(0);
    expect(heldBytes).toBeLessThan(img.length);
    rig.reconnect();
    const r = await rig.result(img);
    expect(r.resumed).toBe(true);
    expect(r.alreadyHeld).toBe(heldBytes);
    expect(r.counters.bytesSent).toBe(img.length - heldBytes);
    expect(sha256Hex(rig.received())).toBe(want);
  });

  it.each([
    ['a fresh transfer', { fresh: true }],
    ['a resumed one (QUERY said: nothing held)', { resume: true }],
  ])("an answer to a repeated BEGIN already counts DATA sent behind the first: not 'resumed' (%s)", async (_name, opts) => {
    rig = new Rig();
    const r0 = rig;
    // the board's first SESSION is lost: the host repeats BEGIN, and DATA it sent meanwhile is in the second answer
    let sessions = 0;
    r0.host = tapChannel(r0.host, { frames$: r0.host.frames$.pipe(filter((f) => f.type !== MessageType.SESSION || ++sessions > 1)) });
    const r = await r0.result(img, opts);
    expect(sessions).toBeGreaterThan(1);
    expect(r).toMatchObject({ resumed: false, alreadyHeld: 0 });
    expect(sha256Hex(r0.received())).toBe(want);
  });

  it.each([
    ['a resumable transfer', {}],
    ['a fresh transfer (flash without --resume): fresh applies to the first BEGIN only', { fresh: true }],
  ])('resumes after a target restart (new serveTarget over the same file sink): %s', async (_name, opts) => {
    rig = new Rig();
    const events = rig.run(img, opts);
    // let part of the image arrive, then replace the target process
    await rig.clock.advanceTo(rig.clock.now + 400);
    rig.restartTarget();
    const kept = await rig.sink.held();
    const keptBytes = kept!.ranges.reduce((n, x) => n + x.end - x.start, 0);
    expect(keptBytes).toBeGreaterThan(0);
    const r = await events;
    const last = r.at(-1);
    expect(last?.kind).toBe('done');
    expect(sha256Hex(rig.received())).toBe(want);
    if (last?.kind === 'done') {
      const c = last.result.counters;
      expect(c.naks).toBeGreaterThan(0);
      // what the restarted target kept is not sent again; at most one window in flight is repeated
      expect(c.bytesSent).toBeLessThanOrEqual(img.length + 16 * 4096);
      expect(c.bytesSent).toBeGreaterThanOrEqual(img.length);
      expect(c.bytesRetransmitted).toBeLessThan(keptBytes); // what the target kept was not discarded and sent again
    }
  });

  it('starts over when the target holds a different image, never mixing the two', async () => {
    rig = new Rig({ disconnect: { afterUnits: 10, direction: 'toTarget' } });
    const other = image(img.length, 99);
    await expect(rig.run(other)).rejects.toMatchObject({ code: 'link_disconnected' });
    expect((await rig.sink.held())?.ranges.length).toBeGreaterThan(0);
    rig.reconnect();
    const r = await rig.result(img);
    expect(r.resumed).toBe(false);
    expect(r.alreadyHeld).toBe(0);
    expect(r.counters.bytesSent).toBe(img.length);
    expect(sha256Hex(rig.received())).toBe(want);
  });

  it('abort from the host frees the session on both sides', async () => {
    rig = new Rig();
    const abort$ = new Subject<void>();
    const events = rig.run(img, { abort$ });
    await rig.clock.advanceTo(rig.clock.now + 300);
    abort$.next();
    await expect(events).rejects.toMatchObject({ code: 'aborted', message: expect.stringContaining('the target freed the session') as unknown });
    expect(await rig.sink.held()).toBeUndefined();
    expect(rig.target.state).toBe(TargetState.Idle);
    expect(rig.target.session).toBe(0);
    const r = await rig.result(img);
    expect(r.resumed).toBe(false);
    expect(r.counters.bytesSent).toBe(img.length);
  });

  it('abort from the target frees the session on both sides', async () => {
    rig = new Rig();
    const events = rig.run(img);
    await rig.clock.advanceTo(rig.clock.now + 300);
    await rig.target.abort('operator pressed stop');
    const err: unknown = await events.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetError);
    expect((err as TargetError).code).toBe('ECANCELED');
    expect((err as TargetError).message).toContain('operator pressed stop');
    expect(await rig.sink.held()).toBeUndefined();
    expect(rig.target.state).toBe(TargetState.Idle);
  });

  it('a silent peer gives peer_timeout after N tries naming the link and what to check', async () => {
    rig = new Rig();
    await rig.target.close();
    const err: unknown = await rig.clock.until(import('../../src/protocol/engine/index.js').then((m) => m.connect(rig!.host, { scheduler: rig!.clock.scheduler, tries: 3 }))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LinkError);
    expect((err as LinkError).code).toBe('peer_timeout');
    expect((err as LinkError).message).toBe(
      'no answer from /dev/ttyEMU0 (host end) after 3 tries in 3500 ms (HELLO): is it in its loader, is the bit rate right, is the board powered and on this link?',
    );
    expect(rig.clock.now).toBeGreaterThanOrEqual(3500);
  });

  it('a peer that goes silent mid-transfer gives peer_timeout', async () => {
    rig = new Rig();
    const peer = await rig.connect();
    const events = rig.run(img, { peer, tries: 4 });
    await rig.clock.advanceTo(rig.clock.now + 200);
    await rig.target.close();
    const err: unknown = await events.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LinkError);
    expect((err as LinkError).code).toBe('peer_timeout');
    expect((err as LinkError).message).toMatch(/^no answer from \/dev\/ttyEMU0 \(host end\) after 4 tries \(\d+ of 98427 bytes acknowledged\): is it in its loader/);
  });

  it('the session timeout ends a transfer that cannot finish in time', async () => {
    rig = new Rig({ bitRate: 115_200 });
    const err: unknown = await rig.run(img, { sessionTimeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LinkError);
    expect((err as LinkError).code).toBe('session_timeout');
    expect((err as LinkError).message).toMatch(/exceeded its 2000 ms session timeout with \d+ of 98427 bytes acknowledged/);
  });

  it("the target's session timeout aborts and frees the session", async () => {
    rig = new Rig({ bitRate: 115_200, serve: { sessionTimeoutMs: 1500 } });
    const err: unknown = await rig.run(img).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetError);
    expect((err as TargetError).code).toBe('ETIMEDOUT');
    expect(await rig.sink.held()).toBeUndefined();
  });
});

describe('transfer over emulated classic CAN', () => {
  it('moves an image bit-exact with no faults', async () => {
    rig = new Rig({ mode: 'can' });
    const small = img.subarray(0, 20 * 1024 + 5);
    const r = await rig.result(small);
    expect(sha256Hex(rig.received())).toBe(sha256Hex(small));
    expect(r.counters.retransmits).toBe(0);
  });

  it('moves an image bit-exact with low CAN frame loss', async () => {
    rig = new Rig({ mode: 'can', faults: { loss: 0.0005 }, seed: 3 });
    const small = img.subarray(0, 20 * 1024 + 5);
    const r = await rig.result(small);
    expect(sha256Hex(rig.received())).toBe(sha256Hex(small));
    expect(r.counters.retransmits).toBeGreaterThan(0);
  });
});
