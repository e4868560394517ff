/**
 * The file allocation table: loaded once (only the entries the volume can
 * use, at most MAX_FAT_BYTES), and cluster chains walked with every bound
 * checked: a chain never leaves 2..clusterCount+1, never visits a cluster
 * twice (a loop), never passes a free or bad cluster, never runs longer
 * than the caller's limit.
 */
import { SdError, at } from './errors.js';
import type { FatGeometry } from './fat-boot.js';
import type { ByteSource } from './source.js';
import { le16, le32 } from './source.js';

/** A FAT32 volume of 4 M clusters (128 GiB at 32 KiB clusters) has a 16 MiB FAT. */
export const MAX_FAT_BYTES = 16 * 1024 * 1024;

export class FatTable {
  private constructor(
    readonly geo: FatGeometry,
    private readonly bytes: Uint8Array,
    private readonly name: string,
  ) {}

  static async load(src: ByteSource, geo: FatGeometry): Promise<FatTable> {
    const bits = geo.type === 32 ? 32 : geo.type;
    const need = Math.ceil(((geo.clusterCount + 2) * bits) / 8);
    if (need > MAX_FAT_BYTES) {
      throw new SdError('sd_fat_boot', `FAT image ${src.name}: its FAT is ${need} bytes (${geo.clusterCount} clusters); this reader takes at most ${MAX_FAT_BYTES}: format the card with larger clusters`, { offset: geo.fatOffset });
    }
    return new FatTable(geo, await src.read(geo.fatOffset, need), src.name);
  }

  /** Byte offset in the image of cluster `c`'s FAT entry. */
  entryOffset(c: number): number {
    const g = this.geo;
    return g.fatOffset + (g.type === 12 ? c + (c >> 1) : g.type === 16 ? c * 2 : c * 4);
  }

  /** The raw next-cluster value of `c` (masked to 28 bits on FAT32). */
  next(c: number): number {
    const g = this.geo;
    if (g.type === 12) {
      const v = le16(this.bytes, c + (c >> 1));
      return c & 1 ? v >> 4 : v & 0xfff;
    }
    return g.type === 16 ? le16(this.bytes, c * 2) : le32(this.bytes, c * 4) & 0x0fffffff;
  }

  isEnd(v: number): boolean {
    return v >= (this.geo.type === 12 ? 0xff8 : this.geo.type === 16 ? 0xfff8 : 0x0ffffff8);
  }

  private isBad(v: number): boolean {
    return v === (this.geo.type === 12 ? 0xff7 : this.geo.type === 16 ? 0xfff7 : 0x0ffffff7);
  }

  inRange(c: number): boolean {
    return c >= 2 && c <= this.geo.clusterCount + 1;
  }

  /** Byte offset of cluster `c`'s data. */
  clusterOffset(c: number): number {
    return this.geo.dataOffset + (c - 2) * this.geo.clusterBytes;
  }

  /**
   * The clusters of a chain starting at `start`. `exact`: the chain must have
   * exactly that many clusters (a file: ceil(size / cluster size)); else it
   * ends at the end mark, and more than `max` clusters is an error.
   * `what` names the file or directory, `entryOffset` its directory entry.
   */
  chain(start: number, what: string, entryOffset: number, limit: { exact: number } | { max: number }): number[] {
    const want = 'exact' in limit ? limit.exact : limit.max;
    const where = `FAT image ${this.name}: ${what} (directory entry at ${at(entryOffset)})`;
    if (!this.inRange(start)) {
      throw new SdError('sd_fat_chain', `${where} starts at cluster ${start}, outside the volume's clusters 2..${this.geo.clusterCount + 1}: the entry is damaged (fsck.fat)`, { offset: entryOffset });
    }
    const out: number[] = [];
    const seen = new Set<number>();
    let c = start;
    for (;;) {
      if (seen.has(c)) throw new SdError('sd_fat_chain', `${where}: its cluster chain loops back to cluster ${c} (FAT entry at ${at(this.entryOffset(out[out.length - 1] ?? c))}): the FAT is damaged (fsck.fat)`, { offset: this.entryOffset(out[out.length - 1] ?? c) });
      seen.add(c);
      out.push(c);
      if (out.length > want) {
        const why = 'exact' in limit ? `its size needs ${want} clusters but the chain is longer` : `longer than ${want} clusters`;
        throw new SdError('sd_fat_chain', `${where}: ${why} (FAT entry at ${at(this.entryOffset(c))}): the FAT or the size is damaged (fsck.fat)`, { offset: this.entryOffset(c) });
      }
      const v = this.next(c);
      if (this.isEnd(v)) break;
      const eo = this.entryOffset(c);
      if (v === 0) throw new SdError('sd_fat_chain', `${where}: cluster ${c} is marked free in the middle of the chain (FAT entry at ${at(eo)}): the FAT is damaged (fsck.fat)`, { offset: eo });
      if (this.isBad(v)) throw new SdError('sd_fat_chain', `${where}: the chain reaches a cluster marked bad (FAT entry at ${at(eo)})`, { offset: eo });
      if (!this.inRange(v)) throw new SdError('sd_fat_chain', `${where}: cluster ${c} points to cluster ${v}, beyond the volume's clusters 2..${this.geo.clusterCount + 1} (FAT entry at ${at(eo)}): the FAT is damaged (fsck.fat)`, { offset: eo });
      c = v;
    }
    if ('exact' in limit && out.length !== limit.exact) {
      throw new SdError('sd_fat_chain', `${where}: its size needs ${limit.exact} clusters but the chain ends after ${out.length} (FAT entry at ${at(this.entryOffset(c))}): the size or the FAT is damaged (fsck.fat)`, { offset: this.entryOffset(c) });
    }
    return out;
  }
}
