/**
 * How long control requests wait (docs/protocol.md 7.1), in virtual time over
 * the emulated link: a board on a busy machine that answers late is still
 * found, a slow link's measured round trip stretches the first wait, a dead
 * link gives up after the documented budget, and a reply to a repeated
 * request never becomes a round-trip sample (Karn's rule).
 */
import { concatMap, lastValueFrom, map, of, timer } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, serveTarget, status, transfer } from '../../../../src/protocol/engine/index.js';
import { bytesImageReader } from '../../../../src/image/reader.js';
import { ReplyMatcher } from '../../../../src/protocol/engine/host-replies.js';
import { ChannelRtt, REQUEST_DEFAULTS, silentBudgetMs, tryWait } from '../../../../src/protocol/engine/request-timing.js';
import { MessageType } from '../../../../src/protocol/messages-types.js';
import { WireCode } from '../../../../src/protocol/messages-codes.js';
import { sendMessage } from '../../../../src/protocol/engine/wire.js';
import type { Frame, FrameChannel } from '../../../../src/protocol/types.js';
import { Rig, image } from '../../../integration/transfer-harness.js';
import { tapChannel } from './tap-channel.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

/**
 * The rig's board, now on a machine that can be busy: while stalled it reads
 * nothing; what arrived meanwhile is read (and answered) when it wakes, in
 * order, as a process that got no CPU would.
 */
async function busyBoard(r: Rig): Promise<{ stallFor(ms: number): void }> {
  await r.target.close();
  let wakeAt = 0;
  const now = (): number => r.clock.now;
  const stalled = tapChannel(r.targetCh, {
    frames$: r.targetCh.frames$.pipe(concatMap((f) => (now() >= wakeAt ? of(f) : timer(wakeAt - now(), r.clock.scheduler).pipe(map(() => f))))),
  });
  r.target = serveTarget(stalled, r.sink, { scheduler: r.clock.scheduler });
  return { stallFor: (ms) => void (wakeAt = now() + ms) };
}

/** The host channel, counting what it sends by type and losing the frames `lose` picks. */
function countingHost(r: Rig, lose: (f: Frame) => boolean = () => false): { host: FrameChannel; sent: (type: number) => number } {
  const sent = new Map<number, number>();
  const host = tapChannel(r.host, {
    send: (f) => {
      sent.set(f.type, (sent.get(f.type) ?? 0) + 1);
      return lose(f) ? Promise.resolve() : r.host.send(f);
    },
  });
  return { host, sent: (type) => sent.get(type) ?? 0 };
}

/** Run `p` to its end in virtual time; returns how long it took. */
async function timed<T>(r: Rig, p: Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = r.clock.now;
  const value = await r.clock.until(p);
  return { value, ms: r.clock.now - t0 };
}

describe('the wait schedule', () => {
  it('doubles per try from the first wait, at most 8 s (or the first wait if longer); 4 tries from 500 ms wait 7500 ms', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => tryWait(500, n))).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect(tryWait(10_000, 3)).toBe(10_000);
    expect(REQUEST_DEFAULTS).toMatchObject({ timeoutMs: 500, tries: 4 });
    expect(silentBudgetMs(500)).toBe(7500);
    expect(silentBudgetMs(30)).toBe(450);
  });

  it('first wait: the floor before a sample (times the back-off kept from unanswered tries), max(floor, RTO) after', () => {
    const rtt = new ChannelRtt();
    expect(rtt.firstWait(500)).toBe(500);
    rtt.expired();
    rtt.expired();
    expect(rtt.firstWait(500)).toBe(2000);
    rtt.sample(1400); // RTO = 1400 + 4 * 700
    expect(rtt.firstWait(500)).toBe(4200);
    rtt.expired();
    expect(rtt.firstWait(500)).toBe(8000);
    const fast = new ChannelRtt();
    fast.sample(4);
    expect(fast.firstWait(500)).toBe(500);
  });
});

