import { describe, expect, it } from 'vitest';
import { VirtualTimeScheduler } from 'rxjs';
import { Capability } from '../../../src/hxe/constants.js';
import { MemoryFramDevice } from '../../../src/fram/index.js';
import { ImageKind } from '../../../src/protocol/messages-types.js';
import { TargetState } from '../../../src/protocol/engine/target-types.js';
import { BoardEventSchema } from '../../../src/board/events.js';
import { FRAM_SIZE, Loading, beginFor, codeOf, image, load, openBoard, record, sha } from './helpers.js';

const OLD = image('old_app');
const NEW = image('new_app', { codeBytes: 1024 });

/** A board whose slot A holds OLD, confirmed. */
async function withOld(over: Parameters<typeof openBoard>[1] = {}, scheduler = new VirtualTimeScheduler()) {
  const chip = new Uint8Array(FRAM_SIZE);
  const board = openBoard(chip, over, scheduler);
  await load(board, OLD);
  await board.confirm(0xff);
  return { chip, board, scheduler, ld: new Loading(board, { scheduler }) };
}

function expectOldActive(board: ReturnType<typeof openBoard>): void {
  const r = board.report();
  expect(r.active).toBe('A');
  expect(r.slots.find((s) => s.slot === 'A')?.sha256).toBe(sha(OLD));
  expect(board.executive.slot?.appName).toBe('old_app');
}

describe('loading through the receive session: the happy path', () => {
  it('IDLE -> LOADING -> READY, with started, progress and complete events that validate', async () => {
    const board = openBoard(new Uint8Array(FRAM_SIZE));
    const ld = new Loading(board);
    const events = record(board);
    expect(board.state).toBe('IDLE');
    const r = await ld.begin(beginFor(NEW));
    expect(r).toEqual({ resumed: false, ranges: [] });
    expect(ld.state).toBe(TargetState.Receiving);
    for (let o = 0; o < NEW.length; o += 100) await ld.write(o, NEW.subarray(o, o + 100));
    const done = await ld.end();
    expect(board.state).toBe('READY');
    expect(done.slot).toBe(0);
    expect(done.size).toBe(NEW.length);
    expect(board.report().trial).toBe(true);
    for (const e of events) expect(BoardEventSchema.safeParse(e).success).toBe(true);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('provisioning.started');
    expect(types.at(-1)).toBe('provisioning.complete');
    expect(types.filter((t) => t === 'provisioning.progress')).toHaveLength(Math.ceil(NEW.length / 100));
    const last = events.filter((e) => e.type === 'provisioning.progress').at(-1);
    expect(last).toMatchObject({ bytesWritten: NEW.length, total: NEW.length, verifiedBytes: NEW.length });
    const pid = events[0]?.pid;
    expect(events.every((e) => e.pid === pid)).toBe(true);
    expect(board.executive.slot?.pid).toBe(pid);
  });

  it('accepts chunks out of order and rewritten chunks; verifies as the prefix grows', async () => {
    const { board, ld } = await withOld();
    await ld.begin(beginFor(NEW));
    await ld.write(512, NEW.subarray(512, 1024));
    expect(board.loaderSession()?.verifiedBytes).toBe(0);
    await ld.write(0, NEW.subarray(0, 512));
    await ld.write(0, NEW.subarray(0, 512));
    expect(board.loaderSession()?.verifiedBytes).toBe(1024);
    await ld.write(1024, NEW.subarray(1024));
    await ld.end();
    expect(board.report().slots.find((s) => s.slot === 'B')).toMatchObject({ state: 'trial', sha256: sha(NEW) });
  });
});

