/**
 * The broadcast listener's receive queue: a board that falls behind on group
 * DATA (its FRAM writes slower than the bus) still hears the master's
 * control frames, and catches up in a few FRAM writes, not one per frame.
 */
import { Subject } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { listenBroadcast } from '../../../src/board/bcast-listener.js';
import { ImageKind } from '../../../src/protocol/messages-types.js';
import { BcastKind, CtrlOp, ReplyCode, announceFrames, bcastKind, ctrlFrame, dataFrame, decodeReply, u24 } from '../../../src/protocol/engine/bcast-wire.js';
import type { CanFrame, CanTransport } from '../../../src/transports/types.js';
import { crc32, sha256Hex } from '../../../src/util/digest.js';
import { FRAM_SIZE, image, openBoard } from './helpers.js';

const NODE = 7;
const SESSION = 0x4242;

function rig(): { rx: Subject<CanFrame>; sent: CanFrame[]; transport: CanTransport } {
  const rx = new Subject<CanFrame>();
  const sent: CanFrame[] = [];
  const transport: CanTransport = {
    kind: 'emulator', name: 'vcan0', framing: 'can', fd: false, rx$: rx,
    send: (f) => (sent.push(f), Promise.resolve()),
    close: () => Promise.resolve(),
  };
  return { rx, sent, transport };
}

function replies(sent: readonly CanFrame[]): { code: ReplyCode; body: DataView }[] {
  return sent.map((f) => decodeReply(bcastKind(f)!.low, f.data)!).map((r) => ({ code: r.code, body: r.body }));
}

/** An HXE image of exactly `blocks` 8-byte blocks (its 96-byte header, then code). */
function hxeImage(blocks: number): Uint8Array {
  const bytes = image('fleet', { codeBytes: blocks * 8 - 96 });
  expect(bytes.length).toBe(blocks * 8);
  return bytes;
}

async function joined(image: Uint8Array): Promise<ReturnType<typeof rig> & { board: ReturnType<typeof openBoard> }> {
  const r = rig();
  const board = openBoard(new Uint8Array(FRAM_SIZE));
  listenBroadcast(board, r.transport, { node: NODE });
  const a = { session: SESSION, size: image.length, kind: ImageKind.hxe, sectionLog2: 10, crc32: crc32(image), blockSize: 8, allOrNone: false, sha256: sha256Hex(image) };
  for (const f of announceFrames(a)) r.rx.next(f);
  r.rx.next(ctrlFrame(NODE, CtrlOp.Join, SESSION));
  await vi.waitFor(() => expect(replies(r.sent).map((x) => x.code)).toEqual([ReplyCode.Ready]));
  r.sent.length = 0;
  return { ...r, board };
}

describe('broadcast listener queue', () => {
  it('a POLL behind a full DATA queue is kept and answered (only DATA beyond the bound is dropped)', async () => {
    const image = hxeImage(700);
    const { rx, sent } = await joined(image);
    // 700 frames in one burst: far more than the board takes in before its first write completes
    for (let b = 0; b < 700; b++) rx.next(dataFrame(b, image.subarray(b * 8, b * 8 + 8), false));
    rx.next(ctrlFrame(NODE, CtrlOp.Poll, SESSION, 700));
    await vi.waitFor(() => expect(replies(sent).at(-1)?.code).toBe(ReplyCode.MapEnd));
    const maps = replies(sent).filter((x) => x.code === ReplyCode.Map);
    // exactly one hole: the DATA dropped past the queue's bound, up to the end of the image
    expect(maps).toHaveLength(1);
    const first = u24(maps[0]!.body, 0);
    expect(first).toBeGreaterThanOrEqual(512);
    expect(first).toBeLessThan(700);
    expect(maps[0]!.body.getUint8(3)).toBe(700 - first);
  });

  it('DATA that waits in a row is written in runs of up to 1 KiB, and the image verifies and commits', async () => {
    const image = hxeImage(300);
    const { rx, sent, board } = await joined(image);
    const write = vi.spyOn(board, 'write');
    for (let b = 0; b < 300; b++) rx.next(dataFrame(b, image.subarray(b * 8, b * 8 + 8), false));
    rx.next(ctrlFrame(NODE, CtrlOp.Commit, SESSION));
    await vi.waitFor(() => expect(replies(sent).at(-1)?.code).toBe(ReplyCode.Committed));
    // 300 frames of 8 bytes: the first alone (nothing waits yet), then 2400 - 8 bytes in runs of at most 1024
    expect(write.mock.calls.length).toBeLessThanOrEqual(5);
    expect(write.mock.calls.every(([, bytes]) => bytes.length <= 1024)).toBe(true);
    expect(write.mock.calls.reduce((n, [, bytes]) => n + bytes.length, 0)).toBe(image.length);
    const slots = (await board.status()).slots;
    expect(slots.filter((x) => x.sha256 === sha256Hex(image)).map((x) => x.state)).toEqual(['trial']);
  });

  it('a run stops at a block already held and at a gap, so nothing is written twice or out of place', async () => {
    const image = hxeImage(40);
    const { rx, sent, board } = await joined(image);
    const write = vi.spyOn(board, 'write');
    const order = [0, 1, 2, 3, 10, 11, 2, 3, 4, 5, 20, 21, 22];
    for (const b of order) rx.next(dataFrame(b, image.subarray(b * 8, b * 8 + 8), false));
    rx.next(ctrlFrame(NODE, CtrlOp.Poll, SESSION, 40));
    await vi.waitFor(() => expect(replies(sent).at(-1)?.code).toBe(ReplyCode.MapEnd));
    const runs = write.mock.calls.map(([offset, bytes]) => [offset / 8, bytes.length / 8]);
    expect(runs).toEqual([[0, 1], [1, 3], [10, 2], [4, 2], [20, 3]]);
    for (const [offset, bytes] of write.mock.calls) expect([...bytes]).toEqual([...image.subarray(offset, offset + bytes.length)]);
    expect(bcastKind(sent[0]!)?.kind).toBe(BcastKind.Reply);
  });
});
