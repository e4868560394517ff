/**
 * A deterministic FAT12/16 writer for `sd write`: the same files and size
 * give the same bytes. Fixed volume id and label, every timestamp
 * 1980-01-01 00:00:00, directory entries sorted by name, clusters allocated
 * in one pass (each directory, then its files, then its subdirectories, in
 * name order), contiguously, so no file is fragmented. Names that are not
 * upper-case 8.3 names get a long name and a generated short name (~N).
 */
import { SdError } from './errors.js';
import { ATTR_ARCHIVE, ATTR_DIRECTORY, ATTR_LONG_NAME, ATTR_VOLUME_ID, LFN_CHARS, LFN_POSITIONS, MAX_LFN_LENGTH, exactShortName, generateShortName, latin1, shortNameChecksum } from './fat-names.js';
import { SECTOR, writerGeometry, type WriterGeometry } from './fat-layout.js';
import { put16, put32 } from './source.js';

export const VOLUME_ID = 0x48494c42; // "HILB"
export const VOLUME_LABEL = 'HILBRIDGE';
/** 1980-01-01: (year - 1980) << 9 | month << 5 | day. */
const FAT_DATE = 0x0021;
const NAME_OK = /^[A-Za-z0-9._+-][A-Za-z0-9._ +-]*$/;

export interface FatFileInput {
  /** "/"-separated, relative; directories are made as needed. */
  readonly path: string;
  readonly bytes: Uint8Array;
}

interface Dir {
  readonly name: string;
  readonly dirs: Map<string, Dir>;
  /** By upper-case name (FAT names ignore case): the name as given and the bytes. */
  readonly files: Map<string, { readonly name: string; readonly bytes: Uint8Array }>;
  cluster: number;
}

function checkName(name: string, path: string): void {
  if (name.length < 1 || name.length > MAX_LFN_LENGTH || !NAME_OK.test(name) || name.endsWith('.') || name.endsWith(' ') || name === '.' || name === '..') {
    throw new SdError('sd_fat_name', `card path "${path}": "${name}" is not a name the card layout allows (1 to ${MAX_LFN_LENGTH} of A-Z a-z 0-9 . _ + - and space, not ending in "." or space)`, { path });
  }
}

function buildTree(files: readonly FatFileInput[]): Dir {
  const root: Dir = { name: '', dirs: new Map(), files: new Map(), cluster: 0 };
  for (const f of files) {
    const parts = f.path.split('/');
    let d = root;
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i] ?? '';
      checkName(name, f.path);
      const key = name.toUpperCase();
      const last = i === parts.length - 1;
      const clash = last ? d.dirs.get(key) ?? d.files.has(key) : d.files.has(key);
      if (clash) throw new SdError('sd_fat_name', `card path "${f.path}": "${name}" is there twice (FAT names ignore case)`, { path: f.path });
      if (last) d.files.set(key, { name, bytes: f.bytes });
      else {
        let sub = d.dirs.get(key);
        if (sub === undefined) d.dirs.set(key, (sub = { name, dirs: new Map(), files: new Map(), cluster: 0 }));
        d = sub;
      }
    }
  }
  return root;
}

interface Child {
  readonly name: string;
  readonly short: Uint8Array;
  readonly lfn: boolean;
  readonly dir: Dir | undefined;
  readonly bytes: Uint8Array | undefined;
}

