/** Broadcast messages and identifiers (docs/protocol.md section 8), including the bytes of the worked example 8.7. */
import { describe, expect, it } from 'vitest';
import { decodeGroupCanId, GroupKind } from '../../../../src/protocol/can-id.js';
import {
  AnnounceParts, BcastKind, CtrlOp, ReplyCode, announceFrames, bcastKind, committedBody, ctrlFrame, dataFrame, decodeCtrl, decodeReply, mapEndBody, mapFrame, mapRuns, readyBody,
  replyFrame,
} from '../../../../src/protocol/engine/bcast-wire.js';
import type { Announce } from '../../../../src/protocol/engine/bcast-wire.js';
import type { CanFrame } from '../../../../src/transports/types.js';

const hex = (f: CanFrame): string => `${f.id.toString(16).toUpperCase()} [${f.data.length}] ${[...f.data].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ')}`;

const ANN: Announce = { session: 0x4242, size: 24, kind: 1, sectionLog2: 10, crc32: 0xdeadbeef, blockSize: 8, allOrNone: false, sha256: 'ab'.repeat(30) + 'cdef' };

describe('broadcast wire', () => {
  it('the frames of the worked example (8.7)', () => {
    const parts = announceFrames(ANN);
    expect(parts).toHaveLength(8);
    expect(hex(parts[0]!)).toBe('19A00000 [8] 42 42 00 00 00 18 01 0A');
    expect(hex(parts[1]!)).toBe('19A00001 [8] 42 42 DE AD BE EF 08 00');
    expect(hex(parts[7]!)).toBe('19A00007 [4] 42 42 CD EF');
    expect(hex(ctrlFrame(3, CtrlOp.Join, 0x4242))).toBe('19900301 [6] 42 42 00 00 00 00');
    expect(hex(replyFrame(3, ReplyCode.Ready, 0x4242, readyBody(0)))).toBe('19800301 [6] 42 42 00 00 00 00');
    expect(dataFrame(0, new Uint8Array(8), false).id.toString(16).toUpperCase()).toBe('19B00000');
    expect(hex(ctrlFrame(3, CtrlOp.Poll, 0x4242, 3))).toBe('19900302 [6] 42 42 00 00 00 03');
    expect(hex(mapFrame(3, [{ start: 1, count: 1 }]))).toBe('19800304 [4] 00 00 01 01');
    expect(hex(replyFrame(3, ReplyCode.MapEnd, 0x4242, mapEndBody(1, false)))).toBe('19800305 [4] 42 42 01 00');
    expect(hex(replyFrame(3, ReplyCode.MapEnd, 0x4242, mapEndBody(0, false)))).toBe('19800305 [4] 42 42 00 00');
    expect(hex(ctrlFrame(3, CtrlOp.Commit, 0x4242))).toBe('19900304 [6] 42 42 00 00 00 00');
    expect(hex(replyFrame(3, ReplyCode.Committed, 0x4242, committedBody(1, 0xdeadbeef)))).toBe('19800307 [7] 42 42 01 DE AD BE EF');
  });

  it('every broadcast frame is group data (tag 0x19, kind 2) and decodes back', () => {
    const frames = [...announceFrames(ANN), ctrlFrame(9, CtrlOp.Verify, 7, 5), replyFrame(9, ReplyCode.Verified, 7), dataFrame(0xfffff, new Uint8Array(3), false)];
    for (const f of frames) expect(decodeGroupCanId(f.id, true)?.kind).toBe(GroupKind.groupData);
    expect(frames.map((f) => bcastKind(f)?.kind)).toEqual([...(Array(8).fill(BcastKind.Announce) as BcastKind[]), BcastKind.Ctrl, BcastKind.Reply, BcastKind.Data]);
    expect(bcastKind(frames[10]!)?.low).toBe(0xfffff);
    expect(decodeCtrl(bcastKind(frames[8]!)!.low, frames[8]!.data)).toEqual({ node: 9, op: CtrlOp.Verify, session: 7, arg: 5 });
    expect(decodeReply(bcastKind(frames[9]!)!.low, frames[9]!.data)).toMatchObject({ node: 9, code: ReplyCode.Verified, session: 7 });
    // discovery's kinds and 11-bit frames are not broadcast traffic
    expect(bcastKind({ id: 0x19000000, extended: true, fd: false, data: new Uint8Array(8) })).toBeUndefined();
    expect(bcastKind({ id: 0x19b00000 & 0x7ff, extended: false, fd: false, data: new Uint8Array(8) })).toBeUndefined();
  });

  it('announce parts: any order, duplicates harmless, another session starts over', () => {
    const a = new AnnounceParts();
    const parts = announceFrames(ANN);
    const other = announceFrames({ ...ANN, session: 9 });
    expect(a.push(0, parts[0]!.data)).toBeUndefined();
    expect(a.push(0, other[0]!.data)).toBeUndefined(); // session 9 replaces 0x4242's part
    let got: Announce | undefined;
    for (const i of [7, 6, 5, 5, 4, 3, 2, 1, 0]) got = a.push(i, parts[i]!.data) ?? got;
    expect(got).toEqual(ANN);
    expect(a.push(2, new Uint8Array([0x42, 0x42, 1]))).toBeUndefined(); // wrong length
  });

  it('FD data blocks are padded to a valid FD length; MAP runs split at 255 blocks, two per frame', () => {
    expect(dataFrame(1, new Uint8Array(40).fill(1), true).data.length).toBe(48);
    expect(dataFrame(1, new Uint8Array(40).fill(1), true).data[47]).toBe(0xcc);
    expect(mapRuns([{ start: 10, end: 600 }, { start: 700, end: 701 }])).toEqual([
      [{ start: 10, count: 255 }, { start: 265, count: 255 }],
      [{ start: 520, count: 80 }, { start: 700, count: 1 }],
    ]);
  });
});
