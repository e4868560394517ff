import { describe, expect, it } from 'vitest';
import { ImageError } from '../../../src/hxe/errors.js';
import { Fram } from '../../../src/fram/fram.js';
import { MemoryFramDevice } from '../../../src/fram/memory-device.js';
import { boardWith, check, fixture, provision, reopen, sha } from './helpers.js';

const OLD = fixture('calib');
const NEW = fixture('motor_ctl');

describe('commit, boot, confirm, rollback, trial fallback', () => {
  it('a fresh board boots empty; an unformatted one boots into recovery', () => {
    expect(Fram.format(MemoryFramDevice.blank(32 * 1024)).boot()).toEqual({ kind: 'empty' });
    expect(Fram.open(MemoryFramDevice.blank(32 * 1024)).boot()).toMatchObject({ kind: 'recovery', reason: 'no_valid_superblock' });
  });

  it('commit activates the new image in trial; confirm makes it known-good; rollback returns to the old one', () => {
    const { store, fram } = boardWith(OLD);
    provision(fram, NEW, 100, 'uart');
    let r = reopen(store).boot(check);
    expect(r).toMatchObject({ kind: 'booted', slot: 'B', trial: true, bootAttempt: 1, image: { appName: 'motor_ctl', source: 'uart', sha256: sha(NEW) } });
    expect(fram.confirm()).toEqual({ slot: 'B', alreadyConfirmed: false });
    expect(fram.confirm()).toEqual({ slot: 'B', alreadyConfirmed: true });
    r = reopen(store).boot(check);
    expect(r).toMatchObject({ kind: 'booted', slot: 'B', trial: false });
    expect(fram.rollback(check)).toMatchObject({ from: 'B', to: 'A', image: { sha256: sha(OLD) } });
    expect(reopen(store).boot(check)).toMatchObject({ kind: 'booted', slot: 'A', trial: false });
    // the confirmed image rolled back from is the new rollback target
    expect(fram.rollback(check)).toMatchObject({ from: 'A', to: 'B' });
  });

  it('a trial image that is never confirmed falls back after N boots, reported as a rollback', () => {
    const { store, fram } = boardWith(OLD);
    fram.writeSettings({ ...fram.settings(), maxTrialBoots: 2 });
    provision(fram, NEW);
    expect(reopen(store).boot(check)).toMatchObject({ kind: 'booted', trial: true, bootAttempt: 1, maxAttempts: 2 });
    expect(reopen(store).boot(check)).toMatchObject({ kind: 'booted', trial: true, bootAttempt: 2 });
    expect(reopen(store).boot(check)).toMatchObject({ kind: 'rolled_back', reason: 'trial_exhausted', from: 'B', to: 'A', image: { sha256: sha(OLD) } });
    expect(reopen(store).boot(check)).toMatchObject({ kind: 'booted', slot: 'A', trial: false });
    expect(() => reopen(store).rollback()).toThrow(expect.objectContaining({ code: 'no_previous_image' }));
  });

  it('a corrupt active image falls back to the previous known-good one; with none left, recovery', () => {
    const { store, fram } = boardWith(OLD);
    provision(fram, NEW);
    const b = fram.layout.slots[1];
    store[b.dataOffset + 50]! ^= 0xff;
    expect(reopen(store).boot(check)).toMatchObject({ kind: 'rolled_back', reason: 'active_corrupt', from: 'B', to: 'A' });
    store[fram.layout.slots[0].dataOffset + 10]! ^= 0x01;
    expect(reopen(store).boot(check)).toMatchObject({ kind: 'recovery', reason: 'no_valid_image' });
    expect(reopen(store).map().bootable).toBe(false);
  });

  it('rollback without a previous image, staging during trial, and oversize images are refused', () => {
    const store = new Uint8Array(32 * 1024);
    const fram = Fram.format(new MemoryFramDevice(store));
    provision(fram, OLD);
    expect(() => fram.rollback()).toThrow(expect.objectContaining({ code: 'no_previous_image' }));
    expect(() => fram.beginStaging({ size: NEW.length, sha256: sha(NEW), source: 'host_file' })).toThrow(expect.objectContaining({ code: 'trial_pending' }));
    fram.confirm();
    expect(() => fram.beginStaging({ size: 20_000, sha256: sha(NEW), source: 'host_file' })).toThrow(expect.objectContaining({ code: 'image_too_large' }));
    expect(() => fram.commit(check)).toThrow(expect.objectContaining({ code: 'no_staging' }));
  });

  it('a board in recovery because its trial image is corrupt (no previous) accepts a new image', () => {
    const store = new Uint8Array(32 * 1024);
    const fram = Fram.format(new MemoryFramDevice(store));
    provision(fram, OLD);
    store[fram.layout.slots[0].dataOffset + 10]! ^= 0x01;
    const after = reopen(store);
    expect(after.boot(check)).toMatchObject({ kind: 'recovery', reason: 'no_valid_image' });
    expect(after.beginStaging({ size: NEW.length, sha256: sha(NEW), source: 'uart' })).toMatchObject({ slot: 'B', resumed: false });
    after.writeStaged(0, NEW);
    expect(after.commit(check)).toMatchObject({ slot: 'B', image: { appName: 'motor_ctl' } });
    expect(reopen(store).boot(check)).toMatchObject({ kind: 'booted', slot: 'B', trial: true });
  });

  it('staging resumes after a power cycle with the held ranges; commit needs every byte', () => {
    const { store, fram } = boardWith(OLD);
    fram.beginStaging({ size: NEW.length, sha256: sha(NEW), source: 'can_master' });
    fram.writeStaged(0, NEW.subarray(0, 100));
    fram.writeStaged(200, NEW.subarray(200, 300));
    fram.writeStaged(0, NEW.subarray(0, 100)); // retransmission
    expect(() => fram.commit(check)).toThrow(expect.objectContaining({ code: 'staging_incomplete' }));
    const after = reopen(store);
    expect(after.staging()).toMatchObject({ slot: 'B', held: [{ start: 0, end: 100 }, { start: 200, end: 300 }], complete: false });
    const st = after.beginStaging({ size: NEW.length, sha256: sha(NEW), source: 'can_master' });
    expect(st.resumed).toBe(true);
    expect(st.missing).toEqual([{ start: 100, end: 200 }, { start: 300, end: NEW.length }]);
    for (const m of st.missing) after.writeStaged(m.start, NEW.subarray(m.start, m.end));
    expect(after.commit(check)).toMatchObject({ slot: 'B', previous: 'A', image: { appName: 'motor_ctl' } });
    expect(after.staging()).toBeNull();
  });

  it('bytes that do not match the announced SHA-256 reset the staging; an image the HXE check rejects keeps the old one active', () => {
    const { store, fram } = boardWith(OLD);
    fram.beginStaging({ size: NEW.length, sha256: sha(OLD.subarray(0, NEW.length)), source: 'can_master' });
    fram.writeStaged(0, NEW);
    expect(() => fram.commit(check)).toThrow(expect.objectContaining({ code: 'staged_image_mismatch' }));
    expect(fram.staging()).toMatchObject({ held: [] });

    const bad = NEW.slice();
    bad[0x70]! ^= 0xff; // a code byte: the HXE CRC no longer matches
    fram.beginStaging({ size: bad.length, sha256: sha(bad), source: 'can_master' });
    fram.writeStaged(0, bad);
    let err: unknown;
    try {
      fram.commit(check);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ImageError);
    expect((err as ImageError).code).toBe('crc_mismatch');
    expect(reopen(store).boot(check)).toMatchObject({ kind: 'booted', slot: 'A', image: { sha256: sha(OLD) } });
    expect(() => fram.writeStaged(bad.length - 1, Uint8Array.of(1, 2))).toThrow(expect.objectContaining({ code: 'out_of_range' }));
  });
});