describe('loading through the receive session: request errors leave the state as it was', () => {
  it('ESRCH: write and end with no session, also after READY and after FAILED', async () => {
    const { board, ld } = await withOld();
    expect(board.state).toBe('READY');
    expect(await codeOf(ld.write(0, NEW.subarray(0, 4)))).toBe('ESRCH');
    expect(await codeOf(ld.end())).toBe('ESRCH');
    await ld.begin(beginFor(NEW));
    const bad = NEW.slice();
    bad[0] = 0;
    expect(await codeOf(ld.write(0, bad.subarray(0, 64)))).toBe('bad_magic');
    expect(board.state).toBe('FAILED');
    await expect(ld.write(64, NEW.subarray(64, 128))).rejects.toThrow(/last one failed with bad_magic/);
  });

  it('EBADMSG: zero size, bad digest length, chunk beyond the image', async () => {
    const board = openBoard(new Uint8Array(FRAM_SIZE));
    const ld = new Loading(board);
    expect(await codeOf(ld.begin(beginFor(NEW, { size: 0 })))).toBe('EBADMSG');
    expect(await codeOf(ld.begin(beginFor(NEW, { sha256: new Uint8Array(31) })))).toBe('EBADMSG');
    expect(board.state).toBe('IDLE');
    await ld.begin(beginFor(NEW));
    expect(await codeOf(ld.write(NEW.length - 10, new Uint8Array(11)))).toBe('EBADMSG');
    expect(await codeOf(ld.write(-1, new Uint8Array(1)))).toBe('EBADMSG');
    expect(ld.state).toBe(TargetState.Receiving);
  });

  it('ENOSPC: an image larger than the slot; EINVAL: raw image kind or the active slot', async () => {
    const { board, ld } = await withOld();
    const capacity = board.fram.layout.slots[0].capacity;
    expect(await codeOf(ld.begin(beginFor(NEW, { size: capacity + 1 })))).toBe('ENOSPC');
    expect(await codeOf(ld.begin(beginFor(NEW, { imageKind: ImageKind.raw })))).toBe('EINVAL');
    expect(await codeOf(ld.begin(beginFor(NEW, { slot: 0 })))).toBe('EINVAL');
    expect((await ld.begin(beginFor(NEW, { slot: 1 }))).resumed).toBe(false);
  });

  it('EBUSY: BEGIN of another image while one is loading; the same image resumes; fresh replaces', async () => {
    const board = openBoard(new Uint8Array(FRAM_SIZE));
    const ld = new Loading(board);
    const events = record(board);
    await ld.begin(beginFor(NEW));
    await ld.write(0, NEW.subarray(0, 300));
    expect(await codeOf(ld.begin(beginFor(OLD)))).toBe('EBUSY');
    expect(ld.state).toBe(TargetState.Receiving);
    expect(await ld.begin(beginFor(NEW))).toEqual({ resumed: true, ranges: [{ start: 0, end: 300 }] });
    await ld.begin(beginFor(OLD, { fresh: true }));
    expect(events.filter((e) => e.type === 'provisioning.aborted')).toHaveLength(1);
    expect((await ld.held())?.size).toBe(OLD.length);
  });

  it('a refused BEGIN changes nothing: the loading session, its FRAM journal and the slots stay as they were', async () => {
    const { chip, board, ld } = await withOld();
    await ld.begin(beginFor(NEW));
    await ld.write(0, NEW.subarray(0, 300));
    const before = chip.slice();
    const capacity = board.fram.layout.slots[0].capacity;
    expect(await codeOf(ld.begin(beginFor(OLD)))).toBe('EBUSY');
    expect(await codeOf(ld.begin(beginFor(OLD, { size: capacity + 1, fresh: true })))).toBe('ENOSPC');
    expect(await codeOf(ld.begin(beginFor(OLD, { slot: 0, fresh: true })))).toBe('EINVAL');
    expect(await codeOf(ld.begin(beginFor(OLD, { sha256: new Uint8Array(31), fresh: true })))).toBe('EBADMSG');
    expect(chip).toEqual(before);
    expect(ld.state).toBe(TargetState.Receiving);
    expect(await ld.held()).toMatchObject({ size: NEW.length, ranges: [{ start: 0, end: 300 }] });
  });

  it('after ROLLBACK, a fresh BEGIN of the image rolled back from is answered with nothing held', async () => {
    const { board, ld } = await withOld();
    await load(board, NEW);
    await board.confirm(0xff);
    await board.rollback(0xff);
    expect(await ld.held()).toBeUndefined();
    expect(await ld.begin(beginFor(NEW, { fresh: true }))).toEqual({ resumed: false, ranges: [] });
  });

  it('EBUSY: a new image while the active one is still in trial', async () => {
    const board = openBoard(new Uint8Array(FRAM_SIZE));
    const ld = new Loading(board);
    await load(board, OLD);
    const err = await ld.begin(beginFor(NEW)).then(() => undefined, (e: unknown) => e as Error & { code: string });
    expect(err?.code).toBe('EBUSY');
    expect(err?.message).toMatch(/trial/);
  });

  it('EAGAIN: END before every byte is held', async () => {
    const board = openBoard(new Uint8Array(FRAM_SIZE));
    const ld = new Loading(board);
    await ld.begin(beginFor(NEW));
    await ld.write(0, NEW.subarray(0, 500));
    await expect(ld.end()).rejects.toMatchObject({ code: 'EAGAIN', offset: 500 });
    expect(ld.state).toBe(TargetState.Receiving);
  });
});

