import { EMPTY, lastValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSink, confirm, connect, query, rollback, serveTarget, status, transfer } from '../../../../src/protocol/engine/index.js';
import type { TransferOptions, TransferResult } from '../../../../src/protocol/engine/index.js';
import { ReplyMatcher } from '../../../../src/protocol/engine/host-replies.js';
import { sendMessage } from '../../../../src/protocol/engine/wire.js';
import { bytesImageReader } from '../../../../src/image/reader.js';
import { WireCode } from '../../../../src/protocol/messages-codes.js';
import { HoldState, MessageType } from '../../../../src/protocol/messages-types.js';
import type { Frame, FrameChannel } from '../../../../src/protocol/types.js';
import { Rig, image } from '../../../integration/transfer-harness.js';
import { tapChannel } from './tap-channel.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

const sha = new Uint8Array(32).fill(7);
const FORGED_DETAIL = 'image of 4294967295 bytes';

/**
 * The host channel as the engine sees it, with an intruder on the line: for
 * every frame the host sends that `forge` picks a code for, the board's
 * answer to another session is injected with the host's seq at once, so it
 * reaches the host before the board's real answer.
 */
function withIntruder(r: Rig, forge: (f: Frame) => number | undefined): { host: FrameChannel; forged: () => number } {
  let forged = 0;
  const host = tapChannel(r.host, {
    send: (f) => {
      const code = forge(f);
      if (code !== undefined) {
        forged++;
        const other = f.session === 0 ? 0x4242 : (f.session % 0xffff) + 1;
        void sendMessage(r.targetCh, { kind: 'result', code, offset: undefined, detail: FORGED_DETAIL }, other, f.seq);
      }
      return r.host.send(f);
    },
  });
  return { host, forged: () => forged };
}

async function transferOn(r: Rig, host: FrameChannel, bytes: Uint8Array, opts: Partial<TransferOptions> = {}): Promise<TransferResult> {
  const peer = await r.clock.until(connect(host, { scheduler: r.clock.scheduler }));
  const last = await r.clock.until(lastValueFrom(transfer(host, bytesImageReader(bytes), { scheduler: r.clock.scheduler, ...opts, peer })));
  if (last.kind !== 'done') throw new Error(`no result: ${JSON.stringify(last)}`);
  return last.result;
}

/** A board that now answers with `refuse`: a FileSink too small for the image. */
async function smallBoard(r: Rig, capacity: number): Promise<void> {
  await r.target.close();
  r.sink.close();
  r.sink = new FileSink(r.sinkPath, { capacity });
  r.target = serveTarget(r.targetCh, r.sink, { scheduler: r.clock.scheduler });
}

describe('the host matches replies by (session, seq)', () => {
  it('a transfer ignores ENOSPC/EBUSY for another session carrying its BEGIN and END seqs, completes, and counts them foreign', async () => {
    rig = new Rig();
    const controls = (f: Frame): number | undefined =>
      f.type === MessageType.BEGIN ? WireCode.ENOSPC : f.type === MessageType.END ? WireCode.EBUSY : undefined;
    const { host, forged } = withIntruder(rig, controls);
    const img = image(20_000);
    const result = await transferOn(rig, host, img);
    expect(rig.received()).toEqual(img);
    expect(forged()).toBeGreaterThanOrEqual(2);
    expect(result.counters.foreign).toBe(forged());
  });

  it('on CAN, RESULTs for another session carrying DATA seqs (ESRCH, ECANCELED) are foreign too and cost no repeat', async () => {
    rig = new Rig({ mode: 'can' });
    const { host, forged } = withIntruder(rig, (f) => (f.type === MessageType.DATA ? (f.seq % 2 === 0 ? WireCode.ESRCH : WireCode.ECANCELED) : undefined));
    const img = image(12_000);
    const result = await transferOn(rig, host, img);
    expect(rig.received()).toEqual(img);
    expect(result.counters.foreign).toBe(forged());
    expect(result.counters.retransmits).toBe(0);
  });

  it('HELLO, QUERY, STATUS and CONFIRM ignore an intruder refusing their seqs under another session', async () => {
    rig = new Rig();
    const { host, forged } = withIntruder(rig, () => WireCode.EBUSY);
    const o = { scheduler: rig.clock.scheduler };
    const matcher = ReplyMatcher.of(host);
    const c = rig.clock;
    expect((await c.until(connect(host, o))).info.version).toBe(1);
    expect((await c.until(query(host, 10, sha, o))).state).toBe(HoldState.none);
    expect(await c.until(status(host, o))).toMatchObject({ state: 'empty', session: 0 });
    await transferOn(rig, host, image(3000));
    await c.until(confirm(host, 0, o));
    expect(matcher.counters.foreign).toBe(forged());
    expect(forged()).toBeGreaterThan(5);
  });

  it("the board's own refusal is still reported: ROLLBACK's ENOTSUP under an intruder's EBUSY", async () => {
    rig = new Rig();
    const { host } = withIntruder(rig, () => WireCode.EBUSY);
    const o = { scheduler: rig.clock.scheduler };
    await expect(rig.clock.until(rollback(host, 0, o))).rejects.toMatchObject({ code: 'ENOTSUP' });
    await expect(rig.clock.until(confirm(host, 0, o))).rejects.toMatchObject({ code: 'ESRCH' });
  });

  it("the board's own BEGIN refusal for this session is reported, not the intruder's", async () => {
    rig = new Rig();
    await smallBoard(rig, 1000);
    const { host } = withIntruder(rig, (f) => (f.type === MessageType.BEGIN ? WireCode.EBUSY : undefined));
    const err = await transferOn(rig, host, image(5000)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'ENOSPC' });
    expect(String((err as Error).message)).toContain('capacity 1000');
    expect(String((err as Error).message)).not.toContain(FORGED_DETAIL);
  });
});

