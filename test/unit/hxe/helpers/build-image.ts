/**
 * A tiny raw HXE image builder for tests: every header field can be set to
 * anything, including values the verifier must reject. The CRC is fixed up
 * the toolchain's way unless `crc` is given. Sections are laid out as the
 * linker does: header, code, rodata, section table, payloads in table order.
 */
import { crc32 } from 'node:zlib';

export interface RawSection {
  type: number;
  payload: Uint8Array;
  count: number;
  /** Override the table's offset/size fields. */
  offset?: number;
  size?: number;
}

export interface RawImage {
  version?: number;
  flags?: number;
  entry?: number;
  code?: Uint8Array;
  rodata?: Uint8Array;
  codeLen?: number;
  roLen?: number;
  bssSize?: number;
  reqCaps?: number;
  crc?: number;
  appName?: string | Uint8Array;
  reserved?: Uint8Array;
  sections?: RawSection[];
  metaOffset?: number;
  metaCount?: number;
  /** Bytes appended after everything. */
  trailing?: Uint8Array;
}

/** A NOP-ish code block of `n` bytes (content does not matter to the verifier). */
export const code = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 1) & 0xff);

export function buildImage(spec: RawImage = {}): Uint8Array {
  const version = spec.version ?? 2;
  const headerSize = version === 1 ? 32 : 96;
  const codeBytes = spec.code ?? code(8);
  const ro = spec.rodata ?? new Uint8Array(0);
  const sections = spec.sections ?? [];
  const tableAt = headerSize + codeBytes.length + ro.length;
  const table = new Uint8Array(sections.length * 16);
  let payloadAt = tableAt + table.length;
  const tv = new DataView(table.buffer);
  sections.forEach((s, i) => {
    tv.setUint32(i * 16, s.type);
    tv.setUint32(i * 16 + 4, s.offset ?? payloadAt);
    tv.setUint32(i * 16 + 8, s.size ?? s.payload.length);
    tv.setUint32(i * 16 + 12, s.count);
    payloadAt += s.payload.length;
  });
  const parts = [codeBytes, ro, table, ...sections.map((s) => s.payload), spec.trailing ?? new Uint8Array(0)];
  const size = headerSize + parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x48535845);
  v.setUint16(4, version);
  v.setUint16(6, spec.flags ?? 0);
  v.setUint32(8, spec.entry ?? 0);
  v.setUint32(12, spec.codeLen ?? codeBytes.length);
  v.setUint32(16, spec.roLen ?? ro.length);
  v.setUint32(20, spec.bssSize ?? 0);
  v.setUint32(24, spec.reqCaps ?? 0);
  if (version !== 1) {
    const name = typeof spec.appName === 'string' ? new TextEncoder().encode(spec.appName) : (spec.appName ?? new TextEncoder().encode('app'));
    out.set(name.subarray(0, 32), 0x20);
    v.setUint32(0x40, spec.metaOffset ?? (sections.length ? tableAt : 0));
    v.setUint32(0x44, spec.metaCount ?? sections.length);
    if (spec.reserved) out.set(spec.reserved.subarray(0, 24), 0x48);
  }
  let at = headerSize;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  v.setUint32(0x1c, spec.crc ?? crcOf(out, headerSize));
  return out;
}

/** CRC-32 over [0, 0x1c) and [headerSize, end), as the toolchain computes it. */
export function crcOf(bytes: Uint8Array, headerSize: number): number {
  return crc32(bytes.subarray(headerSize), crc32(bytes.subarray(0, 0x1c))) >>> 0;
}

/** Recompute and store the CRC of an image after editing it. */
export function fixCrc(bytes: Uint8Array): Uint8Array {
  const version = (bytes[4]! << 8) | bytes[5]!;
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(0x1c, crcOf(bytes, version === 1 ? 32 : 96));
  return bytes;
}

/** Strings appended after a section's entries; offsets are relative to the section start. */
function withStrings(entries: Uint8Array, strings: (string | null)[], put: (offsets: number[]) => void): Uint8Array {
  const enc = new TextEncoder();
  const offsets: number[] = [];
  const chunks: Uint8Array[] = [];
  let at = entries.length;
  for (const s of strings) {
    if (s === null) {
      offsets.push(0);
      continue;
    }
    offsets.push(at);
    const b = enc.encode(s + '\0');
    chunks.push(b);
    at += b.length;
  }
  put(offsets);
  const out = new Uint8Array(at);
  out.set(entries, 0);
  let p = entries.length;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

export interface ValueSpec {
  group: number;
  id: number;
  flags?: number;
  auth?: number;
  init?: number;
  name?: string | null;
  unit?: string | null;
  persist?: number;
}

export function valueSection(values: ValueSpec[]): RawSection {
  const entries = new Uint8Array(values.length * 20);
  const v = new DataView(entries.buffer);
  const payload = withStrings(entries, values.flatMap((x) => [x.name ?? null, x.unit ?? null]), (offs) => {
    values.forEach((x, i) => {
      const o = i * 20;
      entries.set([x.group, x.id, x.flags ?? 0, x.auth ?? 0], o);
      v.setUint16(o + 4, x.init ?? 0);
      v.setUint16(o + 6, offs[i * 2]!);
      v.setUint16(o + 8, offs[i * 2 + 1]!);
      v.setUint16(o + 16, x.persist ?? 0);
    });
  });
  return { type: 1, payload, count: values.length };
}

export interface CmdSpec {
  group: number;
  id: number;
  handler?: number;
  name?: string | null;
  help?: string | null;
}

export function cmdSection(cmds: CmdSpec[]): RawSection {
  const entries = new Uint8Array(cmds.length * 16);
  const v = new DataView(entries.buffer);
  const payload = withStrings(entries, cmds.flatMap((x) => [x.name ?? null, x.help ?? null]), (offs) => {
    cmds.forEach((x, i) => {
      const o = i * 16;
      entries.set([x.group, x.id, 0, 0], o);
      v.setUint32(o + 4, x.handler ?? 0);
      v.setUint16(o + 8, offs[i * 2]!);
      v.setUint16(o + 10, offs[i * 2 + 1]!);
    });
  });
  return { type: 2, payload, count: cmds.length };
}

export function jsonMailboxSection(doc: unknown, count = 1): RawSection {
  return { type: 3, payload: new TextEncoder().encode(typeof doc === 'string' ? doc : JSON.stringify(doc)), count };
}

export function legacyMailboxSection(boxes: { name: string | null; depth: number; flags: number }[]): RawSection {
  const entries = new Uint8Array(boxes.length * 16);
  const v = new DataView(entries.buffer);
  const payload = withStrings(entries, boxes.map((b) => b.name), (offs) => {
    boxes.forEach((b, i) => {
      v.setUint32(i * 16, offs[i]!);
      v.setUint16(i * 16 + 4, b.depth);
      v.setUint16(i * 16 + 6, b.flags);
    });
  });
  return { type: 3, payload, count: boxes.length };
}