/** Children of a directory in name order, with their short names. */
function children(d: Dir): Child[] {
  const all: { name: string; dir?: Dir; bytes?: Uint8Array }[] = [
    ...[...d.dirs.values()].map((dir) => ({ name: dir.name, dir })),
    ...[...d.files.values()].map(({ name, bytes }) => ({ name, bytes })),
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const taken = new Set<string>();
  const exact = new Map<string, Uint8Array>();
  for (const c of all) {
    const s = exactShortName(c.name);
    if (s !== undefined) {
      taken.add(latin1(s));
      exact.set(c.name, s);
    }
  }
  return all.map((c) => {
    const e = exact.get(c.name);
    if (e !== undefined) return { name: c.name, short: e, lfn: false, dir: c.dir, bytes: c.bytes };
    const upper = exactShortName(c.name.toUpperCase());
    const short = upper !== undefined && !taken.has(latin1(upper)) ? upper : generateShortName(c.name, taken);
    taken.add(latin1(short));
    return { name: c.name, short, lfn: true, dir: c.dir, bytes: c.bytes };
  });
}

function dirEntryCount(kids: readonly Child[], isRoot: boolean): number {
  return (isRoot ? 1 : 2) + kids.reduce((n, c) => n + 1 + (c.lfn ? Math.ceil(c.name.length / LFN_CHARS) : 0), 0);
}

function shortEntry(out: Uint8Array, o: number, name11: Uint8Array, attr: number, cluster: number, size: number): void {
  out.set(name11, o);
  out[o + 11] = attr;
  put16(out, o + 16, FAT_DATE); // created
  put16(out, o + 18, FAT_DATE); // accessed
  put16(out, o + 24, FAT_DATE); // written
  put16(out, o + 26, cluster);
  put32(out, o + 28, size);
}

function lfnEntries(out: Uint8Array, o: number, name: string, checksum: number): number {
  const n = Math.ceil(name.length / LFN_CHARS);
  for (let k = n; k >= 1; k--) {
    out[o] = k | (k === n ? 0x40 : 0);
    out[o + 11] = ATTR_LONG_NAME;
    out[o + 13] = checksum;
    LFN_POSITIONS.forEach((p, j) => {
      const idx = (k - 1) * LFN_CHARS + j;
      put16(out, o + p, idx < name.length ? name.charCodeAt(idx) : idx === name.length ? 0x0000 : 0xffff);
    });
    o += 32;
  }
  return o;
}

const pad = (s: string, n: number): Uint8Array => Uint8Array.from(s.padEnd(n, ' ').slice(0, n), (c) => c.charCodeAt(0));

/** The image bytes of a `volumeBytes` FAT volume holding `files`. */
export function writeFatImage(files: readonly FatFileInput[], volumeBytes: number): Uint8Array {
  const g = writerGeometry(volumeBytes);
  const root = buildTree(files);
  const cb = g.sectorsPerCluster * SECTOR;
  const fatEntries = new Uint32Array(g.clusterCount + 2);
  let nextCluster = 2;
  const alloc = (bytes: number, what: string): number => {
    const n = Math.ceil(bytes / cb);
    if (n === 0) return 0;
    if (nextCluster + n - 1 > g.clusterCount + 1) {
      throw new SdError('sd_fat_full', `the card's files do not fit a ${volumeBytes}-byte FAT${g.type} volume (${g.clusterCount} clusters of ${cb} bytes; out of room at ${what}): give a larger --size`);
    }
    const first = nextCluster;
    for (let i = 0; i < n; i++) fatEntries[first + i] = i === n - 1 ? 0xffff : first + i + 1;
    nextCluster += n;
    return first;
  };
  const image = new Uint8Array(volumeBytes);
  const rootOffset = (1 + 2 * g.fatSectors) * SECTOR;
  const dataOffset = rootOffset + g.rootEntries * 32;
  const clusterOffset = (c: number): number => dataOffset + (c - 2) * cb;

  const place = (d: Dir, parent: number, isRoot: boolean, path: string): void => {
    const kids = children(d);
    const count = dirEntryCount(kids, isRoot);
    if (count > (isRoot ? g.rootEntries : 65536)) throw new SdError('sd_fat_full', `directory "${path || '/'}" needs ${count} entries; it holds at most ${isRoot ? g.rootEntries : 65536}`);
    let o: number;
    if (isRoot) {
      o = rootOffset;
      shortEntry(image, o, pad(VOLUME_LABEL, 11), ATTR_VOLUME_ID, 0, 0);
      o += 32;
    } else {
      d.cluster = alloc(Math.max(count * 32, 1), path);
      o = clusterOffset(d.cluster);
      shortEntry(image, o, pad('.', 11), ATTR_DIRECTORY, d.cluster, 0);
      shortEntry(image, o + 32, pad('..', 11), ATTR_DIRECTORY, parent, 0);
      o += 64;
    }
    const self = isRoot ? 0 : d.cluster;
    const entryAt: number[] = [];
    for (const k of kids) {
      if (k.lfn) o = lfnEntries(image, o, k.name, shortNameChecksum(k.short));
      entryAt.push(o);
      o += 32;
    }
    kids.forEach((k, i) => {
      const eo = entryAt[i] ?? 0;
      if (k.bytes !== undefined) {
        const first = alloc(k.bytes.length, `${path}/${k.name}`);
        if (first !== 0) image.set(k.bytes, clusterOffset(first));
        shortEntry(image, eo, k.short, ATTR_ARCHIVE, first, k.bytes.length);
      }
    });
    kids.forEach((k, i) => {
      if (k.dir === undefined) return;
      place(k.dir, self, false, path === '' ? k.name : `${path}/${k.name}`);
      shortEntry(image, entryAt[i] ?? 0, k.short, ATTR_DIRECTORY, k.dir.cluster, 0);
    });
  };
  place(root, 0, true, '');
  writeBootSector(image, g);
  writeFats(image, g, fatEntries);
  return image;
}

function writeBootSector(b: Uint8Array, g: WriterGeometry): void {
  b.set([0xeb, 0x3c, 0x90], 0);
  b.set(pad('HILBRIDG', 8), 3);
  put16(b, 11, SECTOR);
  b[13] = g.sectorsPerCluster;
  put16(b, 14, g.reservedSectors);
  b[16] = g.fatCount;
  put16(b, 17, g.rootEntries);
  if (g.totalSectors < 0x10000) put16(b, 19, g.totalSectors);
  else put32(b, 32, g.totalSectors);
  b[21] = 0xf8;
  put16(b, 22, g.fatSectors);
  put16(b, 24, 32); // sectors per track
  put16(b, 26, 64); // heads
  b[36] = 0x80;
  b[38] = 0x29;
  put32(b, 39, VOLUME_ID);
  b.set(pad(VOLUME_LABEL, 11), 43);
  b.set(pad(`FAT${g.type}`, 8), 54);
  b[510] = 0x55;
  b[511] = 0xaa;
}

function writeFats(b: Uint8Array, g: WriterGeometry, entries: Uint32Array): void {
  const fat = new Uint8Array(g.fatSectors * SECTOR);
  entries[0] = g.type === 12 ? 0xff8 : 0xfff8;
  entries[1] = g.type === 12 ? 0xfff : 0xffff;
  for (let c = 0; c < entries.length; c++) {
    let v = entries[c] ?? 0;
    if (g.type === 16) put16(fat, c * 2, v);
    else {
      if (v === 0xffff) v = 0xfff;
      const o = c + (c >> 1);
      if (c & 1) {
        fat[o] = ((fat[o] ?? 0) & 0x0f) | ((v << 4) & 0xf0);
        fat[o + 1] = (v >> 4) & 0xff;
      } else {
        fat[o] = v & 0xff;
        fat[o + 1] = ((fat[o + 1] ?? 0) & 0xf0) | ((v >> 8) & 0x0f);
      }
    }
  }
  for (let i = 0; i < g.fatCount; i++) b.set(fat, (g.reservedSectors + i * g.fatSectors) * SECTOR);
}

/** Clusters `d` and everything under it take (its own unless root), or undefined when a directory is too large. */
function clustersNeeded(d: Dir, isRoot: boolean, cb: number, rootEntries: number): number | undefined {
  const kids = children(d);
  const count = dirEntryCount(kids, isRoot);
  if (count > (isRoot ? rootEntries : 65536)) return undefined;
  let n = isRoot ? 0 : Math.ceil(Math.max(count * 32, 1) / cb);
  for (const k of kids) {
    if (k.bytes !== undefined) n += Math.ceil(k.bytes.length / cb);
    if (k.dir !== undefined) {
      const sub = clustersNeeded(k.dir, false, cb, rootEntries);
      if (sub === undefined) return undefined;
      n += sub;
    }
  }
  return n;
}

/**
 * Would `files` fit a `volumeBytes` volume (what writeFatImage would throw
 * sd_fat_full for)? Counts clusters, allocates no image: how `sd write` picks
 * the smallest size without building each candidate.
 */
export function fatFits(files: readonly FatFileInput[], volumeBytes: number): boolean {
  const g = writerGeometry(volumeBytes);
  const n = clustersNeeded(buildTree(files), true, g.sectorsPerCluster * SECTOR, g.rootEntries);
  return n !== undefined && n <= g.clusterCount;
}