describe('loading through the receive session: verification failures go to FAILED, free the staging, keep the old image', () => {
  async function failing(bytes: Uint8Array, over: Parameters<typeof openBoard>[1] = {}, begin = beginFor(bytes)) {
    const { board, ld } = await withOld(over);
    const events = record(board);
    await ld.begin(begin);
    let code = 'resolved';
    let failedAt: number | 'end' = 'end';
    try {
      for (let o = 0; o < bytes.length; o += 128) {
        failedAt = o;
        await ld.write(o, bytes.subarray(o, o + 128));
      }
      failedAt = 'end';
      await ld.end();
    } catch (e) {
      code = (e as { code: string }).code;
    }
    expect(board.state).toBe('FAILED');
    expect(await board.held()).toBeUndefined();
    expectOldActive(board);
    const err = events.find((e) => e.type === 'provisioning.error');
    expect(err).toMatchObject({ code, phase: 'FAILED' });
    return { code, board, failedAt };
  }

  it('bad_magic while the transfer runs (early-bad header)', async () => {
    const bad = NEW.slice();
    bad[1] = 0x41;
    expect(await failing(bad)).toMatchObject({ code: 'bad_magic', failedAt: 0 });
  });

  it('crc_mismatch: the image is corrupt (HXE CRC)', async () => {
    const bad = NEW.slice();
    bad[200] = (bad[200] ?? 0) ^ 0xff;
    expect((await failing(bad)).code).toBe('crc_mismatch');
  });

  it('crc_mismatch / sha256_mismatch: BEGIN announced other checksums', async () => {
    expect((await failing(NEW, {}, beginFor(NEW, { crc32: 1234 }))).code).toBe('crc_mismatch');
    expect((await failing(NEW, {}, beginFor(NEW, { sha256: new Uint8Array(32).fill(7) }))).code).toBe('sha256_mismatch');
  });

  it('missing_capability as soon as the header arrives', async () => {
    const needsCan = image('can_app', { reqCaps: Capability.can, codeBytes: 1024 });
    expect(await failing(needsCan, { capabilities: Capability.mailbox })).toMatchObject({ code: 'missing_capability', failedAt: 0 });
  });

  it('over_budget against the configured limits', async () => {
    const big = image('big', { codeBytes: 2048 });
    expect(await failing(big, { limits: { code: 1024, rodata: 1024, ram: 4096, stack: 512 } })).toMatchObject({ code: 'over_budget', failedAt: 0 });
  });

  it('EEXIST: a single-instance app of that name already runs', async () => {
    const dup = image('calib', { codeBytes: 512 });
    expect(await failing(dup, { residentApps: [{ image: image('calib'), source: 'sd_manifest' }] })).toMatchObject({ code: 'EEXIST', failedAt: 'end' });
  });

  it('a multi-instance app beside a resident one runs as <name>_#0', async () => {
    const resident = image('telemetry', { allowMultipleInstances: true });
    const { board } = await withOld({ residentApps: [{ image: resident, source: 'sd_manifest' }] });
    await load(board, image('telemetry', { allowMultipleInstances: true, codeBytes: 512 }));
    expect(board.apps.map((a) => [a.instance, a.source])).toEqual([
      ['telemetry', 'sd_manifest'],
      ['telemetry_#0', 'uart'],
    ]);
  });
});

