/**
 * openCard and checkCard on both card formats (a directory and a FAT image
 * of the same files): the manifest, streaming an entry through the image
 * reader interface, and every refusal naming the entry (wrong hash, missing
 * file, unknown field), with each entry getting its own result.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify as stringifyToml } from 'smol-toml';
import { buildBundle } from '../../../src/bundle/index.js';
import { UsageError } from '../../../src/errors.js';
import { SdError, bootOrder, checkCard, openCard, planCard, writeFatImage } from '../../../src/sd/index.js';
import { toHex } from '../../../src/util/hex.js';
import { FORMATS, sample, sampleCard, tempDir, writeDir } from './helpers.js';

async function refusal(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(Error);
  return e as Error;
}

describe.each(FORMATS)('a %s card', (_label, write) => {
  it('opens, lists its entries and streams each through the image reader interface', async () => {
    const { files } = sampleCard({ nodes: [4] });
    const card = await openCard(write(files));
    try {
      expect(card.manifestFile).toBe('hilbridge.json');
      expect(card.entries.map((e) => [e.name, e.priority, e.nodes])).toEqual([
        ['motor_ctl', 0, [4]],
        ['telemetry', 1, [4]],
        ['calib', 2, [4]],
      ]);
      for (const e of card.entries) {
        const r = await card.openEntry(e);
        expect(r.size).toBe(e.size);
        expect(toHex(r.sha256)).toBe(e.sha256);
        const want = files[e.path] as Uint8Array;
        expect(Buffer.from(await r.read(0, r.size)).equals(Buffer.from(want))).toBe(true);
        expect(Buffer.from(await r.read(100, 7)).equals(Buffer.from(want.subarray(100, 107)))).toBe(true);
        await expect(r.read(r.size - 1, 2)).rejects.toThrow(/cannot read 2 bytes/);
        await r.close();
      }
      const report = await checkCard(card);
      expect(report.ok).toBe(true);
      expect(report.findings).toEqual([]);
      expect(bootOrder(card.entries, 4).map((e) => e.name)).toEqual(['motor_ctl', 'telemetry', 'calib']);
      expect(bootOrder(card.entries, 5)).toEqual([]);
    } finally {
      await card.close();
    }
  });

  it('a wrong hash: openEntry refuses (sd_hash_mismatch naming the entry), checkCard reports it and still checks the others', async () => {
    const { files, manifest } = sampleCard();
    (manifest.images[1] as { sha256: string }).sha256 = 'b'.repeat(64);
    files['hilbridge.json'] = JSON.stringify(manifest);
    const card = await openCard(write(files));
    const e = await refusal(card.openEntry(card.entries[1]!));
    expect(e).toBeInstanceOf(SdError);
    expect((e as SdError).code).toBe('sd_hash_mismatch');
    expect(e.message).toMatch(/entry 1 \("telemetry"\).*"images\/telemetry\.hxe" has SHA-256 c827b82c.*the manifest says bbbb/);
    expect((e as SdError).field).toBe('images[1].sha256');
    const report = await checkCard(card);
    expect(report.ok).toBe(false);
    expect(report.entries.map((x) => x.ok)).toEqual([true, false, true]);
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({ code: 'sd_hash_mismatch', entry: 1, field: 'images[1].sha256' });
    await card.close();
  });

  it('a missing file and a wrong size: sd_missing_file and sd_size_mismatch, naming the entry', async () => {
    const { files, manifest } = sampleCard();
    delete files['images/calib.hxe'];
    (manifest.images[0] as { size: number }).size = 391;
    files['hilbridge.json'] = JSON.stringify(manifest);
    const card = await openCard(write(files));
    const missing = await refusal(card.openEntry(card.entries[2]!));
    expect((missing as SdError).code).toBe('sd_missing_file');
    expect(missing.message).toMatch(/entry 2 \("calib"\).*"images\/calib\.hxe" is not on the card/);
    expect(((await refusal(card.openEntry(card.entries[0]!))) as SdError).code).toBe('sd_size_mismatch');
    const report = await checkCard(card);
    expect(report.findings.map((f) => [f.code, f.entry])).toEqual([
      ['sd_size_mismatch', 0],
      ['sd_missing_file', 2],
    ]);
    expect(report.entries[2]).toMatchObject({ ok: false, size: null, sha256: null });
    await card.close();
  });

  it('an unknown field: openCard refuses, naming the manifest, the entry and the field', async () => {
    const { files, manifest } = sampleCard();
    manifest.images[2]!.bootDelay = 5;
    files['hilbridge.json'] = JSON.stringify(manifest);
    const path = write(files);
    const e = await refusal(openCard(path));
    expect((e as SdError).code).toBe('sd_manifest_invalid');
    expect(e.message).toContain(`${path}${path.endsWith('.img') ? ':' : '/'}hilbridge.json: entry 2 ("calib"), field images[2].bootDelay: unknown field "bootDelay"`);
  });

  it('reads a TOML manifest (hilbridge.toml) the same as the JSON one', async () => {
    const { files, manifest } = sampleCard();
    delete files['hilbridge.json'];
    files['hilbridge.toml'] = stringifyToml(manifest);
    const card = await openCard(write(files));
    expect(card.manifestFile).toBe('hilbridge.toml');
    expect(card.entries.map((e) => e.name)).toEqual(['motor_ctl', 'telemetry', 'calib']);
    expect((await checkCard(card)).ok).toBe(true);
    await card.close();
  });

  it('no manifest, or two: sd_manifest_missing, sd_manifest_ambiguous', async () => {
    const { files } = sampleCard();
    const none = { ...files };
    delete none['hilbridge.json'];
    expect(((await refusal(openCard(write(none)))) as SdError).code).toBe('sd_manifest_missing');
    expect(((await refusal(openCard(write({ ...files, 'hilbridge.toml': 'version = 1' })))) as SdError).code).toBe('sd_manifest_ambiguous');
  });

  it('content checks: the HXE verifier, the kind, the app name, a bundle through the bundle verifier', async () => {
    const bundle = buildBundle([{ kind: 'hxe', bytes: sample('calib').bytes }], { securityCounter: 9 }).bytes;
    const plan = planCard([sample('motor_ctl'), { source: 'b.hxb', bytes: bundle }, sample('telemetry')]);
    expect(plan.entries.map((e) => [e.kind, e.appName, e.version, e.path])).toEqual([
      ['hxe', 'motor_ctl', 0, 'images/motor_ctl.hxe'],
      ['bundle', 'calib', 9, 'images/calib.hxb'],
      ['hxe', 'telemetry', 0, 'images/telemetry.hxe'],
    ]);
    const files: Record<string, Uint8Array | string> = {};
    for (const f of plan.files) files[f.path] = f.bytes;
    const ok = await openCard(write(files));
    expect((await checkCard(ok)).findings).toEqual([]);
    await ok.close();
    // a corrupted HXE (CRC), a bundle entry that says the wrong version, an hxe entry that is a bundle
    const m = JSON.parse(plan.manifest) as { images: Record<string, unknown>[] };
    const bad = new Uint8Array(files['images/motor_ctl.hxe'] as Uint8Array);
    bad[200] = (bad[200] ?? 0) ^ 1;
    files['images/motor_ctl.hxe'] = bad;
    m.images[0]!.sha256 = toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bad)));
    m.images[1]!.version = 8;
    m.images[2]!.path = 'images/calib.hxb';
    m.images[2]!.sha256 = plan.entries[1]!.sha256;
    m.images[2]!.size = plan.entries[1]!.size;
    files['hilbridge.json'] = JSON.stringify(m);
    const card = await openCard(write(files));
    const report = await checkCard(card);
    expect(report.findings.map((f) => [f.code, f.entry, f.field])).toEqual([
      ['sd_image_invalid', 0, 'images[0].path'],
      ['sd_version_mismatch', 1, 'images[1].version'],
      ['sd_kind_mismatch', 2, 'images[2].kind'],
    ]);
    expect(report.findings[0]!.message).toMatch(/entry 0 \("motor_ctl"\): "images\/motor_ctl\.hxe" is not a valid HXE image \[crc_mismatch\]/);
    expect(report.entries.map((e) => e.ok)).toEqual([false, false, false]);
    await card.close();
  });
});

describe('manifest rules (checkCard)', () => {
  it('duplicate names, a missing fallback, a fallback for other nodes, a fallback loop, a priority shared on a node, a FRAM key twice, an unknown FRAM key', async () => {
    const { files, manifest } = sampleCard();
    const [a, b, c] = manifest.images;
    Object.assign(a!, { fallback: 'telemetry', nodes: [1, 2], values: [{ key: 5, raw: 1 }, { key: 5, raw: 2 }] });
    Object.assign(b!, { fallback: 'motor_ctl', priority: 0, nodes: [2] });
    Object.assign(c!, { name: 'telemetry', fallback: 'nothing', priority: 0, nodes: [3] });
    files['hilbridge.json'] = JSON.stringify(manifest);
    const card = await openCard(writeDir(files));
    const report = await checkCard(card);
    const codes = report.findings.map((f) => `${f.severity}:${f.code}:${f.entry}`);
    expect(codes).toEqual([
      'warning:sd_value_unknown_key:0',
      'warning:sd_value_unknown_key:0',
      'error:sd_duplicate_name:2',
      'error:sd_fallback_nodes:0',
      'error:sd_fallback_loop:0',
      'error:sd_fallback_loop:1',
      'error:sd_fallback_missing:2',
      'error:sd_priority_conflict:1',
      'error:sd_duplicate_value:0',
    ]);
    expect(report.findings.find((f) => f.code === 'sd_fallback_nodes')).toMatchObject({ field: 'images[0].fallback' });
    expect(report.findings.find((f) => f.code === 'sd_fallback_nodes')?.message).toMatch(/fallback "telemetry" \(entry 1\) is for nodes 2, not for every node this entry is for \(1,2\)/);
    expect(report.findings.find((f) => f.code === 'sd_fallback_loop')?.message).toMatch(/motor_ctl -> telemetry -> motor_ctl/);
    expect(report.findings.find((f) => f.code === 'sd_priority_conflict')?.message).toMatch(/entry 1 \("telemetry"\): priority 0 is also entry 0 \("motor_ctl"\)'s, and both are for node 2/);
  });
});

describe('what is not a card', () => {
  it('a FIFO or a device: file_not_regular at once; a missing path: file_unreadable', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const p of [fifo, '/dev/zero']) {
      const e = await refusal(openCard(p));
      expect(e).toBeInstanceOf(UsageError);
      expect((e as UsageError).code).toBe('file_not_regular');
    }
    expect(((await refusal(openCard(join(dir, 'nope')))) as UsageError).code).toBe('file_unreadable');
  });

  it('a file that is no FAT image: sd_fat_boot; an entry symlinked out of the card: sd_path_invalid', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'x.img'), new Uint8Array(4096));
    expect(((await refusal(openCard(join(dir, 'x.img')))) as SdError).code).toBe('sd_fat_boot');
    const { files } = sampleCard();
    const card = writeDir(files);
    const outside = join(tempDir(), 'outside.hxe');
    writeFileSync(outside, files['images/calib.hxe'] as Uint8Array);
    rmSync(join(card, 'images/calib.hxe'));
    symlinkSync(outside, join(card, 'images/calib.hxe'));
    const c = await openCard(card);
    const e = await refusal(c.openEntry(c.entries[2]!));
    expect((e as SdError).code).toBe('sd_path_invalid');
    expect(e.message).toMatch(/outside the card/);
  });

  it('a manifest past its cap inside a FAT image: sd_file_too_large, nothing read', async () => {
    const path = join(tempDir(), 'big.img');
    writeFileSync(path, writeFatImage([{ path: 'hilbridge.json', bytes: new Uint8Array(1024 * 1024 + 1).fill(0x20) }], 4 * 1024 * 1024));
    const e = await refusal(openCard(path));
    expect((e as SdError).code).toBe('sd_file_too_large');
    expect(e.message).toMatch(/hilbridge\.json is 1048577 bytes; a manifest is at most 1048576/);
  });

  it('more than 256 entries: sd_manifest_invalid', async () => {
    const { files, manifest } = sampleCard();
    manifest.images = Array.from({ length: 257 }, (_, i) => ({ ...manifest.images[0], name: `e${i}`, priority: i }));
    files['hilbridge.json'] = JSON.stringify(manifest);
    const e = await refusal(openCard(writeDir(files)));
    expect((e as SdError).code).toBe('sd_manifest_invalid');
    expect(e.message).toMatch(/field images: .*256/);
  });

  it('a manifest past its cap is refused before it is read whole', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'images'));
    writeFileSync(join(dir, 'hilbridge.json'), ' '.repeat(1024 * 1024 + 1));
    expect(((await refusal(openCard(dir))) as UsageError).code).toBe('file_too_large');
  });
});
