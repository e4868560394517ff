/**
 * The FAT reader and writer against Debian's tools: what mkfs.vfat + mcopy
 * make (FAT12, FAT16, FAT32; long names, a subdirectory, a fragmented file)
 * the reader reads byte for byte; what the writer writes fsck.fat finds
 * clean and mtools lists and reads back byte for byte.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FatTable } from '../../../src/sd/fat-read.js';
import { FatVolume } from '../../../src/sd/fat-volume.js';
import { writeFatImage } from '../../../src/sd/fat-write.js';
import { bytesSource } from '../../../src/sd/source.js';
import { haveFatTools, tool, toolStatus } from './fat-tools.js';

const dir = mkdtempSync(join(tmpdir(), 'hilbridge-fat-'));
const pattern = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7 + (i >> 8)) & 0xff);

function hostFile(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

async function volumeOf(img: string): Promise<FatVolume> {
  return FatVolume.open(bytesSource(new Uint8Array(readFileSync(img)), img));
}

describe.skipIf(!haveFatTools)('images made by mkfs.vfat and mcopy', () => {
  for (const [fat, kib, extra] of [
    [12, 1024, []],
    [16, 16384, []],
    [32, 40000, ['-S', '512', '-s', '1']],
  ] as const) {
    it(`FAT${fat}: long names, a subdirectory and its files read back byte for byte`, async () => {
      const img = join(dir, `mk${fat}.img`);
      tool('mkfs.vfat', '-C', '-F', String(fat), '-n', 'TESTCARD', ...extra, img, String(kib));
      const a = pattern(5000, 1);
      const b = pattern(70_001, 2);
      const c = pattern(0, 3);
      tool('mmd', '-i', img, '::/Sub Dir');
      tool('mcopy', '-i', img, hostFile('a.bin', a), '::/HELLO.TXT');
      tool('mcopy', '-i', img, hostFile('b.bin', b), '::/Sub Dir/A rather long file name.image');
      tool('mcopy', '-i', img, hostFile('c.bin', c), '::/Sub Dir/empty');
      const vol = await volumeOf(img);
      expect(vol.geo.type).toBe(fat);
      expect(vol.geo.label).toBe('TESTCARD');
      expect(Buffer.from(await vol.readFile('hello.txt', 1e6)).equals(Buffer.from(a))).toBe(true);
      expect(Buffer.from(await vol.readFile('sub dir/A RATHER LONG FILE NAME.image', 1e6)).equals(Buffer.from(b))).toBe(true);
      expect((await vol.readFile('Sub Dir/empty', 10)).length).toBe(0);
      const paths = (await vol.walk()).map((w) => w.path);
      expect(paths).toEqual(expect.arrayContaining(['HELLO.TXT', 'Sub Dir', 'Sub Dir/A rather long file name.image', 'Sub Dir/empty']));
      // the short name of a long one (mtools' "~1" basis) finds it too
      const long = (await vol.list('Sub Dir')).find((e) => e.name.startsWith('A rather'));
      expect(long?.shortName).toMatch(/~1/);
      expect((await vol.stat(`Sub Dir/${long?.shortName ?? ''}`))?.size).toBe(b.length);
    });
  }

  it('a fragmented file (written into a hole left by a deleted one) reads back byte for byte', async () => {
    const img = join(dir, 'frag.img');
    tool('mkfs.vfat', '-C', '-F', '16', '-s', '1', img, '8192');
    tool('mcopy', '-i', img, hostFile('f1', pattern(3 * 512, 4)), '::/ONE');
    tool('mcopy', '-i', img, hostFile('f2', pattern(3 * 512, 5)), '::/TWO');
    tool('mcopy', '-i', img, hostFile('f3', pattern(3 * 512, 6)), '::/THREE');
    tool('mdel', '-i', img, '::/TWO');
    const big = pattern(10 * 512 + 17, 7);
    tool('mcopy', '-i', img, hostFile('f4', big), '::/FRAGMENTED.BIN');
    const vol = await volumeOf(img);
    const entry = await vol.stat('fragmented.bin');
    expect(entry).toBeDefined();
    const table = await FatTable.load(bytesSource(new Uint8Array(readFileSync(img))), vol.geo);
    const chain = table.chain(entry?.firstCluster ?? 0, 'f', 0, { exact: 11 });
    const gaps = chain.slice(1).filter((c, i) => c !== (chain[i] ?? 0) + 1).length;
    expect(gaps).toBeGreaterThan(0); // really fragmented
    expect(Buffer.from(await vol.readFile('FRAGMENTED.BIN', 1e6)).equals(Buffer.from(big))).toBe(true);
  });
});

describe.skipIf(!haveFatTools)('images made by the writer', () => {
  const files = [
    { path: 'hilbridge.json', bytes: new TextEncoder().encode('{"version":1}\n') },
    { path: 'images/motor_ctl.hxe', bytes: pattern(70_000, 8) },
    { path: 'images/A.HXE', bytes: pattern(3, 9) },
    { path: 'images/deeper/Mixed Case Long Name.bin', bytes: pattern(1500, 10) },
    { path: 'images/deeper/empty', bytes: new Uint8Array(0) },
    { path: 'README', bytes: pattern(600, 11) },
  ];
  for (const mib of [1, 4, 64]) {
    it(`${mib} MiB: fsck.fat finds it clean, mdir lists the long names, mtype reads every file back`, () => {
      const img = join(dir, `w${mib}.img`);
      writeFileSync(img, writeFatImage(files, mib * 1024 * 1024));
      const fsck = toolStatus('fsck.fat', '-n', '-v', img);
      expect(fsck.status, fsck.out).toBe(0);
      expect(fsck.out).not.toMatch(/differ|invalid|bad|lost|free cluster/i);
      const listing = tool('mdir', '-/', '-i', img, '::');
      for (const name of ['hilbridge.json', 'motor_ctl.hxe', 'Mixed Case Long Name.bin', 'A        HXE', 'deeper']) expect(listing).toContain(name);
      expect(tool('minfo', '-i', img, '::')).toMatch(/disk label="HILBRIDGE {2}"/);
      for (const f of files) {
        const out = join(dir, `out-${mib}-${f.path.replace(/\W/g, '_')}`);
        tool('mcopy', '-n', '-i', img, `::/${f.path}`, out);
        expect(Buffer.from(readFileSync(out)).equals(Buffer.from(f.bytes)), f.path).toBe(true);
      }
    });
  }
});
