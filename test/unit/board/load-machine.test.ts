import { describe, expect, it } from 'vitest';
import { VirtualTimeScheduler } from 'rxjs';
import { Capability } from '../../../src/hxe/constants.js';
import { MemoryFramDevice } from '../../../src/fram/index.js';
import { ImageKind } from '../../../src/protocol/messages-types.js';
import { LoadState } from '../../../src/board/load-machine.js';
import { BoardEventSchema } from '../../../src/board/events.js';
import { FRAM_SIZE, beginFor, codeOf, image, load, openBoard, record, sha } from './helpers.js';

const OLD = image('old_app');
const NEW = image('new_app', { codeBytes: 1024 });

/** A board whose slot A holds OLD, confirmed. */
async function withOld(over: Parameters<typeof openBoard>[1] = {}, scheduler = new VirtualTimeScheduler()) {
  const chip = new Uint8Array(FRAM_SIZE);
  const board = openBoard(chip, over, scheduler);
  await load(board, OLD);
  await board.confirm(0xff);
  return { chip, board, scheduler };
}

function expectOldActive(board: ReturnType<typeof openBoard>): void {
  const r = board.report();
  expect(r.active).toBe('A');
  expect(r.slots.find((s) => s.slot === 'A')?.sha256).toBe(sha(OLD));
  expect(board.executive.slot?.appName).toBe('old_app');
}

describe('load machine: the happy path', () => {
  it('IDLE -> LOADING -> READY, with started, progress and complete events that validate', async () => {
    const board = openBoard(new Uint8Array(FRAM_SIZE));
    const events = record(board);
    expect(board.state).toBe(LoadState.IDLE);
    const r = await board.begin(beginFor(NEW));
    expect(r).toEqual({ resumed: false, ranges: [] });
    expect(board.state).toBe(LoadState.LOADING);
    for (let o = 0; o < NEW.length; o += 100) await board.write(o, NEW.subarray(o, o + 100));
    const done = await board.end();
    expect(board.state).toBe(LoadState.READY);
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
    const { board } = await withOld();
    await board.begin(beginFor(NEW));
    await board.write(512, NEW.subarray(512, 1024));
    expect(board.loaderSession()?.verifiedBytes).toBe(0);
    await board.write(0, NEW.subarray(0, 512));
    await board.write(0, NEW.subarray(0, 512));
    expect(board.loaderSession()?.verifiedBytes).toBe(1024);
    await board.write(1024, NEW.subarray(1024));
    await board.end();
    expect(board.report().slots.find((s) => s.slot === 'B')).toMatchObject({ state: 'trial', sha256: sha(NEW) });
  });
});

