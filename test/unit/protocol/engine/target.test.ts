import { afterEach, describe, expect, it } from 'vitest';
import { abortSession, confirm, factoryReset, fmap, query, rollback, status } from '../../../../src/protocol/engine/host-commands.js';
import { request } from '../../../../src/protocol/engine/request.js';
import { TargetState, transfer } from '../../../../src/protocol/engine/index.js';
import { bytesImageReader } from '../../../../src/image/reader.js';
import { HoldState } from '../../../../src/protocol/messages-types.js';
import { incoming, nextSeq, sendMessage } from '../../../../src/protocol/engine/wire.js';
import { createHash } from 'node:crypto';
import { crc32 } from '../../../../src/util/digest.js';
import { Rig, image } from '../../../integration/transfer-harness.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

const sha = new Uint8Array(32).fill(7);

describe('serveTarget commands over the real channel', () => {
  it('answers HELLO with its limits and the negotiated minimum is used', async () => {
    rig = new Rig({ serve: { window: 4, maxChunk: 512 } });
    const peer = await rig.connect();
    expect(peer).toMatchObject({ window: 4, maxChunk: 512, maxFrame: 4116 });
    expect(peer.info.slots).toEqual([{ slot: 0, state: 'empty' }]);
  });

  it('QUERY, STATUS, FMAP, CONFIRM, ROLLBACK, FACTORY_RESET and ABORT', async () => {
    rig = new Rig();
    const o = { scheduler: rig.clock.scheduler };
    const c = rig.clock;
    expect((await c.until(query(rig.host, 10, sha, o))).state).toBe(HoldState.none);
    expect(await c.until(status(rig.host, o))).toMatchObject({ state: 'empty', session: 0, slots: [{ slot: 0, state: 'empty' }] });
    expect(await c.until(fmap(rig.host, o))).toEqual([{ name: 'image', offset: 0, size: 256 * 1024 * 1024 }]);
    await expect(c.until(rollback(rig.host, 0, o))).rejects.toMatchObject({ code: 'ENOTSUP', link: '/dev/ttyEMU0 (host end)' });
    await expect(c.until(confirm(rig.host, 0, o))).rejects.toMatchObject({ code: 'ESRCH' });
    const img = image(5000);
    await rig.result(img);
    await c.until(confirm(rig.host, 0, o));
    expect((await c.until(status(rig.host, o))).state).toBe('committed');
    await c.until(factoryReset(rig.host, o));
    expect((await c.until(status(rig.host, o))).state).toBe('empty');
    await c.until(abortSession(rig.host, 0, o));
  });

  it('refuses a BEGIN above its limits and answers undecodable payloads with EBADMSG', async () => {
    rig = new Rig({ serve: { window: 4 } });
    const o = { scheduler: rig.clock.scheduler, timeoutMs: 200, tries: 2, what: 'BEGIN' };
    const begin = { kind: 'begin' as const, size: 10, crc32: 0, sha256: sha, slot: 0, imageKind: 0 as const, chunk: 8, window: 5, ackEvery: 1, ackDelayMs: 0, fresh: false };
    await expect(rig.clock.until(request(rig.host, begin, ['session'], { ...o, session: 9 }))).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(rig.clock.until(request(rig.host, { kind: 'hello', version: 1, maxChunk: 1, window: 1, maxFrame: 100 }, ['session'], { ...o, what: 'INFO' }))).rejects.toMatchObject({ code: 'peer_timeout' });
    await rig.clock.until(rig.host.send({ type: 0x05, flags: 0, session: 9, seq: 77, payload: Uint8Array.of(1, 2, 3) }));
    await rig.clock.advanceTo(rig.clock.now + 50);
    expect(rig.target.counters.malformed).toBe(1);
  });

  it('a repeated BEGIN of the open session is a retransmission, fresh or not: what arrived since is kept', async () => {
    rig = new Rig();
    const o = { scheduler: rig.clock.scheduler, timeoutMs: 200, tries: 2, what: 'BEGIN', session: 9 };
    const begin = { kind: 'begin' as const, size: 16, crc32: 0, sha256: sha, slot: 0, imageKind: 0 as const, chunk: 8, window: 4, ackEvery: 1, ackDelayMs: 0, fresh: true };
    expect(await rig.clock.until(request(rig.host, begin, ['session'], o))).toMatchObject({ state: HoldState.none });
    await rig.clock.until(sendMessage(rig.host, { kind: 'data', offset: 0, bytes: new Uint8Array(8).fill(1) }, 9, nextSeq(rig.host)));
    await rig.clock.advanceTo(rig.clock.now + 50);
    // the host did not see the first SESSION reply and sends the same BEGIN again
    expect(await rig.clock.until(request(rig.host, begin, ['session'], o))).toMatchObject({ state: HoldState.partial, ranges: [{ start: 0, end: 8 }] });
    // a BEGIN with fresh under another session id does start over
    expect(await rig.clock.until(request(rig.host, begin, ['session'], { ...o, session: 10 }))).toMatchObject({ state: HoldState.none });
  });

  it('a refused BEGIN from anyone else leaves the open session alone; BEGIN with session 0 is refused EINVAL', async () => {
    rig = new Rig();
    const o = { scheduler: rig.clock.scheduler, timeoutMs: 200, tries: 2, what: 'BEGIN', session: 9 };
    const img = new Uint8Array(16).fill(3);
    const begin = { kind: 'begin' as const, size: 16, crc32: 0, sha256: sha, slot: 0, imageKind: 0 as const, chunk: 8, window: 4, ackEvery: 1, ackDelayMs: 0, fresh: true };
    await rig.clock.until(request(rig.host, begin, ['session'], o));
    await rig.clock.until(sendMessage(rig.host, { kind: 'data', offset: 0, bytes: img.subarray(0, 8) }, 9, nextSeq(rig.host)));
    await rig.clock.advanceTo(rig.clock.now + 50);
    await expect(rig.clock.until(request(rig.host, { ...begin, size: 0xffffffff }, ['session'], { ...o, session: 10 }))).rejects.toMatchObject({ code: 'ENOSPC' });
    const zero = rig.clock.until(request(rig.host, begin, ['session'], { ...o, session: 0 })).then(() => undefined, (e: unknown) => e as Error & { code: string });
    expect(await zero).toMatchObject({ code: 'EINVAL' });
    expect((await zero)?.message).toMatch(/session 0 is reserved for frames outside a transfer/);
    expect(rig.target.session).toBe(9);
    expect(rig.target.state).toBe(TargetState.Receiving);
    const naks = rig.target.counters.naksSent;
    await rig.clock.until(sendMessage(rig.host, { kind: 'data', offset: 8, bytes: img.subarray(8) }, 9, nextSeq(rig.host)));
    await rig.clock.advanceTo(rig.clock.now + 50);
    expect(rig.target.counters.naksSent).toBe(naks);
    expect((await rig.sink.held())?.ranges).toEqual([{ start: 0, end: 16 }]);
  });

  it('one receive session for every sink: BEGIN of another image while one receives is EBUSY unless fresh; an ABORT for another session leaves it alone', async () => {
    rig = new Rig();
    const o = { scheduler: rig.clock.scheduler, timeoutMs: 200, tries: 2, what: 'BEGIN', session: 9 };
    const begin = { kind: 'begin' as const, size: 16, crc32: 0, sha256: sha, slot: 0, imageKind: 0 as const, chunk: 8, window: 4, ackEvery: 1, ackDelayMs: 0, fresh: false };
    await rig.clock.until(request(rig.host, begin, ['session'], o));
    await rig.clock.until(sendMessage(rig.host, { kind: 'data', offset: 0, bytes: new Uint8Array(8).fill(1) }, 9, nextSeq(rig.host)));
    await rig.clock.advanceTo(rig.clock.now + 50);
    const other = { ...begin, sha256: new Uint8Array(32).fill(8) };
    await expect(rig.clock.until(request(rig.host, other, ['session'], { ...o, session: 11 }))).rejects.toMatchObject({ code: 'EBUSY' });
    await rig.clock.until(abortSession(rig.host, 12, { scheduler: rig.clock.scheduler }));
    expect(rig.target.session).toBe(9);
    expect((await rig.sink.held())?.ranges).toEqual([{ start: 0, end: 8 }]);
    // the same image under another id resumes (its host restarted); fresh under another id replaces
    expect(await rig.clock.until(request(rig.host, begin, ['session'], { ...o, session: 13 }))).toMatchObject({ state: HoldState.partial, ranges: [{ start: 0, end: 8 }] });
    expect(await rig.clock.until(request(rig.host, { ...other, fresh: true }, ['session'], { ...o, session: 14 }))).toMatchObject({ state: HoldState.none });
    expect(rig.target.session).toBe(14);
  });

  it('after DONE, a repeated DATA of that session is answered with an ACK of the whole image, never ESRCH', async () => {
    rig = new Rig();
    const o = { scheduler: rig.clock.scheduler, timeoutMs: 200, tries: 2, what: 'BEGIN', session: 21 };
    const img = new Uint8Array(16).fill(5);
    const begin = { kind: 'begin' as const, size: 16, crc32: crc32(img), sha256: new Uint8Array(createHash('sha256').update(img).digest()), slot: 0, imageKind: 0 as const, chunk: 8, window: 4, ackEvery: 1, ackDelayMs: 0, fresh: true };
    await rig.clock.until(request(rig.host, begin, ['session'], o));
    for (const at of [0, 8]) await rig.clock.until(sendMessage(rig.host, { kind: 'data', offset: at, bytes: img.subarray(at, at + 8) }, 21, nextSeq(rig.host)));
    expect(await rig.clock.until(request(rig.host, { kind: 'end' }, ['done'], { ...o, what: 'END' }))).toMatchObject({ size: 16 });
    const acks: unknown[] = [];
    const sub = incoming(rig.host, true).subscribe((m) => {
      if (m.ok && m.session === 21 && (m.msg.kind === 'ack' || m.msg.kind === 'nack')) acks.push(m.msg);
    });
    const naks = rig.target.counters.naksSent;
    await rig.clock.until(sendMessage(rig.host, { kind: 'data', offset: 8, bytes: img.subarray(8) }, 21, nextSeq(rig.host)));
    await rig.clock.advanceTo(rig.clock.now + 50);
    sub.unsubscribe();
    expect(acks).toEqual([{ kind: 'ack', cumulative: 16, bitmap: new Uint8Array(0) }]);
    expect(rig.target.counters.naksSent).toBe(naks);
  });

  it('suspends a session after the inter-chunk timeout, keeping its data for resume', async () => {
    rig = new Rig({ serve: { interChunkTimeoutMs: 300 } });
    const img = image(64 * 1024);
    const peer = await rig.connect();
    const sub = transfer(rig.host, bytesImageReader(img), { peer, scheduler: rig.clock.scheduler }).subscribe({ error: () => undefined });
    await rig.clock.advanceTo(rig.clock.now + 150);
    sub.unsubscribe(); // the host goes away without a word
    expect(rig.target.state).toBe(TargetState.Receiving);
    await rig.clock.advanceTo(rig.clock.now + 400);
    expect(rig.target.state).toBe(TargetState.Idle);
    expect(rig.target.session).toBe(0);
    const kept = await rig.sink.held();
    const keptBytes = kept!.ranges.reduce((n, x) => n + x.end - x.start, 0);
    expect(keptBytes).toBeGreaterThan(0);
    const r = await rig.result(img, { peer });
    expect(r.resumed).toBe(true);
    expect(r.counters.bytesSent).toBe(img.length - keptBytes);
  });
});
