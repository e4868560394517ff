/**
 * The host's signature fetch (src/protocol/engine/delta-sigs.ts) against the
 * real target: every fine range goes in one SIGS, answers that stop where a
 * frame is full are asked again from there, and a board that answers from
 * elsewhere is a typed protocol error, never a loop or a wrong plan.
 */
import { map } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualBoard } from '../../../../src/board/board.js';
import { openByteStreamChannel } from '../../../../src/protocol/channel.js';
import { learnDelta } from '../../../../src/protocol/engine/delta-sigs.js';
import { serveTarget, type TargetHandle } from '../../../../src/protocol/engine/index.js';
import { decodeMessage, encodeMessage } from '../../../../src/protocol/messages.js';
import { MessageType, type Message } from '../../../../src/protocol/messages-types.js';
import type { FrameChannel } from '../../../../src/protocol/types.js';
import { createEmulatedLink } from '../../../../src/transports/emulator.js';
import { VirtualClock } from '../../transports/virtual-time.js';
import { editCode, firmwareImage } from '../../../integration/delta-images.js';
import { tapChannel } from './tap-channel.js';

const SIZE = 32 * 1024;
const oldImage = firmwareImage(SIZE);
const newImage = firmwareImage(SIZE, 1, (c) => editCode(c, Math.round(SIZE / 100), 128));

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers) await c();
  closers = [];
});

/** A board holding `oldImage` behind serveTarget, both ends at `maxFrame`; `rewrite` may change the target's answers. */
function rig(maxFrame: number, rewrite?: (m: Message) => Message, targetFrame = maxFrame): { clock: VirtualClock; host: FrameChannel; sigs: () => number; maxFrame: number } {
  const clock = new VirtualClock();
  const link = createEmulatedLink({ mode: 'bytes', bitRate: 921_600, latencyMs: 2, seed: 5, scheduler: clock.scheduler, name: '/dev/ttyEMU0' });
  const host = openByteStreamChannel(link.host, { maxFrame, role: 'host' });
  const t = openByteStreamChannel(link.target, { maxFrame: targetFrame, role: 'target' });
  const board = VirtualBoard.open({ fram: { memory: new Uint8Array(128 * 1024) }, scheduler: clock.scheduler });
  board.install(oldImage, 'uart', { confirm: true });
  let sigs = 0;
  const target = tapChannel(t, {
    send: (f) => {
      if (f.type !== MessageType.SIGS_INFO || rewrite === undefined) return t.send(f);
      const d = decodeMessage(f.type, f.payload);
      if (!d.ok) throw new Error(d.detail);
      return t.send({ ...f, payload: encodeMessage(rewrite(d.msg)).payload });
    },
    frames$: t.frames$.pipe(map((f) => ((sigs += f.type === MessageType.SIGS ? 1 : 0), f))),
  });
  const served: TargetHandle = serveTarget(target, board, { scheduler: clock.scheduler });
  closers.push(async () => {
    await served.close();
    board.close();
    await link.close();
  });
  return { clock, host, sigs: () => sigs, maxFrame: Math.min(maxFrame, targetFrame) };
}

const learn = (r: ReturnType<typeof rig>, image = newImage): ReturnType<typeof learnDelta> =>
  r.clock.until(learnDelta(r.host, image, { scheduler: r.clock.scheduler, timeoutMs: 200, maxFrame: r.maxFrame }));

/** The old image with one byte changed in each of 10 coarse blocks: 10 fine ranges, more than a small frame's SIGS holds. */
const tenEdits = oldImage.map((b, i) => (i > 2000 && i % 2900 === 0 ? b ^ 0x5a : b));

describe('signatures of the active image, as the host fetches them', () => {
  it('asks for every fine range in one SIGS when a frame holds them: two requests in all', async () => {
    const r = rig(4096 + 20);
    const info = await learn(r);
    expect(info.requests).toBe(2);
    expect(r.sigs()).toBe(2);
    expect(info.segs.reduce((n, s) => n + s.length, 0)).toBeGreaterThan(0.9 * SIZE);
  });

  it('small frames: the answers stop where a frame is full and are asked again from there, with the same plan', async () => {
    const big = await learn(rig(4096 + 20));
    const r = rig(160);
    const small = await learn(r);
    expect(small.requests).toBeGreaterThan(4);
    expect(small.segs).toEqual(big.segs);
  });

  it('a board with smaller frames than the host: every SIGS fits the agreed frame (min of both), none is dropped', async () => {
    const big = await learn(rig(4096 + 20), tenEdits);
    const r = rig(4096 + 20, undefined, 96);
    const small = await learn(r, tenEdits);
    expect(small.segs).toEqual(big.segs);
    expect(small.requests).toBeGreaterThan(big.requests);
  });

  it('a board whose second group starts elsewhere than asked is a protocol error', async () => {
    let n = 0;
    const r = rig(4096 + 20, (m) => {
      if (m.kind !== 'sigs_info' || ++n !== 2 || m.more === undefined) return m;
      return { ...m, more: [{ ...m.more[0]!, start: m.more[0]!.start + 64 }, ...m.more.slice(1)] };
    });
    await expect(learn(r)).rejects.toMatchObject({ code: 'peer_protocol', message: expect.stringMatching(/answered with signatures from/) as unknown });
  });

  it('a board that answers more groups than ranges asked is a protocol error', async () => {
    const r = rig(4096 + 20, (m) => (m.kind === 'sigs_info' ? { ...m, more: [{ start: 0x7fff0000, sigs: [] }] } : m));
    await expect(learn(r)).rejects.toMatchObject({ code: 'peer_protocol', message: expect.stringMatching(/1 range\(s\) answered with 2 groups/) as unknown });
  });
});
