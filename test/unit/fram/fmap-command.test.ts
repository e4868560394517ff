/** `hilbridge fmap` as a user runs it: the real program in a child process on FRAM image files. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hilbridge } from '../cli/child-cli.js';
import { boardWith, fixture, provision } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'hilbridge-fmap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hilbridge fmap', () => {
  it('prints slots, values and findings with offsets; exits 0 for a bootable board, 1 when nothing can boot, 2 for unreadable files', async () => {
    const { store, fram } = boardWith(fixture('calib'));
    fram.saveValue(0x0201, Uint8Array.of(0x3e, 0x00));
    provision(fram, fixture('motor_ctl'));
    const ok = join(dir, 'ok.fram');
    writeFileSync(ok, store);
    const human = await hilbridge('fmap', '--fram', ok);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('bootable');
    expect(human.stdout).toMatch(/slot B 0x4c00 \[active\] header valid verified motor_ctl 392 B .* trial \(0 boots\)/);
    expect(human.stdout).toContain('value 0x0900 key 0x0201 valid seq 1 3e00');

    const json = await hilbridge('fmap', '--fram', ok, '--json');
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { ok: boolean; map: { slots: { role: string; appName: string }[] } };
    expect(parsed.map.slots.map((s) => [s.role, s.appName])).toEqual([['previous', 'calib'], ['active', 'motor_ctl']]);

    for (const s of fram.layout.slots) store[s.dataOffset + 40]! ^= 0xff;
    const bad = join(dir, 'bad.fram');
    writeFileSync(bad, store);
    const broken = await hilbridge('fmap', '--fram', bad);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('NOT BOOTABLE');
    expect(broken.stdout).toMatch(/ERROR active_slot_invalid at 0x4c00/);

    expect((await hilbridge('fmap', '--fram', join(dir, 'none.fram'))).code).toBe(2);
    const tiny = join(dir, 'tiny.fram');
    writeFileSync(tiny, new Uint8Array(1024));
    const t = await hilbridge('fmap', '--fram', tiny, '--json');
    expect(t.code).toBe(2);
    expect(JSON.parse(t.stdout)).toMatchObject({ ok: false, error: { code: 'not_a_fram_image' } });
  }, 30_000);
});
