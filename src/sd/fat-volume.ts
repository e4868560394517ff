/**
 * A FAT12/16/32 volume in an image, read-only and bounded: paths are looked
 * up case-insensitively (long or short names), directories are at most
 * MAX_DIR_BYTES and MAX_DEPTH deep and never revisited (a directory loop is
 * an error, not a hang), files are read through their checked cluster chain.
 */
import { SdError, at } from './errors.js';
import { parseBootSector, type FatGeometry } from './fat-boot.js';
import { type FatDirEntry, parseDirectory, sameName } from './fat-dir.js';
import { FatTable } from './fat-read.js';
import type { ByteSource } from './source.js';

/** The FAT specification's largest directory: 65536 entries of 32 bytes. */
export const MAX_DIR_BYTES = 65536 * 32;
export const MAX_DEPTH = 32;
/** Entries a whole-volume walk visits before it stops with an error. */
export const MAX_WALK_ENTRIES = 100_000;

export interface FatFile {
  readonly path: string;
  readonly size: number;
  readonly entry: FatDirEntry;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface FatWalkEntry {
  /** Path from the root, "/"-separated, as the names are stored. */
  readonly path: string;
  readonly entry: FatDirEntry;
}

/** A directory: the fixed FAT12/16 root (cluster 0) or a cluster chain. */
interface DirRef {
  readonly cluster: number;
  readonly path: string;
  readonly entryOffset: number;
}

export class FatVolume {
  private constructor(
    readonly src: ByteSource,
    readonly geo: FatGeometry,
    private readonly fat: FatTable,
  ) {}

  static async open(src: ByteSource): Promise<FatVolume> {
    if (src.size < 512) throw new SdError('sd_fat_truncated', `FAT image ${src.name} is ${src.size} bytes: shorter than one boot sector (512 bytes)`, { offset: src.size });
    const geo = parseBootSector(await src.read(0, 512), src.size, src.name);
    return new FatVolume(src, geo, await FatTable.load(src, geo));
  }

  private root(): DirRef {
    return { cluster: this.geo.type === 32 ? this.geo.rootCluster : 0, path: '/', entryOffset: 0 };
  }

  private async readDir(dir: DirRef): Promise<FatDirEntry[]> {
    if (dir.cluster === 0) {
      const bytes = await this.src.read(this.geo.rootOffset, this.geo.rootEntries * 32);
      return parseDirectory(bytes, (i) => this.geo.rootOffset + i * 32, false, this.src.name);
    }
    const max = Math.max(1, Math.floor(MAX_DIR_BYTES / this.geo.clusterBytes));
    const clusters = this.fat.chain(dir.cluster, `directory "${dir.path}"`, dir.entryOffset, { max });
    const cb = this.geo.clusterBytes;
    const bytes = new Uint8Array(clusters.length * cb);
    for (let i = 0; i < clusters.length; i++) bytes.set(await this.src.read(this.fat.clusterOffset(clusters[i] ?? 0), cb), i * cb);
    const perCluster = cb / 32;
    return parseDirectory(bytes, (i) => this.fat.clusterOffset(clusters[Math.floor(i / perCluster)] ?? 0) + (i % perCluster) * 32, this.geo.type === 32, this.src.name);
  }

  private subdir(e: FatDirEntry, path: string, seen: Set<number>): DirRef {
    if (e.firstCluster === 0 || seen.has(e.firstCluster)) {
      throw new SdError('sd_fat_directory', `FAT image ${this.src.name}: directory "${path}" (entry at ${at(e.entryOffset)}) points back to ${e.firstCluster === 0 ? 'the root' : `cluster ${e.firstCluster}, a directory above it`}: a directory loop; the volume is damaged (fsck.fat)`, { offset: e.entryOffset });
    }
    seen.add(e.firstCluster);
    return { cluster: e.firstCluster, path, entryOffset: e.entryOffset };
  }

  private splitPath(path: string): string[] {
    const parts = path.split('/').filter((p) => p !== '');
    if (parts.length > MAX_DEPTH) throw new SdError('sd_path_invalid', `path "${path}" is ${parts.length} levels deep; a card path has at most ${MAX_DEPTH}`, { path });
    return parts;
  }

