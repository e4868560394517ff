/**
 * The target's answers to DATA it cannot take, frame by frame over the real
 * channel and link emulator (serveTarget on a FileSink, in virtual time), and
 * a BEGIN the board refuses as the host's `transfer` reports it.
 *
 * Frames to the target are built with the protocol's own codec
 * (encodeMessage) and the replies read back with decodeMessage, so what is
 * checked is what travels on the wire, not engine internals.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FrameFlag } from '../../src/protocol/constants.js';
import { decodeMessage, encodeMessage } from '../../src/protocol/messages.js';
import { TargetError, WireCode } from '../../src/protocol/messages-codes.js';
import type { Message } from '../../src/protocol/messages-types.js';
import type { FrameChannel } from '../../src/protocol/types.js';
import { image as hxe } from '../unit/board/helpers.js';
import { BoardRig } from './board-rig.js';
import { Rig } from './transfer-harness.js';

let rig: Rig | undefined;
let board: BoardRig | undefined;
afterEach(async () => {
  await rig?.dispose();
  await board?.dispose();
  rig = board = undefined;
});

const SESSION = 21;
const CHUNK = 8;
const SIZE = 64;
const WINDOW = 4;

/** Every message the target sends, decoded, in order. */
function replies(host: FrameChannel): Message[] {
  const got: Message[] = [];
  host.frames$.subscribe((f) => {
    if ((f.flags & FrameFlag.fromTarget) === 0) return;
    const d = decodeMessage(f.type, f.payload);
    if (d.ok) got.push(d.msg);
  });
  return got;
}

let seq = 100;
async function send(r: Rig, msg: Message, session = SESSION): Promise<void> {
  const { type, payload } = encodeMessage(msg);
  await r.clock.until(r.host.send({ type, flags: 0, session, seq: seq++, payload }));
  await r.clock.advanceTo(r.clock.now + 50); // every reply is in by then (2 ms latency)
}

const data = (offset: number, len = CHUNK): Message => ({ kind: 'data', offset, bytes: new Uint8Array(len).fill(offset & 0xff) });

/** A rig with one open session: SIZE bytes in CHUNK-byte chunks, window WINDOW, an ACK per chunk. */
async function openSession(): Promise<{ r: Rig; got: Message[] }> {
  const r = new Rig();
  rig = r;
  const got = replies(r.host);
  await send(r, { kind: 'begin', size: SIZE, crc32: 0, sha256: new Uint8Array(32).fill(3), slot: 0, imageKind: 0, chunk: CHUNK, window: WINDOW, ackEvery: 1, ackDelayMs: 0, fresh: true });
  expect(got.map((m) => m.kind)).toEqual(['session']);
  got.length = 0;
  return { r, got };
}

describe('target: DATA it cannot take', () => {
  it('answers a DATA that is not a chunk of the session (misaligned, wrong length, past the end) with NACK EBADMSG at its offset, storing nothing', async () => {
    const { r, got } = await openSession();
    await send(r, data(3));
    await send(r, data(0, 5));
    await send(r, data(SIZE));
    expect(got).toEqual([
      { kind: 'nack', code: WireCode.EBADMSG, offset: 3 },
      { kind: 'nack', code: WireCode.EBADMSG, offset: 0 },
      { kind: 'nack', code: WireCode.EBADMSG, offset: SIZE },
    ]);
    expect(r.target.counters.malformed).toBe(3);
    expect(r.target.counters.naksSent).toBe(3);
    expect((await r.sink.held())?.ranges ?? []).toEqual([]);
  });

  it('drops a DATA beyond the receive window without storing or answering it, and takes it once the window has moved', async () => {
    const { r, got } = await openSession();
    const beyond = WINDOW * CHUNK; // chunk 4 with nothing held: the window is chunks 0..3
    await send(r, data(beyond));
    expect(got).toEqual([]);
    expect(r.target.counters.outOfWindow).toBe(1);
    expect((await r.sink.held())?.ranges ?? []).toEqual([]);
    await send(r, data(0)); // chunk 0 arrives: the window is now chunks 1..4
    expect(got.map((m) => m.kind)).toEqual(['ack']);
    await send(r, data(beyond));
    expect(r.target.counters.outOfWindow).toBe(1);
    expect((await r.sink.held())?.ranges).toEqual([
      { start: 0, end: CHUNK },
      { start: beyond, end: beyond + CHUNK },
    ]);
  });

  it('answers a payload that does not decode with RESULT EBADMSG saying why', async () => {
    const { r, got } = await openSession();
    await r.clock.until(r.host.send({ type: encodeMessage(data(0)).type, flags: 0, session: SESSION, seq: seq++, payload: Uint8Array.of(1, 2, 3) }));
    await r.clock.advanceTo(r.clock.now + 50);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ kind: 'result', code: WireCode.EBADMSG });
    expect((got[0] as { detail: string }).detail.length).toBeGreaterThan(0);
    expect(r.target.counters.malformed).toBe(1);
  });
});

describe('host: a BEGIN the board refuses', () => {
  it('fails the transfer with a TargetError carrying the wire code, the link and what to check; nothing is written', async () => {
    board = new BoardRig({ framSize: 32 * 1024 });
    const big = hxe('too_big', { codeBytes: 24 * 1024 });
    const err = await board.provision(big).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetError);
    expect(err).toMatchObject({ code: 'ENOSPC', wireCode: WireCode.ENOSPC, link: expect.stringMatching(/ttyEMU0/) as unknown });
    expect((err as Error).message).toMatch(/BEGIN.*answered ENOSPC.*larger than the target slot/s);
    expect(await board.board.held()).toBeUndefined();
    expect(board.board.report().active).toBeNull();
  });
});
