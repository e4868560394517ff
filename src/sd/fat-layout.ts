/**
 * The geometry the FAT writer gives a volume of a given size: 512-byte
 * sectors, one reserved sector, two FATs, a 512-entry root directory; FAT16
 * with the smallest cluster that keeps the count in FAT16's range, FAT12
 * when the volume is too small for FAT16. The FAT type is then what any
 * reader computes from the cluster count (fat-boot.ts).
 */
import { SdError } from './errors.js';
import { type FatType, fatTypeOf } from './fat-boot.js';

export const SECTOR = 512;
export const ROOT_ENTRIES = 512;
/** Smallest and largest volume `sd write` makes. */
export const MIN_VOLUME_BYTES = 64 * 1024;
export const MAX_VOLUME_BYTES = 512 * 1024 * 1024;

export interface WriterGeometry {
  readonly type: 12 | 16;
  readonly totalSectors: number;
  readonly sectorsPerCluster: number;
  readonly fatSectors: number;
  readonly clusterCount: number;
  readonly reservedSectors: 1;
  readonly fatCount: 2;
  readonly rootEntries: number;
}

function tryLayout(totalSectors: number, spc: number, bits: 12 | 16): WriterGeometry | undefined {
  const rootSectors = (ROOT_ENTRIES * 32) / SECTOR;
  let fatSectors = 1;
  for (let i = 0; i < 64; i++) {
    const data = totalSectors - 1 - 2 * fatSectors - rootSectors;
    if (data < spc) return undefined;
    const clusters = Math.floor(data / spc);
    const need = Math.ceil(Math.ceil(((clusters + 2) * bits) / 8) / SECTOR);
    if (need <= fatSectors) {
      const type: FatType = fatTypeOf(clusters);
      if (type !== bits) return undefined;
      return { type: bits, totalSectors, sectorsPerCluster: spc, fatSectors, clusterCount: clusters, reservedSectors: 1, fatCount: 2, rootEntries: ROOT_ENTRIES };
    }
    fatSectors = need;
  }
  return undefined;
}

export function writerGeometry(volumeBytes: number): WriterGeometry {
  if (!Number.isSafeInteger(volumeBytes) || volumeBytes % SECTOR !== 0 || volumeBytes < MIN_VOLUME_BYTES || volumeBytes > MAX_VOLUME_BYTES) {
    throw new SdError('sd_fat_full', `a card image of ${volumeBytes} bytes: the FAT writer makes volumes of ${MIN_VOLUME_BYTES} to ${MAX_VOLUME_BYTES} bytes, a multiple of ${SECTOR}`);
  }
  const total = volumeBytes / SECTOR;
  for (const bits of [16, 12] as const) {
    for (let spc = 1; spc <= 64; spc *= 2) {
      const g = tryLayout(total, spc, bits);
      if (g !== undefined) return g;
    }
  }
  throw new SdError('sd_fat_full', `no FAT12/16 layout fits a card image of ${volumeBytes} bytes`);
}