  /** The entry at `path` (file or directory), or undefined when there is none. The root itself has no entry. */
  async stat(path: string): Promise<FatDirEntry | undefined> {
    const parts = this.splitPath(path);
    if (parts.length === 0) return undefined;
    let dir = this.root();
    const seen = new Set<number>([dir.cluster]);
    let walked = '';
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i] ?? '';
      const e = (await this.readDir(dir)).find((x) => sameName(x, name));
      walked += `/${name}`;
      if (e === undefined) return undefined;
      if (i === parts.length - 1) return e;
      if (!e.isDirectory) return undefined;
      dir = this.subdir(e, walked, seen);
    }
    return undefined;
  }

  /** The entries of the directory at `path` ("" or "/" is the root). */
  async list(path: string): Promise<FatDirEntry[]> {
    if (this.splitPath(path).length === 0) return this.readDir(this.root());
    const e = await this.stat(path);
    if (e === undefined || !e.isDirectory) throw new SdError('sd_not_found', `FAT image ${this.src.name}: no directory "${path}"`, { path });
    return this.readDir(this.subdir(e, path, new Set([this.root().cluster])));
  }

  /** Every entry of the volume, depth first in directory order; bounded in depth, count, and loops refused. */
  async walk(): Promise<FatWalkEntry[]> {
    const out: FatWalkEntry[] = [];
    const seen = new Set<number>([this.root().cluster]);
    const visit = async (dir: DirRef, prefix: string, depth: number): Promise<void> => {
      if (depth > MAX_DEPTH) throw new SdError('sd_fat_directory', `FAT image ${this.src.name}: directories nest deeper than ${MAX_DEPTH} at "${prefix}"`, { offset: dir.entryOffset });
      for (const e of await this.readDir(dir)) {
        const path = prefix === '' ? e.name : `${prefix}/${e.name}`;
        out.push({ path, entry: e });
        if (out.length > MAX_WALK_ENTRIES) throw new SdError('sd_fat_directory', `FAT image ${this.src.name}: more than ${MAX_WALK_ENTRIES} entries`, { offset: e.entryOffset });
        if (e.isDirectory) await visit(this.subdir(e, path, seen), path, depth + 1);
      }
    };
    await visit(this.root(), '', 0);
    return out;
  }

  /** A file's reader: its chain checked against its size before any data is read. */
  async openFile(path: string): Promise<FatFile> {
    const e = await this.stat(path);
    if (e === undefined || e.isDirectory) throw new SdError('sd_not_found', `FAT image ${this.src.name}: no file "${path}"${e?.isDirectory ? ' (it is a directory)' : ''}`, { path });
    return this.fileOf(path, e);
  }

  fileOf(path: string, e: FatDirEntry): FatFile {
    const cb = this.geo.clusterBytes;
    const needed = Math.ceil(e.size / cb);
    if (needed > this.geo.clusterCount) {
      throw new SdError('sd_fat_chain', `FAT image ${this.src.name}: file "${path}" (entry at ${at(e.entryOffset)}) declares ${e.size} bytes, more than the volume's ${this.geo.clusterCount} clusters of ${cb} bytes hold: the entry is damaged`, { offset: e.entryOffset, path });
    }
    const clusters = needed === 0 ? [] : this.fat.chain(e.firstCluster, `file "${path}"`, e.entryOffset, { exact: needed });
    const src = this.src;
    const fat = this.fat;
    return {
      path,
      size: e.size,
      entry: e,
      async read(offset, length) {
        if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > e.size) {
          throw new SdError('sd_fat_truncated', `cannot read ${length} bytes at offset ${offset} of "${path}" on ${src.name}: the file has ${e.size} bytes`, { path });
        }
        const out = new Uint8Array(length);
        let done = 0;
        while (done < length) {
          const pos = offset + done;
          const ci = Math.floor(pos / cb);
          const within = pos % cb;
          // one read across clusters that lie one after another (a file the writer made is one run)
          let run = 1;
          while (ci + run < clusters.length && clusters[ci + run] === (clusters[ci] ?? 0) + run && run * cb - within < length - done) run++;
          const n = Math.min(run * cb - within, length - done);
          out.set(await src.read(fat.clusterOffset(clusters[ci] ?? 0) + within, n), done);
          done += n;
        }
        return out;
      },
    };
  }

  /** A whole file, refused past `maxBytes` before anything is read. */
  async readFile(path: string, maxBytes: number): Promise<Uint8Array> {
    const f = await this.openFile(path);
    if (f.size > maxBytes) throw new SdError('sd_file_too_large', `FAT image ${this.src.name}: "${path}" is ${f.size} bytes; at most ${maxBytes} are read`, { path });
    return f.read(0, f.size);
  }

  close(): Promise<void> {
    return this.src.close();
  }
}
