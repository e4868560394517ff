/**
 * Hostile FAT images: every damage the reader can meet is refused with a
 * typed error (SdError, its code) naming the byte offset to look at, and
 * nothing loops or reads past the image: cluster loops, clusters beyond the
 * volume, free clusters mid-chain, directory loops, huge declared sizes,
 * truncated images, broken boot sectors.
 */
import { describe, expect, it } from 'vitest';
import { SdError } from '../../../src/sd/errors.js';
import { FatTable } from '../../../src/sd/fat-read.js';
import { FatVolume } from '../../../src/sd/fat-volume.js';
import { writeFatImage } from '../../../src/sd/fat-write.js';
import { bytesSource, put16, put32 } from '../../../src/sd/source.js';

const MIB = 1024 * 1024;
const files = [
  { path: 'big.bin', bytes: new Uint8Array(3000).fill(7) }, // 6 clusters of 512 bytes
  { path: 'images/deeper/x.bin', bytes: new Uint8Array(10).fill(1) },
];

async function fresh(): Promise<{ img: Uint8Array; vol: FatVolume; table: FatTable }> {
  const img = writeFatImage(files, 8 * MIB);
  const vol = await FatVolume.open(bytesSource(img));
  return { img, vol, table: await FatTable.load(bytesSource(img), vol.geo) };
}

async function refusal(p: Promise<unknown>): Promise<SdError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SdError);
  return e as SdError;
}

async function reopened(img: Uint8Array): Promise<FatVolume> {
  return FatVolume.open(bytesSource(img, 'hostile.img'));
}

