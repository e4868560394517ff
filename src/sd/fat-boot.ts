/**
 * The FAT boot sector (BPB): the volume's geometry, validated before any
 * other byte is trusted. The FAT type follows from the cluster count, as
 * Microsoft's specification says (fewer than 4085 clusters: FAT12; fewer
 * than 65525: FAT16; else FAT32), never from the type label.
 */
import { SdError, at } from './errors.js';
import { le16, le32 } from './source.js';

export type FatType = 12 | 16 | 32;

export interface FatGeometry {
  readonly type: FatType;
  readonly bytesPerSector: number;
  readonly sectorsPerCluster: number;
  readonly clusterBytes: number;
  readonly reservedSectors: number;
  readonly fatCount: number;
  /** Sectors per FAT. */
  readonly fatSectors: number;
  /** FAT12/16: entries in the fixed root directory; FAT32: 0. */
  readonly rootEntries: number;
  readonly totalSectors: number;
  /** Valid cluster numbers are 2 .. clusterCount + 1. */
  readonly clusterCount: number;
  /** Byte offset of the first FAT. */
  readonly fatOffset: number;
  /** FAT12/16: byte offset of the fixed root directory. */
  readonly rootOffset: number;
  /** FAT32: the root directory's first cluster; FAT12/16: 0. */
  readonly rootCluster: number;
  /** Byte offset of cluster 2. */
  readonly dataOffset: number;
  /** Bytes the volume spans (total sectors × sector size). */
  readonly volumeBytes: number;
  readonly volumeId: number;
  readonly label: string;
}

export const FAT12_MAX_CLUSTERS = 4084;
export const FAT16_MAX_CLUSTERS = 65524;

export function fatTypeOf(clusterCount: number): FatType {
  return clusterCount <= FAT12_MAX_CLUSTERS ? 12 : clusterCount <= FAT16_MAX_CLUSTERS ? 16 : 32;
}

function bad(name: string, offset: number, what: string): SdError {
  return new SdError('sd_fat_boot', `FAT image ${name}: boot sector field at ${at(offset)}: ${what}; is this a FAT-formatted card image (mkfs.vfat, or hilbridge sd write)?`, { offset });
}

const isPow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

/** Validate the first 512 bytes and the image size; everything later is computed from what this returns. */
export function parseBootSector(b: Uint8Array, imageSize: number, name: string): FatGeometry {
  if (b.length < 512) throw new SdError('sd_fat_truncated', `FAT image ${name} is ${imageSize} bytes: shorter than one boot sector (512 bytes)`, { offset: 0 });
  if (b[510] !== 0x55 || b[511] !== 0xaa) throw bad(name, 510, 'no boot signature 55 aa');
  const bps = le16(b, 11);
  if (![512, 1024, 2048, 4096].includes(bps)) throw bad(name, 11, `bytes per sector ${bps} (512, 1024, 2048 or 4096)`);
  const spc = b[13] ?? 0;
  if (!isPow2(spc) || spc > 128) throw bad(name, 13, `sectors per cluster ${spc} (a power of two up to 128)`);
  const reserved = le16(b, 14);
  if (reserved < 1) throw bad(name, 14, 'no reserved sector');
  const fatCount = b[16] ?? 0;
  if (fatCount < 1 || fatCount > 4) throw bad(name, 16, `${fatCount} FATs (1 to 4)`);
  const rootEntries = le16(b, 17);
  const total16 = le16(b, 19);
  const total32 = le32(b, 32);
  const totalSectors = total16 !== 0 ? total16 : total32;
  if (totalSectors === 0) throw bad(name, 19, 'total sectors 0');
  const fat16Size = le16(b, 22);
  const fatSectors = fat16Size !== 0 ? fat16Size : le32(b, 36);
  if (fatSectors === 0) throw bad(name, 22, 'sectors per FAT 0');
  const rootSectors = Math.ceil((rootEntries * 32) / bps);
  const metaSectors = reserved + fatCount * fatSectors + rootSectors;
  if (metaSectors >= totalSectors) throw bad(name, 19, `total sectors ${totalSectors} leave no room for data after ${metaSectors} sectors of reserved area, FATs and root directory`);
  const clusterCount = Math.floor((totalSectors - metaSectors) / spc);
  if (clusterCount < 1) throw bad(name, 13, 'no data cluster');
  const type = fatTypeOf(clusterCount);
  let rootCluster = 0;
  if (type === 32) {
    if (rootEntries !== 0 || fat16Size !== 0) throw bad(name, 17, `FAT32 (${clusterCount} clusters) with a FAT12/16 root directory or FAT size`);
    rootCluster = le32(b, 44) & 0x0fffffff;
    if (rootCluster < 2 || rootCluster > clusterCount + 1) throw bad(name, 44, `root cluster ${rootCluster} outside 2..${clusterCount + 1}`);
  } else if (rootEntries === 0) {
    throw bad(name, 17, `FAT${type} (${clusterCount} clusters) with no root directory entries`);
  }
  const entryBits = type === 32 ? 32 : type;
  if (Math.ceil(((clusterCount + 2) * entryBits) / 8) > fatSectors * bps) throw bad(name, 22, `a FAT of ${fatSectors} sectors cannot hold ${clusterCount + 2} FAT${type} entries`);
  const volumeBytes = totalSectors * bps;
  if (volumeBytes > imageSize) {
    throw new SdError('sd_fat_truncated', `FAT image ${name} is ${imageSize} bytes but its boot sector declares ${volumeBytes} (${totalSectors} sectors of ${bps}): the image was cut short; copy it again`, { offset: imageSize });
  }
  const ext = type === 32 ? 64 : 36;
  const hasExt = b[ext + 2] === 0x29;
  return {
    type,
    bytesPerSector: bps,
    sectorsPerCluster: spc,
    clusterBytes: bps * spc,
    reservedSectors: reserved,
    fatCount,
    fatSectors,
    rootEntries,
    totalSectors,
    clusterCount,
    fatOffset: reserved * bps,
    rootOffset: (reserved + fatCount * fatSectors) * bps,
    rootCluster,
    dataOffset: metaSectors * bps,
    volumeBytes,
    volumeId: hasExt ? le32(b, ext + 3) : 0,
    label: hasExt ? String.fromCharCode(...b.subarray(ext + 7, ext + 18)).trimEnd() : '',
  };
}