describe('load machine: request errors leave the state as it was', () => {
  it('ESRCH: write and end with no session, also after READY and after FAILED', async () => {
    const { board } = await withOld();
    expect(board.state).toBe(LoadState.READY);
    expect(await codeOf(board.write(0, NEW.subarray(0, 4)))).toBe('ESRCH');
    expect(await codeOf(board.end())).toBe('ESRCH');
    await board.begin(beginFor(NEW));
    const bad = NEW.slice();
    bad[0] = 0;
    expect(await codeOf(board.write(0, bad.subarray(0, 64)))).toBe('bad_magic');
    expect(board.state).toBe(LoadState.FAILED);
    await expect(board.write(64, NEW.subarray(64, 128))).rejects.toThrow(/last one failed with bad_magic/);
  });

  it('EBADMSG: zero size, bad digest length, chunk beyond the image', async () => {
    const board = openBoard(new Uint8Array(FRAM_SIZE));
    expect(await codeOf(board.begin(beginFor(NEW, { size: 0 })))).toBe('EBADMSG');
    expect(await codeOf(board.begin(beginFor(NEW, { sha256: new Uint8Array(31) })))).toBe('EBADMSG');
    expect(board.state).toBe(LoadState.IDLE);
    await board.begin(beginFor(NEW));
    expect(await codeOf(board.write(NEW.length - 10, new Uint8Array(11)))).toBe('EBADMSG');
    expect(await codeOf(board.write(-1, new Uint8Array(1)))).toBe('EBADMSG');
    expect(board.state).toBe(LoadState.LOADING);
  });

  it('ENOSPC: an image larger than the slot; EINVAL: raw image kind or the active slot', async () => {
    const { board } = await withOld();
    const capacity = board.fram.layout.slots[0].capacity;
    expect(await codeOf(board.begin(beginFor(NEW, { size: capacity + 1 })))).toBe('ENOSPC');
    expect(await codeOf(board.begin(beginFor(NEW, { imageKind: ImageKind.raw })))).toBe('EINVAL');
    expect(await codeOf(board.begin(beginFor(NEW, { slot: 0 })))).toBe('EINVAL');
    expect((await board.begin(beginFor(NEW, { slot: 1 }))).resumed).toBe(false);
  });

  it('EBUSY: BEGIN of another image while one is loading; the same image resumes; fresh replaces', async () => {
    const board = openBoard(new Uint8Array(FRAM_SIZE));
    const events = record(board);
    await board.begin(beginFor(NEW));
    await board.write(0, NEW.subarray(0, 300));
    expect(await codeOf(board.begin(beginFor(OLD)))).toBe('EBUSY');
    expect(board.state).toBe(LoadState.LOADING);
    expect(await board.begin(beginFor(NEW))).toEqual({ resumed: true, ranges: [{ start: 0, end: 300 }] });
    await board.begin(beginFor(OLD, { fresh: true }));
    expect(events.filter((e) => e.type === 'provisioning.aborted')).toHaveLength(1);
    expect((await board.held())?.size).toBe(OLD.length);
  });

  it('a refused BEGIN changes nothing: the loading session, its FRAM journal and the slots stay as they were', async () => {
    const { chip, board } = await withOld();
    await board.begin(beginFor(NEW));
    await board.write(0, NEW.subarray(0, 300));
    const before = chip.slice();
    const capacity = board.fram.layout.slots[0].capacity;
    expect(await codeOf(board.begin(beginFor(OLD)))).toBe('EBUSY');
    expect(await codeOf(board.begin(beginFor(OLD, { size: capacity + 1, fresh: true })))).toBe('ENOSPC');
    expect(await codeOf(board.begin(beginFor(OLD, { slot: 0, fresh: true })))).toBe('EINVAL');
    expect(await codeOf(board.begin(beginFor(OLD, { sha256: new Uint8Array(31), fresh: true })))).toBe('EBADMSG');
    expect(chip).toEqual(before);
    expect(board.state).toBe(LoadState.LOADING);
    expect(await board.held()).toMatchObject({ size: NEW.length, ranges: [{ start: 0, end: 300 }] });
  });

  it('after ROLLBACK, a fresh BEGIN of the image rolled back from is answered with nothing held', async () => {
    const { board } = await withOld();
    await load(board, NEW);
    await board.confirm(0xff);
    await board.rollback(0xff);
    expect(await board.held()).toBeUndefined();
    expect(await board.begin(beginFor(NEW, { fresh: true }))).toEqual({ resumed: false, ranges: [] });
  });

  it('EBUSY: a new image while the active one is still in trial', async () => {
    const board = openBoard(new Uint8Array(FRAM_SIZE));
    await load(board, OLD);
    const err = await board.begin(beginFor(NEW)).then(() => undefined, (e: unknown) => e as Error & { code: string });
    expect(err?.code).toBe('EBUSY');
    expect(err?.message).toMatch(/trial/);
  });

  it('EAGAIN: END before every byte is held', async () => {
    const board = openBoard(new Uint8Array(FRAM_SIZE));
    await board.begin(beginFor(NEW));
    await board.write(0, NEW.subarray(0, 500));
    await expect(board.end()).rejects.toMatchObject({ code: 'EAGAIN', offset: 500 });
    expect(board.state).toBe(LoadState.LOADING);
  });
});

