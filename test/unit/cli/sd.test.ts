/**
 * `hilbridge sd write` and `sd check` as a process: the same images give
 * the same card, byte for byte (a directory and a FAT image, from copies in
 * two directories with other mtimes); check's exit codes and findings; what
 * the command line gets wrong is exit 2.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, hilbridge } from './child-cli.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'hilbridge-sd-cli-'));
const SAMPLES = ['motor_ctl', 'telemetry', 'calib'].map((n) => join(ROOT, 'samples', `${n}.hxe`));

/** Copies of the samples in a fresh directory, with an mtime of `when`. */
function copies(when: number): string[] {
  const dir = tempDir();
  return SAMPLES.map((s) => {
    const to = join(dir, s.split('/').pop() ?? 'x');
    copyFileSync(s, to);
    utimesSync(to, when, when);
    return to;
  });
}

function tree(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, tree(dir, rel));
    else out[rel] = readFileSync(join(dir, rel)).toString('hex');
  }
  return out;
}

describe('hilbridge sd write', () => {
  it('twice gives identical cards: a FAT image byte for byte, a directory file for file', async () => {
    const out = tempDir();
    const [a, b] = [copies(1_000_000), copies(2_000_000)];
    const args = ['--priority', '5,1,3', '--nodes', '3,1'];
    const w1 = await hilbridge('sd', 'write', join(out, 'one.img'), ...(a ?? []), ...args, '--json');
    const w2 = await hilbridge('sd', 'write', join(out, 'two.img'), ...(b ?? []), ...args);
    expect(w1.code, w1.stderr).toBe(0);
    expect(w2.code, w2.stderr).toBe(0);
    expect(readFileSync(join(out, 'one.img')).equals(readFileSync(join(out, 'two.img')))).toBe(true);
    const line = JSON.parse(w1.stdout) as { event: string; format: string; size: number; entries: { name: string; priority: number; nodes: number[] }[] };
    expect(line).toMatchObject({ event: 'sd_written', format: 'fat', size: 4 * 1024 * 1024 });
    expect(line.entries.map((e) => [e.name, e.priority, e.nodes])).toEqual([
      ['motor_ctl', 5, [1, 3]],
      ['telemetry', 1, [1, 3]],
      ['calib', 3, [1, 3]],
    ]);
    expect(w2.stdout).toMatch(/^wrote SD card .*two\.img \(FAT image, 4194304 bytes, sha256 [0-9a-f]{64}\): 3 images/);

    const d1 = await hilbridge('sd', 'write', join(out, 'dir1'), ...(a ?? []), ...args);
    const d2 = await hilbridge('sd', 'write', join(out, 'dir2'), ...(b ?? []), ...args);
    expect(d1.code, d1.stderr).toBe(0);
    expect(d2.code).toBe(0);
    const t1 = tree(join(out, 'dir1'));
    expect(Object.keys(t1).sort()).toEqual(['hilbridge.json', 'images/calib.hxe', 'images/motor_ctl.hxe', 'images/telemetry.hxe']);
    expect(tree(join(out, 'dir2'))).toEqual(t1);
    // writing over an existing card gives the same card again, and drops images only the old manifest listed
    expect((await hilbridge('sd', 'write', join(out, 'dir1'), ...(a ?? []).slice(0, 2), '--priority', '5,1')).code).toBe(0);
    expect(Object.keys(tree(join(out, 'dir1'))).sort()).toEqual(['hilbridge.json', 'images/motor_ctl.hxe', 'images/telemetry.hxe']);
    expect((await hilbridge('sd', 'write', join(out, 'dir1'), ...(a ?? []), ...args)).code).toBe(0);
    expect(tree(join(out, 'dir1'))).toEqual(t1);
    // the manifest inside the FAT image is the directory's
    const check = await hilbridge('sd', 'check', join(out, 'one.img'));
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/one\.img: FAT image, manifest hilbridge\.json, 3 entries: OK \(0 errors, 0 warnings\)/);
  });

  it('refuses what it cannot lay out: exit 2 for usage, exit 1 for an image that is not one', async () => {
    const out = tempDir();
    const img = SAMPLES[0] ?? '';
    let r = await hilbridge('sd', 'write', join(out, 'c.img'), img, '--priority', '1,2');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--priority has 2 values for 1 images/);
    r = await hilbridge('sd', 'write', join(out, 'd'), img, '--size', '8');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--size applies to a FAT image/);
    r = await hilbridge('sd', 'write', join(out, 'c.img'), img, '--nodes', '0');
    expect(r.code).toBe(2);
    writeFileSync(join(out, 'junk.bin'), 'not an image');
    r = await hilbridge('sd', 'write', join(out, 'c.img'), join(out, 'junk.bin'), '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ event: 'error', error: { code: 'sd_image_invalid' } });
    // a card sd check would refuse is not written: the finding's code, exit 1
    r = await hilbridge('sd', 'write', join(out, 'prio.img'), img, SAMPLES[1] ?? '', '--priority', '1,1', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ event: 'error', error: { code: 'sd_priority_conflict', field: 'images[1].priority' } });
    expect(readdirSync(out).filter((n) => n.startsWith('prio'))).toEqual([]);
    const notCard = tempDir();
    writeFileSync(join(notCard, 'thesis.txt'), 'precious');
    r = await hilbridge('sd', 'write', notCard, img);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/card_not_empty/);
    expect(readFileSync(join(notCard, 'thesis.txt'), 'utf8')).toBe('precious');
  });
});

describe('hilbridge sd check', () => {
  it('prints every finding and exits 1: a wrong hash and an unknown field name the entry', async () => {
    const out = tempDir();
    expect((await hilbridge('sd', 'write', join(out, 'card'), ...SAMPLES)).code).toBe(0);
    const mf = join(out, 'card', 'hilbridge.json');
    const m = JSON.parse(readFileSync(mf, 'utf8')) as { images: Record<string, unknown>[] };
    m.images[1]!.sha256 = '0'.repeat(64);
    m.images[2]!.size = 1;
    writeFileSync(mf, JSON.stringify(m));
    let r = await hilbridge('sd', 'check', join(out, 'card'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAILED \(2 errors, 0 warnings\)/);
    expect(r.stdout).toMatch(/ERROR \[sd_hash_mismatch\] entry 1 \("telemetry"\)/);
    expect(r.stdout).toMatch(/ERROR \[sd_size_mismatch\] entry 2 \("calib"\)/);
    r = await hilbridge('sd', 'check', join(out, 'card'), '--json');
    const line = JSON.parse(r.stdout) as { event: string; ok: boolean; findings: { code: string; entry: number }[] };
    expect(line).toMatchObject({ event: 'sd_check', ok: false });
    expect(line.findings.map((f) => [f.code, f.entry])).toEqual([
      ['sd_hash_mismatch', 1],
      ['sd_size_mismatch', 2],
    ]);
    m.images[0]!.colour = 'red';
    writeFileSync(mf, JSON.stringify(m));
    r = await hilbridge('sd', 'check', join(out, 'card'), '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ event: 'error', ok: false, error: { code: 'sd_manifest_invalid', field: 'images[0].colour' } });
    expect(r.stdout).toMatch(/entry 0 \(\\"motor_ctl\\"\), field images\[0\]\.colour: unknown field/);
  });

  it('a FIFO is refused at once (exit 2), never opened', async () => {
    const fifo = join(tempDir(), 'fifo');
    execFileSync('mkfifo', [fifo]);
    const r = await hilbridge('sd', 'check', fifo);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error \[file_not_regular\]: SD card ".*fifo" is a FIFO/);
  });
});