describe('control requests on a busy machine', () => {
  it('a board that answers its first HELLO only after 1.6 s is still found, and so is its STATUS after a transfer stalled 1.6 s', async () => {
    rig = new Rig();
    const board = await busyBoard(rig);
    board.stallFor(1600);
    const o = { scheduler: rig.clock.scheduler, timeoutMs: 500 }; // the CLI's default --timeout
    const hello = await timed(rig, connect(rig.host, o));
    expect(hello.value.info.version).toBe(1);
    expect(hello.ms).toBeGreaterThanOrEqual(1600);
    const img = image(20_000);
    await rig.result(img, { peer: hello.value });
    expect(rig.received()).toEqual(img);
    board.stallFor(1600); // committing on a machine busy with other work
    const st = await timed(rig, status(rig.host, o));
    expect(st.value.state).not.toBe('empty');
    expect(st.ms).toBeGreaterThanOrEqual(1600);
  });

  it('after samples of a slow link (1.4 s round trip) the first wait covers it: each STATUS goes out once', async () => {
    rig = new Rig({ latencyMs: 700 });
    const { host, sent } = countingHost(rig);
    const o = { scheduler: rig.clock.scheduler, timeoutMs: 500 };
    await rig.clock.until(connect(host, o));
    for (let i = 0; i < 2; i++) await rig.clock.until(status(host, o)); // learning: replies to repeated tries are no samples
    for (let i = 0; i < 3; i++) {
      const before = sent(MessageType.STATUS);
      const st = await timed(rig, status(host, o));
      expect(sent(MessageType.STATUS) - before).toBe(1);
      expect(st.ms).toBeGreaterThanOrEqual(1400);
    }
    const rtt = ReplyMatcher.of(host).rtt;
    expect(rtt.smoothedRtt).toBeGreaterThanOrEqual(1400);
    expect(rtt.firstWait(500)).toBeGreaterThan(1400);
  });

  it("the transfer's round-trip samples serve the STATUS after it: on a 1.4 s link it goes out once", async () => {
    rig = new Rig({ latencyMs: 700 });
    const { host, sent } = countingHost(rig);
    const o = { scheduler: rig.clock.scheduler, timeoutMs: 500 };
    const peer = await rig.clock.until(connect(host, o)); // answered only after a repeat: no sample yet
    expect(ReplyMatcher.of(host).rtt.samples).toBe(0);
    const events = lastValueFrom(transfer(host, bytesImageReader(image(8000)), { peer, scheduler: rig.clock.scheduler, resume: false }));
    expect((await rig.clock.until(events)).kind).toBe('done');
    const st = await timed(rig, status(host, o));
    expect(st.value.state).not.toBe('empty');
    expect(sent(MessageType.STATUS)).toBe(1);
  });

  it('a dead link gives up after 4 tries in 7500 ms (500+1000+2000+4000), saying how long and what to check', async () => {
    rig = new Rig();
    await rig.target.close();
    const { host, sent } = countingHost(rig);
    const t0 = rig.clock.now;
    const err = await rig.clock.until(connect(host, { scheduler: rig.clock.scheduler })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(rig.clock.now - t0).toBe(7500);
    expect(sent(MessageType.HELLO)).toBe(4);
    expect(err).toMatchObject({ code: 'peer_timeout' });
    expect((err as Error).message).toBe(
      'no answer from /dev/ttyEMU0 (host end) after 4 tries in 7500 ms (HELLO): is it in its loader, is the bit rate right, ' +
        'is the board powered and on this link?',
    );
    const quick = await timed(rig, status(host, { scheduler: rig.clock.scheduler, timeoutMs: 30 }).catch((e: unknown) => e));
    expect(quick.value).toMatchObject({ code: 'peer_timeout', message: expect.stringContaining('after 4 tries') as unknown });
    // the back-off kept from the 4 silent HELLOs starts the next request at 30 x 16 ms: 480 + 960 + 1920 + 3840
    expect(quick.ms).toBe(7200);
  });

  it("a reply to a repeated request is no sample (Karn): a board that answered its first HELLO after 3 s does not slow later retries", async () => {
    rig = new Rig();
    const board = await busyBoard(rig);
    let loseNextStatus = false;
    const { host, sent } = countingHost(rig, (f) => {
      if (f.type !== MessageType.STATUS || !loseNextStatus) return false;
      loseNextStatus = false;
      return true;
    });
    const o = { scheduler: rig.clock.scheduler, timeoutMs: 500 };
    board.stallFor(3000);
    await rig.clock.until(connect(host, o));
    const rtt = ReplyMatcher.of(host).rtt;
    expect(sent(MessageType.HELLO)).toBe(3);
    expect(rtt.samples).toBe(0);
    await rig.clock.until(status(host, o)); // answered on its first try: the first sample, a few ms
    expect(rtt.samples).toBe(1);
    expect(rtt.smoothedRtt).toBeLessThan(50);
    loseNextStatus = true;
    const st = await timed(rig, status(host, o));
    expect(sent(MessageType.STATUS)).toBe(3);
    // the lost STATUS is repeated after the floor (500 ms); had the 3 s HELLO been sampled, the RTO would be 8 s
    expect(st.ms).toBeLessThan(600);
  });

  it('EINPROGRESS uses up no try and backs nothing off: a board verifying for 1.8 s answers a 2-try STATUS, and the next waits the floor', async () => {
    rig = new Rig();
    const r = rig;
    await r.target.close();
    r.targetCh.frames$.subscribe((f) => {
      if (f.type !== MessageType.STATUS) return;
      const reply = r.clock.now < 1800
        ? { kind: 'result' as const, code: WireCode.EINPROGRESS, offset: undefined, detail: 'verifying' }
        : { kind: 'status_info' as const, state: 'IDLE', session: 0, size: 0, held: 0, slots: [] };
      void sendMessage(r.targetCh, reply, f.session, f.seq);
    });
    const { host, sent } = countingHost(r);
    const st = await timed(r, status(host, { scheduler: r.clock.scheduler, timeoutMs: 500, tries: 2 }));
    expect(st.value.state).toBe('IDLE');
    expect(st.ms).toBeGreaterThanOrEqual(1800);
    expect(sent(MessageType.STATUS)).toBe(5); // at 0, 500, 1000, 1500, 2000: each try answered EINPROGRESS is given back
    const rtt = ReplyMatcher.of(host).rtt;
    expect(rtt.samples).toBe(0);
    expect(rtt.firstWait(500)).toBe(500);
  });
});
