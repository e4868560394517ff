import { describe, expect, it } from 'vitest';
import { Fram } from '../../../src/fram/fram.js';
import { MemoryFramDevice } from '../../../src/fram/memory-device.js';
import { boardWith, check, fixture, reopen, sha } from './helpers.js';

const part = (f: Fram, name: string) => f.wear().find((w) => w.partition === name)!;

describe('wear counters', () => {
  it('count bytes and write operations per partition, skip identical writes, and survive a power cycle', () => {
    const { store, fram } = boardWith(fixture('calib'));
    const before = part(fram, 'values');
    fram.saveValue(0x10, Uint8Array.of(1, 2));
    const first = part(fram, 'values');
    expect(first.writes - before.writes).toBe(2); // body, commit byte (a blank cell's commit byte is already 0)
    fram.saveValue(0x10, Uint8Array.of(1, 3));
    fram.saveValue(0x10, Uint8Array.of(1, 4));
    const after = part(fram, 'values');
    expect(after.writes - first.writes).toBe(2 + 3); // the third save invalidates the older copy first
    expect(after.bytes - before.bytes).toBeGreaterThan(0);
    expect(part(fram, 'slot_a').bytes).toBeGreaterThan(100); // zero bytes of the image match the blank FRAM and are skipped
    const again = reopen(store);
    expect(part(again, 'values')).toEqual(after);
    const s = again.settings();
    again.writeSettings(s);
    again.writeSettings(s);
    const w2 = part(again, 'settings');
    again.writeSettings(s); // same payload over copies holding it: only seq, CRC and commit bytes change, in both mirrored copies
    const w3 = part(again, 'settings');
    expect(w3.writes - w2.writes).toBe(2 * 3);
    expect(w3.bytes - w2.bytes).toBeLessThanOrEqual(2 * (1 + 4 + 4 + 1));
    expect(reopen(store).map().wear).toEqual(reopen(store).wear());
  });
});

describe('factory reset', () => {
  it('wipes apps, values and settings; keeps trust, partition table and wear', () => {
    const { store, fram } = boardWith(fixture('calib'));
    fram.saveValue(0x10, Uint8Array.of(1, 2));
    fram.writeSettings({ ...fram.settings(), canNodeId: 7 });
    const trust = fram.trust();
    const wearBefore = part(fram, 'slot_a').bytes;
    fram.factoryReset();
    const f = reopen(store);
    expect(f.boot(check)).toEqual({ kind: 'empty' });
    expect(f.readValue(0x10)).toEqual({ status: 'missing', key: 0x10 });
    expect(f.settings().canNodeId).toBe(0);
    expect(f.trust()).toEqual(trust);
    expect(part(f, 'slot_a').bytes).toBeGreaterThan(wearBefore);
    const slotA = f.layout.slots[0];
    expect(store.subarray(slotA.headerOffset, slotA.dataOffset + 400).every((b) => b === 0)).toBe(true);
    expect(f.map()).toMatchObject({ empty: true, bootable: false, findings: [] });
  });
});

describe('FRAM map', () => {
  it('describes a healthy board with offsets, and is plain JSON', () => {
    const { fram } = boardWith(fixture('calib'));
    fram.saveValue(0x0201, Uint8Array.of(0x3e, 0x00));
    const m = fram.map();
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
    expect(m.findings).toEqual([]);
    expect(m.bootable).toBe(true);
    expect(m.superblocks.filter((s) => s.newest)).toHaveLength(1);
    expect(m.slots[0]).toMatchObject({ slot: 'A', role: 'active', appName: 'calib', size: 312, sha256: sha(fixture('calib')), verified: true, trial: false, source: 'can_master', headerOffset: 0x1900 });
    expect(m.values).toEqual([expect.objectContaining({ persistKey: 0x0201, f16: 0x3e00, status: 'valid', offset: 0x0900 })]);
    expect(m.trust?.boardId).toBe('00112233445566778899aabbccddeeff');
  });

  it('explains a torn superblock copy, and flags real corruption', () => {
    const { store, fram } = boardWith(fixture('calib'));
    const m0 = fram.map();
    const older = m0.superblocks.find((s) => !s.newest)!;
    store[older.offset] = 0; // interrupted write of the older copy
    store[older.offset + 3] = 0x55;
    expect(reopen(store).map().findings).toEqual([expect.objectContaining({ severity: 'info', code: 'superblock_copy_incomplete', offset: older.offset })]);
    const newer = m0.superblocks.find((s) => s.newest)!;
    store[newer.offset + 5]! ^= 0x10; // bit rot in the copy that counts
    const m = reopen(store).map();
    expect(m.findings).toContainEqual(expect.objectContaining({ severity: 'error', code: 'superblock_copy_corrupt', offset: newer.offset }));
    expect(m.bootable).toBe(false);
    expect(Fram.open(new MemoryFramDevice(store)).boot()).toMatchObject({ kind: 'recovery', reason: 'no_valid_superblock' });
  });
});
