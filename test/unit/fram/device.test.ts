import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileFramDevice } from '../../../src/fram/file-device.js';
import { MemoryFramDevice } from '../../../src/fram/memory-device.js';
import { Fram } from '../../../src/fram/fram.js';
import { boardWith, check, fixture, sha } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'hilbridge-fram-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('FRAM device', () => {
  it('refuses devices under 32 KiB and I/O outside the device', () => {
    expect(() => MemoryFramDevice.blank(32 * 1024 - 1)).toThrow(expect.objectContaining({ code: 'fram_too_small' }));
    const d = MemoryFramDevice.blank(32 * 1024);
    expect(() => d.read(32 * 1024 - 1, 2)).toThrow(expect.objectContaining({ code: 'out_of_range' }));
    expect(() => d.write(-1, Uint8Array.of(1))).toThrow(expect.objectContaining({ code: 'out_of_range' }));
  });

  it('skips identical bytes: no bytes counted, no write operation', () => {
    const d = MemoryFramDevice.blank(32 * 1024);
    expect(d.write(100, Uint8Array.of(1, 2, 3))).toBe(3);
    expect(d.write(100, Uint8Array.of(1, 2, 3))).toBe(0);
    expect(d.write(100, Uint8Array.of(1, 9, 3))).toBe(1);
    expect(d.stats).toEqual({ bytesWritten: 4, writeOps: 2 });
  });

  it('a power cut tears a write: the bytes before the cut land, then all I/O is refused until reopened', () => {
    const store = new Uint8Array(32 * 1024);
    const d = new MemoryFramDevice(store, { cutPowerAfterBytes: 2 });
    expect(() => d.write(10, Uint8Array.of(1, 2, 3, 4))).toThrow(expect.objectContaining({ code: 'power_failure', offset: 12 }));
    expect([...store.subarray(10, 14)]).toEqual([1, 2, 0, 0]);
    expect(d.powerFailed).toBe(true);
    expect(() => d.read(0, 1)).toThrow(expect.objectContaining({ code: 'power_failure' }));
    expect(new MemoryFramDevice(store).read(10, 4)).toEqual(Uint8Array.of(1, 2, 0, 0));
  });

  it('file-backed: a board survives close and reopen (the power cycle)', () => {
    const path = join(dir, 'board.fram');
    const { store } = boardWith(fixture('calib'));
    const f1 = FileFramDevice.open(path, { size: store.length });
    f1.write(0, store);
    f1.close();
    const fram = Fram.open(FileFramDevice.open(path));
    const r = fram.boot(check);
    expect(r.kind === 'booted' && r.image.sha256).toBe(sha(fixture('calib')));
    fram.saveValue(0x10, Uint8Array.of(0x51, 0x40));
    fram.device.close();
    const again = Fram.open(FileFramDevice.open(path, { size: store.length }));
    expect(again.readValue(0x10)).toMatchObject({ status: 'found', bytes: Uint8Array.of(0x51, 0x40) });
    again.device.close();
    expect(() => FileFramDevice.open(path, { size: 64 * 1024 })).toThrow(expect.objectContaining({ code: 'io_error' }));
    expect(() => FileFramDevice.open(join(dir, 'missing.fram'))).toThrow(expect.objectContaining({ code: 'io_error' }));
  });
});