describe('hostile FAT images', () => {
  it('the fixture is FAT16 with 512-byte clusters and reads cleanly', async () => {
    const { vol } = await fresh();
    expect(vol.geo.type).toBe(16);
    expect(vol.geo.clusterBytes).toBe(512);
    expect((await vol.readFile('big.bin', 1e6)).length).toBe(3000);
  });

  it('a cluster chain that loops: sd_fat_chain naming the FAT entry', async () => {
    const { img, vol, table } = await fresh();
    const e = await vol.stat('big.bin');
    const third = (e?.firstCluster ?? 0) + 2;
    put16(img, table.entryOffset(third), e?.firstCluster ?? 0);
    const err = await refusal((await reopened(img)).readFile('big.bin', 1e6));
    expect(err.code).toBe('sd_fat_chain');
    expect(err.message).toMatch(/loops back to cluster/);
    expect(err.offset).toBe(table.entryOffset(third));
  });

  it('a cluster beyond the volume, a free cluster mid-chain, a start cluster outside: sd_fat_chain', async () => {
    for (const [value, why] of [
      [0xfff0, /beyond the volume/],
      [0x0000, /marked free/],
      [0xfff7, /marked bad/],
    ] as const) {
      const { img, vol, table } = await fresh();
      const e = await vol.stat('big.bin');
      put16(img, table.entryOffset((e?.firstCluster ?? 0) + 1), value);
      const err = await refusal((await reopened(img)).readFile('big.bin', 1e6));
      expect(err.code).toBe('sd_fat_chain');
      expect(err.message).toMatch(why);
      expect(err.offset).toBe(table.entryOffset((e?.firstCluster ?? 0) + 1));
    }
    const { img, vol } = await fresh();
    const e = await vol.stat('big.bin');
    put16(img, (e?.entryOffset ?? 0) + 26, 60000);
    const err = await refusal((await reopened(img)).readFile('big.bin', 1e6));
    expect(err.code).toBe('sd_fat_chain');
    expect(err.message).toMatch(/outside the volume's clusters/);
    expect(err.offset).toBe(e?.entryOffset);
  });

  it('a directory that points back at its parent, or at the root: sd_fat_directory, not a hang', async () => {
    for (const target of ['parent', 'root'] as const) {
      const { img, vol } = await fresh();
      const images = await vol.stat('images');
      const deeper = await vol.stat('images/deeper');
      put16(img, (deeper?.entryOffset ?? 0) + 26, target === 'parent' ? (images?.firstCluster ?? 0) : 0);
      const v = await reopened(img);
      const err = await refusal(v.walk());
      expect(err.code).toBe('sd_fat_directory');
      expect(err.message).toMatch(/directory loop/);
      expect(err.offset).toBe(deeper?.entryOffset);
      expect((await refusal(v.stat('images/deeper/deeper/x.bin'))).code).toBe('sd_fat_directory');
    }
  });

  it('a directory whose own cluster chain loops: sd_fat_chain', async () => {
    const { img, vol, table } = await fresh();
    const deeper = await vol.stat('images/deeper');
    put16(img, table.entryOffset(deeper?.firstCluster ?? 0), deeper?.firstCluster ?? 0);
    expect((await refusal((await reopened(img)).list('images/deeper'))).code).toBe('sd_fat_chain');
  });

  it('a huge declared size is refused before any data is read; a size longer than its chain too', async () => {
    const { img, vol } = await fresh();
    const e = await vol.stat('big.bin');
    put32(img, (e?.entryOffset ?? 0) + 28, 0xffffffff);
    let err = await refusal((await reopened(img)).openFile('big.bin'));
    expect(err.code).toBe('sd_fat_chain');
    expect(err.message).toMatch(/declares 4294967295 bytes/);
    expect(err.offset).toBe(e?.entryOffset);
    put32(img, (e?.entryOffset ?? 0) + 28, 3000 + 512 * 4);
    err = await refusal((await reopened(img)).openFile('big.bin'));
    expect(err.code).toBe('sd_fat_chain');
    expect(err.message).toMatch(/needs 10 clusters but the chain ends after 6/);
    put32(img, (e?.entryOffset ?? 0) + 28, 1000); // shorter than the chain
    err = await refusal((await reopened(img)).openFile('big.bin'));
    expect(err.message).toMatch(/needs 2 clusters but the chain is longer/);
  });

  it('a truncated image: sd_fat_truncated at open, naming where it ends', async () => {
    const { img } = await fresh();
    const cut = img.subarray(0, 4 * MIB);
    const err = await refusal(FatVolume.open(bytesSource(cut, 'cut.img')));
    expect(err.code).toBe('sd_fat_truncated');
    expect(err.message).toMatch(/cut\.img is 4194304 bytes but its boot sector declares 8388608/);
    expect(err.offset).toBe(4 * MIB);
    expect((await refusal(FatVolume.open(bytesSource(img.subarray(0, 100))))).code).toBe('sd_fat_truncated');
    expect((await refusal(bytesSource(img).read(img.length - 10, 11))).code).toBe('sd_fat_truncated');
  });

  it('a broken boot sector: sd_fat_boot naming the field', async () => {
    const cases: [number, (b: Uint8Array) => void, RegExp][] = [
      [510, (b) => (b[510] = 0), /boot signature/],
      [11, (b) => put16(b, 11, 500), /bytes per sector 500/],
      [13, (b) => (b[13] = 3), /sectors per cluster 3/],
      [16, (b) => (b[16] = 0), /0 FATs/],
      [22, (b) => put16(b, 22, 1), /cannot hold/],
      [19, (b) => put16(b, 19, 10), /leave no room/],
    ];
    for (const [offset, patch, why] of cases) {
      const { img } = await fresh();
      patch(img);
      const err = await refusal(reopened(img));
      expect(err.code, String(why)).toBe('sd_fat_boot');
      expect(err.message).toMatch(why);
      expect(err.offset).toBe(offset);
    }
  });

  it('a long name whose checksum does not match its short entry is dropped: the short name shows', async () => {
    const { img, vol } = await fresh();
    const e = await vol.stat('images');
    expect(e).toBeDefined();
    const x = await vol.list('images/deeper');
    expect(x.map((d) => d.name)).toEqual(['x.bin']);
    const lfnAt = (x[0]?.entryOffset ?? 0) - 32;
    img[lfnAt + 13] = (img[lfnAt + 13] ?? 0) ^ 0xff;
    expect((await (await reopened(img)).list('images/deeper')).map((d) => d.name)).toEqual(['X.BIN']);
  });
});
