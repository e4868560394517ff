/** The boot configuration record (src/fram/bootcfg.ts): bytes, defaults, placement, factory reset, a damaged copy. */
import { describe, expect, it } from 'vitest';
import { BOOTCFG_PAYLOAD, bootcfgSpec, decodeBootConfig, encodeBootConfig, readBootConfig } from '../../../src/fram/bootcfg.js';
import { readSettings, settingsSpec } from '../../../src/fram/settings.js';
import { recordSize } from '../../../src/fram/record.js';
import { DEFAULT_BOOT_CONFIG } from '../../../src/fram/index.js';
import { boardWith, fixture, reopen } from './helpers.js';

describe('boot configuration record', () => {
  it('round-trips, and packs into the payload documented in docs/fram.md', () => {
    const cfg = { order: ['sd', 'host'] as ('host' | 'sd' | 'can')[], images: ['motor_ctl', 'calib'], failed: ['00112233aabbccdd'], stopped: ['sd'] as ('host' | 'sd')[] };
    const p = encodeBootConfig(cfg);
    expect(p.length).toBe(BOOTCFG_PAYLOAD);
    expect([...p.subarray(0, 4)]).toEqual([2, 1, 0, 2]);
    expect(Buffer.from(p.subarray(4, 13)).toString('latin1')).toBe('motor_ctl');
    expect(p[24]).toBe(0x63); // 'c' of calib at +4 + 20
    expect(p[64]).toBe(1);
    expect(Buffer.from(p.subarray(65, 73)).toString('hex')).toBe('00112233aabbccdd');
    expect(p[81]).toBe(2); // stopped sources: bit 1 the SD card
    expect(p[82]).toBe(0);
    expect(decodeBootConfig(p)).toEqual(cfg);
  });

  it('refuses a source or an image named twice, and a name that does not fit', () => {
    expect(() => encodeBootConfig({ order: ['sd', 'sd'], images: [], failed: [], stopped: [] })).toThrow(/twice/);
    expect(() => encodeBootConfig({ order: [], images: [], failed: [], stopped: [] })).toThrow(/empty/);
    expect(() => encodeBootConfig({ order: ['sd'], images: ['a'.repeat(21)], failed: [], stopped: [] })).toThrow(/1\.\.20/);
  });

  it('sits in the spare room after each settings copy, inside the settings partition, and leaves the settings alone', () => {
    const { fram } = boardWith(fixture('calib'));
    const L = fram.layout;
    const spec = bootcfgSpec(L);
    const settingsEnd = L.settings[0] + recordSize(8 + 16);
    expect(spec.offsets[0]).toBeGreaterThanOrEqual(settingsEnd);
    expect(spec.offsets[0] + recordSize(8 + BOOTCFG_PAYLOAD)).toBeLessThanOrEqual(L.settings[1]);
    expect(spec.offsets[1] + recordSize(8 + BOOTCFG_PAYLOAD)).toBeLessThanOrEqual(L.settings[0] + 0x100);
    expect(readBootConfig(fram.device, L)).toEqual({ config: DEFAULT_BOOT_CONFIG, stored: false });
    fram.writeSettings({ ...fram.settings(), canNodeId: 7 });
    fram.writeBootConfig({ order: ['can'], images: [], failed: [], stopped: [] });
    expect(readSettings(fram.device, L).settings.canNodeId).toBe(7);
    expect(readSettings(fram.device, L).stored).toBe(true);
    expect(fram.bootConfig()).toEqual({ config: { order: ['can'], images: [], failed: [], stopped: [] }, stored: true });
    expect(settingsSpec(L).offsets).toEqual(L.settings); // the settings record did not move
  });

  it('is wiped by a factory reset (the default order applies again)', () => {
    const { fram, store } = boardWith(fixture('calib'));
    fram.writeBootConfig({ order: ['can'], images: ['x'], failed: [], stopped: [] });
    fram.factoryReset();
    expect(reopen(store).bootConfig()).toEqual({ config: DEFAULT_BOOT_CONFIG, stored: false });
  });

  it('a flipped bit in one copy leaves the other, and the map names the damaged copy', () => {
    const { fram } = boardWith(fixture('calib'));
    const cfg = { order: ['sd', 'can'] as ('host' | 'sd' | 'can')[], images: ['calib'], failed: [], stopped: [] };
    fram.writeBootConfig(cfg);
    const off = bootcfgSpec(fram.layout).offsets[1] + 10;
    const dev = fram.device;
    const b = dev.read(off, 1);
    dev.write(off, Uint8Array.of((b[0] ?? 0) ^ 0x04));
    expect(fram.bootConfig().config).toEqual(cfg);
    expect(fram.map().findings.map((f) => f.code)).toContain('bootcfg_copy_corrupt');
  });
});