describe('loading through the receive session: FAILED and FRAM failures', () => {
  it('FAILED -> begin -> LOADING -> READY', async () => {
    const { board, ld } = await withOld();
    await ld.begin(beginFor(NEW, { crc32: 1 }));
    await ld.write(0, NEW);
    expect(await codeOf(ld.end())).toBe('crc_mismatch');
    expect(board.state).toBe('FAILED');
    await ld.begin(beginFor(NEW));
    expect(ld.state).toBe(TargetState.Receiving);
    await ld.write(0, NEW);
    await ld.end();
    expect(board.state).toBe('READY');
  });

  it('a power cut during DATA is EIO; after the reboot the old image runs', async () => {
    const { chip } = await withOld();
    const board = openBoard(new Uint8Array(0), { fram: { device: new MemoryFramDevice(chip, { cutPowerAfterBytes: 300 }) } });
    const ld = new Loading(board);
    await ld.begin(beginFor(NEW));
    expect(await codeOf(ld.write(0, NEW))).toBe('EIO');
    expect(board.state).toBe('FAILED');
    expectOldActive(openBoard(chip));
  });
});

describe('loading through the receive session: abort, suspend and resume', () => {
  it('abort: LOADING -> IDLE, staging freed, aborted event; idempotent', async () => {
    const { board, ld } = await withOld();
    const events = record(board);
    await ld.begin(beginFor(NEW));
    await ld.write(0, NEW.subarray(0, 400));
    await ld.abort();
    expect(board.state).toBe('IDLE');
    expect(await ld.held()).toBeUndefined();
    await ld.abort();
    expect(events.filter((e) => e.type === 'provisioning.aborted')).toEqual([expect.objectContaining({ bytesWritten: 400, total: NEW.length, phase: 'ABORTING' })]);
    expectOldActive(board);
    expect(board.report().slots.find((s) => s.slot === 'B')?.state).not.toBe('staging');
  });

  it('an idle session is suspended in virtual time: its bytes stay for a resume, another image may begin', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { board } = await withOld({}, scheduler);
    const ld = new Loading(board, { scheduler, interChunkTimeoutMs: 5000 });
    await ld.begin(beginFor(NEW));
    await ld.write(0, NEW.subarray(0, 256));
    scheduler.maxFrames = 4999;
    scheduler.flush();
    expect(ld.state).toBe(TargetState.Receiving);
    scheduler.maxFrames = Infinity;
    scheduler.flush();
    expect(ld.state).toBe(TargetState.Idle);
    expect(board.state).toBe('IDLE');
    expect((await ld.held())?.ranges).toEqual([{ start: 0, end: 256 }]);
    expect(await ld.begin(beginFor(NEW))).toEqual({ resumed: true, ranges: [{ start: 0, end: 256 }] });
  });

  it('resume after a power cycle: the new boot re-verifies the held prefix from FRAM and completes', async () => {
    const { chip, board, ld } = await withOld();
    await ld.begin(beginFor(NEW));
    await ld.write(0, NEW.subarray(0, 600));
    board.powerOff();
    const again = openBoard(chip);
    const ag = new Loading(again);
    expectOldActive(again);
    expect((await ag.held())?.ranges).toEqual([{ start: 0, end: 600 }]);
    const r = await ag.begin(beginFor(NEW));
    expect(r.resumed).toBe(true);
    expect(again.loaderSession()?.verifiedBytes).toBe(600);
    await ag.write(600, NEW.subarray(600));
    await ag.end();
    expect(again.executive.slot?.appName).toBe('new_app');
  });
});