describe('load machine: verification failures go to FAILED, free the staging, keep the old image', () => {
  async function failing(bytes: Uint8Array, over: Parameters<typeof openBoard>[1] = {}, begin = beginFor(bytes)) {
    const { board } = await withOld(over);
    const events = record(board);
    await board.begin(begin);
    let code = 'resolved';
    let failedAt: number | 'end' = 'end';
    try {
      for (let o = 0; o < bytes.length; o += 128) {
        failedAt = o;
        await board.write(o, bytes.subarray(o, o + 128));
      }
      failedAt = 'end';
      await board.end();
    } catch (e) {
      code = (e as { code: string }).code;
    }
    expect(board.state).toBe(LoadState.FAILED);
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

describe('load machine: FAILED and FRAM failures', () => {
  it('FAILED -> begin -> LOADING -> READY', async () => {
    const { board } = await withOld();
    await board.begin(beginFor(NEW, { crc32: 1 }));
    await board.write(0, NEW);
    expect(await codeOf(board.end())).toBe('crc_mismatch');
    expect(board.state).toBe(LoadState.FAILED);
    await board.begin(beginFor(NEW));
    expect(board.state).toBe(LoadState.LOADING);
    await board.write(0, NEW);
    await board.end();
    expect(board.state).toBe(LoadState.READY);
  });

  it('a power cut during DATA is EIO; after the reboot the old image runs', async () => {
    const { chip } = await withOld();
    const board = openBoard(new Uint8Array(0), { fram: { device: new MemoryFramDevice(chip, { cutPowerAfterBytes: 300 }) } });
    await board.begin(beginFor(NEW));
    expect(await codeOf(board.write(0, NEW))).toBe('EIO');
    expect(board.state).toBe(LoadState.FAILED);
    expectOldActive(openBoard(chip));
  });
});

describe('load machine: abort, suspend and resume', () => {
  it('abort: LOADING -> IDLE, staging freed, aborted event; idempotent', async () => {
    const { board } = await withOld();
    const events = record(board);
    await board.begin(beginFor(NEW));
    await board.write(0, NEW.subarray(0, 400));
    await board.abort();
    expect(board.state).toBe(LoadState.IDLE);
    expect(await board.held()).toBeUndefined();
    await board.abort();
    expect(events.filter((e) => e.type === 'provisioning.aborted')).toEqual([expect.objectContaining({ bytesWritten: 400, total: NEW.length, phase: 'ABORTING' })]);
    expectOldActive(board);
    expect(board.report().slots.find((s) => s.slot === 'B')?.state).not.toBe('staging');
  });

  it('an idle session is suspended in virtual time: its bytes stay for a resume, another image may begin', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { board } = await withOld({ suspendAfterMs: 5000 }, scheduler);
    await board.begin(beginFor(NEW));
    await board.write(0, NEW.subarray(0, 256));
    scheduler.maxFrames = 4999;
    scheduler.flush();
    expect(board.state).toBe(LoadState.LOADING);
    scheduler.maxFrames = Infinity;
    scheduler.flush();
    expect(board.state).toBe(LoadState.IDLE);
    expect((await board.held())?.ranges).toEqual([{ start: 0, end: 256 }]);
    expect(await board.begin(beginFor(NEW))).toEqual({ resumed: true, ranges: [{ start: 0, end: 256 }] });
  });

  it('resume after a power cycle: the new boot re-verifies the held prefix from FRAM and completes', async () => {
    const { chip, board } = await withOld();
    await board.begin(beginFor(NEW));
    await board.write(0, NEW.subarray(0, 600));
    board.powerOff();
    const again = openBoard(chip);
    expectOldActive(again);
    expect((await again.held())?.ranges).toEqual([{ start: 0, end: 600 }]);
    const r = await again.begin(beginFor(NEW));
    expect(r.resumed).toBe(true);
    expect(again.loaderSession()?.verifiedBytes).toBe(600);
    await again.write(600, NEW.subarray(600));
    await again.end();
    expect(again.executive.slot?.appName).toBe('new_app');
  });
});
