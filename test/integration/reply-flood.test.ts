/**
 * Issue 8: a board flooded with requests whose replies nobody reads (here:
 * STATUS every 10 ms at 115200 bit/s, each STATUS_INFO taking longer on the wire than
 * the request) must not go deaf afterwards. The target keeps at most
 * `replyLimit` frames waiting for the link, drops the rest and counts them,
 * so the answer to the next request leaves at once. Virtual time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { status } from '../../src/protocol/engine/index.js';
import { nextSeq, sendMessage } from '../../src/protocol/engine/wire.js';
import { BoardRig } from './board-rig.js';

let rig: BoardRig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

const FLOOD_MS = 30_000;
const EVERY_MS = 10;

describe('replies nobody reads', () => {
  it('after 30 s of STATUS requests whose replies nobody reads, the board answers a STATUS within 1 s', async () => {
    rig = new BoardRig({ bitRate: 115_200 });
    const r = rig;
    const start = r.clock.now;
    let sent = 0;
    r.clock.scheduler.schedule(function flood(this: { schedule(state: undefined, delay: number): void }) {
      void sendMessage(r.host, { kind: 'status' }, 0, nextSeq(r.host)).catch(() => undefined);
      sent++;
      if (r.clock.now - start < FLOOD_MS) this.schedule(undefined, EVERY_MS);
    }, EVERY_MS);
    await r.clock.advanceTo(start + FLOOD_MS + EVERY_MS);
    expect(sent).toBeGreaterThanOrEqual(FLOOD_MS / EVERY_MS);
    const asked = r.clock.now;
    const st = await r.clock.until(status(r.host, { scheduler: r.clock.scheduler, timeoutMs: 1000, tries: 1 }));
    expect(st.state).toBe('IDLE');
    expect(r.clock.now - asked).toBeLessThan(1000);
    // more requests than replies the line could carry: the rest was dropped and counted
    expect(r.target.counters.repliesDropped).toBeGreaterThan(sent / 5);
  });
});
