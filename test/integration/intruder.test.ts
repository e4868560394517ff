/**
 * Issue 8, board side: a third party on the line sending BEGINs the board
 * refuses (another session id with an impossible size, or session 0) while
 * a real transfer runs. The refusals must cost the transfer nothing but
 * retransmits, and never the previous image: ROLLBACK still restores it.
 * Virtual time, the real engine and board over the emulated UART.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, rollback, status } from '../../src/protocol/engine/index.js';
import { nextSeq, sendMessage } from '../../src/protocol/engine/wire.js';
import { ANY_SLOT, ImageKind, type BeginMsg } from '../../src/protocol/messages-types.js';
import { image, sha } from '../unit/board/helpers.js';
import { BoardRig } from './board-rig.js';

const OLD = image('old_app', { codeBytes: 2048 });
const NEW = image('new_app', { codeBytes: 12 * 1024 });
const THIRD = image('third_app', { codeBytes: 8 * 1024 });

let rig: BoardRig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

/** BEGINs a board refuses: another session id announcing 0xFFFFFFFF bytes (ENOSPC), and session 0 (EINVAL). */
function refusedBegins(): { session: number; msg: BeginMsg }[] {
  const base: BeginMsg = { kind: 'begin', size: 0xffffffff, crc32: 0, sha256: new Uint8Array(32).fill(0xee), slot: ANY_SLOT, imageKind: ImageKind.hxe, chunk: 256, window: 8, ackEvery: 2, ackDelayMs: 20, fresh: true };
  return [
    { session: 0x7777, msg: base },
    { session: 0, msg: { ...base, size: 1000 } },
  ];
}

/** Send a refused BEGIN every `everyMs` until stopped. */
function intrude(r: BoardRig, everyMs: number): { stop(): void; sent(): number } {
  let n = 0;
  let stopped = false;
  const kinds = refusedBegins();
  r.clock.scheduler.schedule(function tick(this: { schedule(state: undefined, delay: number): void }) {
    if (stopped) return;
    const k = kinds[n % kinds.length]!;
    void sendMessage(r.host, k.msg, k.session, nextSeq(r.host)).catch(() => undefined);
    n++;
    this.schedule(undefined, everyMs);
  }, everyMs);
  return { stop: () => void (stopped = true), sent: () => n };
}

async function withTwoImages(): Promise<BoardRig> {
  rig = new BoardRig();
  await rig.provision(OLD);
  await rig.confirm();
  await rig.provision(NEW);
  await rig.confirm();
  return rig;
}

describe('a third party sending refused BEGINs', () => {
  it('costs a transfer at most retransmits: it completes, bit-exact, never restarted', async () => {
    rig = new BoardRig();
    const r = rig;
    await r.provision(OLD);
    await r.confirm();
    const peer = await r.connect();
    const intruder = intrude(r, 2);
    const events = await r.provision(NEW, { peer });
    intruder.stop();
    const done = events.at(-1);
    expect(done?.kind).toBe('done');
    if (done?.kind !== 'done') return;
    expect(intruder.sent()).toBeGreaterThan(20);
    expect(done.result.resumed).toBe(false);
    // every DATA byte sent once, apart from repeats: the board never lost the session
    expect(done.result.counters.bytesSent - done.result.counters.bytesRetransmitted).toBe(NEW.length);
    expect(r.target.counters.sessionsBegun).toBe(2);
    expect(r.activeSha()).toBe(sha(NEW));
    expect(r.board.report().trial).toBe(true);
  });

  it('cannot crowd out the answers: at 115200 bit/s its BEGINs fit the line but their refusals do not, and HELLO and STATUS are still answered at the first try, within 500 ms', async () => {
    rig = new BoardRig({ bitRate: 115_200 });
    const r = rig;
    // a BEGIN is ~60 bytes (5 ms on this line), its refusal carries a reason (up to ~125 bytes, 11 ms)
    const intruder = intrude(r, 7);
    await r.clock.advanceTo(r.clock.now + 3000);
    // the refusals alone are more than the line carries: the board drops some (counted) rather than queue them
    expect(r.target.counters.repliesDropped).toBeGreaterThan(intruder.sent() / 20);
    for (let i = 0; i < 5; i++) {
      const peer = await r.clock.until(connect(r.host, { scheduler: r.clock.scheduler, timeoutMs: 500, tries: 1 }));
      expect(peer.info.version).toBeGreaterThan(0);
      const st = await r.clock.until(status(r.host, { scheduler: r.clock.scheduler, timeoutMs: 500, tries: 1 }));
      expect(st.state).toBe('IDLE');
    }
    intruder.stop();
  });

  it('leaves the previous image restorable: ROLLBACK after the refusals makes it active again', async () => {
    const r = await withTwoImages();
    const intruder = intrude(r, 2);
    await r.clock.advanceTo(r.clock.now + 200);
    intruder.stop();
    await r.clock.advanceTo(r.clock.now + 50);
    expect(r.board.report().slots.find((s) => s.state === 'previous')?.sha256).toBe(sha(OLD));
    await r.clock.until(rollback(r.host, ANY_SLOT, { scheduler: r.clock.scheduler }));
    expect(r.activeSha()).toBe(sha(OLD));
  });

  it('an accepted BEGIN that never sends a byte, then ABORT, leaves the previous image restorable too', async () => {
    const r = await withTwoImages();
    await r.board.begin({ size: THIRD.length, crc32: 0, sha256: Uint8Array.from(Buffer.from(sha(THIRD), 'hex')), slot: ANY_SLOT, imageKind: ImageKind.hxe, fresh: false });
    await r.board.abort();
    await r.clock.until(rollback(r.host, ANY_SLOT, { scheduler: r.clock.scheduler }));
    expect(r.activeSha()).toBe(sha(OLD));
  });
});