describe('ReplyMatcher routing', () => {
  it('routes by (session, seq) first, then by session; counts the rest foreign (other sessions, our seq elsewhere) or unmatched (late session-0 replies)', async () => {
    rig = new Rig();
    const r = rig;
    await r.target.close();
    const matcher = ReplyMatcher.of(r.host);
    const got: string[] = [];
    const sink = { reply: (m: { session: number; seq: number }, tag: string | undefined) => got.push(`${m.session}/${m.seq}/${tag ?? '-'}`), end: () => undefined };
    matcher.listen(sink, 77);
    matcher.expect(sink, 0, 5, 'status');
    matcher.expect(sink, 77, 6, 'begin');
    const before = { ...matcher.counters };
    const result = { kind: 'result' as const, code: WireCode.OK, offset: undefined, detail: '' };
    for (const [session, seq] of [[0, 5], [77, 6], [77, 40], [78, 6], [0, 6], [0, 999]] as const) await r.clock.until(sendMessage(r.targetCh, result, session, seq));
    await r.clock.advanceTo(r.clock.now + 50);
    expect(got).toEqual(['0/5/status', '77/6/begin', '77/40/-']);
    expect(matcher.counters.claimed - before.claimed).toBe(3);
    expect(matcher.counters.foreign - before.foreign).toBe(2);
    expect(matcher.counters.unmatched - before.unmatched).toBe(1);
    matcher.release(sink);
    await r.clock.until(sendMessage(r.targetCh, result, 77, 41));
    await r.clock.advanceTo(r.clock.now + 50);
    expect(got).toHaveLength(3);
  });

  it('a request on a channel whose frames already completed rejects link_closed at once and sends nothing more', async () => {
    rig = new Rig();
    const r = rig;
    let sends = 0;
    // FrameChannel.frames$ completes when the transport closes; a late subscriber sees only the completion
    const ended: FrameChannel = { ...r.host, frames$: EMPTY, send: (f) => (sends++, r.host.send(f)) };
    await expect(r.clock.until(status(ended, { scheduler: r.clock.scheduler, timeoutMs: 100, tries: 3 }), 0)).rejects.toMatchObject({ code: 'link_closed' });
    await r.clock.advanceTo(r.clock.now + 1000);
    expect(sends).toBe(0);
  });
});

describe('replies that do not decode are not silence', () => {
  /** A board that answers every STATUS with STATUS_INFO in its own dialect: `session: null` when idle. */
  async function dialectBoard(r: Rig): Promise<void> {
    await r.target.close();
    r.targetCh.frames$.subscribe((f) => {
      if (f.type !== MessageType.STATUS) return;
      const body = JSON.stringify({ state: 'idle', session: null, size: 0, held: 0, slots: [] });
      void r.targetCh.send({ type: MessageType.STATUS_INFO, flags: 0, session: f.session, seq: f.seq, payload: new TextEncoder().encode(body) });
    });
  }

  it('STATUS times out saying replies came back that did not decode, with the decode error', async () => {
    rig = new Rig();
    await dialectBoard(rig);
    const before = ReplyMatcher.of(rig.host).counters.undecodable;
    const err = await rig.clock.until(status(rig.host, { scheduler: rig.clock.scheduler, timeoutMs: 100, tries: 3 })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'peer_timeout' });
    const message = (err as Error).message;
    expect(message).toMatch(/3 replies came back that did not decode/);
    expect(message).toMatch(/\(type 0x0d: STATUS_INFO body .*received null\)/);
    expect(ReplyMatcher.of(rig.host).counters.undecodable - before).toBe(3);
  });

  it('a transfer whose BEGIN is answered only by SESSIONs that do not decode times out saying so', async () => {
    rig = new Rig();
    const r = rig;
    const peer = await r.connect();
    await r.target.close();
    r.targetCh.frames$.subscribe((f) => {
      if (f.type === MessageType.BEGIN) void r.targetCh.send({ type: MessageType.SESSION, flags: 0, session: f.session, seq: f.seq, payload: Uint8Array.of(1, 2, 3) });
    });
    const events = lastValueFrom(transfer(r.host, bytesImageReader(image(4000)), { peer, scheduler: r.clock.scheduler, tries: 2, resume: false }));
    const err = await r.clock.until(events).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'peer_timeout' });
    expect((err as Error).message).toMatch(/after 2 tries \(BEGIN unanswered\): (a reply|\d+ replies) came back that did not decode \(type 0x04: SESSION payload/);
  });

  it('plain silence still reads as silence', async () => {
    rig = new Rig();
    await rig.target.close();
    await expect(rig.clock.until(status(rig.host, { scheduler: rig.clock.scheduler, timeoutMs: 100, tries: 2 }))).rejects.toThrow(
      /no answer from .* after 2 tries in 300 ms \(STATUS\)/,
    );
  });
});
