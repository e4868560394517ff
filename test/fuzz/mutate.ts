/**
 * Structure-aware mutations shared by the targets: take a valid encoding and
 * flip, set, insert, delete, duplicate or truncate bytes, or set a known
 * length/count field to an extreme, so a case gets past the first checks and
 * reaches the deep ones. Positions are generated as naturals and reduced
 * modulo the input's length when applied, so one arbitrary fits any input.
 */
import fc from 'fast-check';

/** A big-endian integer field of a format: where it is and how wide (1, 2 or 4 bytes). */
export interface Field {
  readonly at: number;
  readonly size: 1 | 2 | 4;
}

export type Mutation =
  | { readonly op: 'flip'; readonly pos: number; readonly bit: number }
  | { readonly op: 'set'; readonly pos: number; readonly value: number }
  | { readonly op: 'insert'; readonly pos: number; readonly bytes: Uint8Array }
  | { readonly op: 'delete'; readonly pos: number; readonly count: number }
  | { readonly op: 'duplicate'; readonly pos: number; readonly count: number }
  | { readonly op: 'truncate'; readonly pos: number }
  | { readonly op: 'extend'; readonly bytes: Uint8Array }
  | { readonly op: 'field'; readonly field: number; readonly value: number };

/** Values a length, count or offset field is set to: the edges where off-by-one and overflow bugs live. */
export const EXTREMES = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff] as const;

/**
 * Tokens worth inserting (as AFL's dictionaries): the magics of every format,
 * UTF-8 edge cases (byte-order mark, overlong NUL, a lone surrogate, a cut
 * sequence), JSON openers, delimiters.
 */
export const DICTIONARY: readonly Uint8Array[] = [
  [0x48, 0x42, 0x01], // frame magic + version
  [0x48, 0x53, 0x58, 0x45], // HSXE
  [0x48, 0x58, 0x42, 0x4e], // HXBN
  [0x48, 0x58, 0x4d, 0x46], // HXMF
  [0x48, 0x58, 0x53, 0x47], // HXSG
  [0xef, 0xbb, 0xbf],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xe2, 0x82],
  [0x5b, 0x5d],
  [0x7b, 0x7d],
  [0x00],
  [0xff, 0xff, 0xff, 0xff],
  [0x0a],
  [0x0d, 0x0a],
].map((t) => Uint8Array.from(t));

const fieldValue = fc.oneof(fc.constantFrom(...EXTREMES), fc.nat(), fc.integer({ min: -8, max: 8 }));

/** One mutation; `fields` enables the field-extreme mutation for that format's fields. */
export function mutation(fields: readonly Field[] = []): fc.Arbitrary<Mutation> {
  const ops: fc.Arbitrary<Mutation>[] = [
    fc.record({ op: fc.constant('flip' as const), pos: fc.nat(), bit: fc.nat(7) }),
    fc.record({ op: fc.constant('set' as const), pos: fc.nat(), value: fc.oneof(fc.constantFrom(0, 0xff, 0x80, 0x7f), fc.nat(255)) }),
    fc.record({ op: fc.constant('insert' as const), pos: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    fc.record({ op: fc.constant('insert' as const), pos: fc.nat(), bytes: fc.constantFrom(...DICTIONARY) }),
    fc.record({ op: fc.constant('delete' as const), pos: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
    fc.record({ op: fc.constant('duplicate' as const), pos: fc.nat(), count: fc.integer({ min: 1, max: 64 }) }),
    fc.record({ op: fc.constant('truncate' as const), pos: fc.nat() }),
    fc.record({ op: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  ];
  if (fields.length > 0) {
    ops.push(fc.record({ op: fc.constant('field' as const), field: fc.nat(fields.length - 1), value: fieldValue }));
    ops.push(fc.record({ op: fc.constant('field' as const), field: fc.nat(fields.length - 1), value: fieldValue }));
  }
  return fc.oneof(...ops);
}

/** One to `max` mutations. */
export function mutations(fields: readonly Field[] = [], max = 4): fc.Arbitrary<Mutation[]> {
  return fc.array(mutation(fields), { minLength: 1, maxLength: max });
}

function writeBE(b: Uint8Array, f: Field, value: number): void {
  const v = value >>> 0;
  for (let i = 0; i < f.size; i++) {
    const at = f.at + i;
    if (at < b.length) b[at] = (v >>> (8 * (f.size - 1 - i))) & 0xff;
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Apply the mutations in order to a copy of `input`. */
export function applyMutations(input: Uint8Array, ms: readonly Mutation[], fields: readonly Field[] = []): Uint8Array {
  let b: Uint8Array = input.slice();
  for (const m of ms) {
    const n = b.length;
    switch (m.op) {
      case 'flip':
        if (n > 0) b[m.pos % n]! ^= 1 << m.bit;
        break;
      case 'set':
        if (n > 0) b[m.pos % n] = m.value;
        break;
      case 'insert': {
        const at = m.pos % (n + 1);
        b = concat(b.subarray(0, at), m.bytes, b.subarray(at));
        break;
      }
      case 'delete': {
        const at = m.pos % (n + 1);
        b = concat(b.subarray(0, at), b.subarray(at + m.count));
        break;
      }
      case 'duplicate': {
        const at = m.pos % (n + 1);
        b = concat(b.subarray(0, at + m.count), b.subarray(at));
        break;
      }
      case 'truncate':
        b = b.slice(0, m.pos % (n + 1));
        break;
      case 'extend':
        b = concat(b, m.bytes);
        break;
      case 'field': {
        const f = fields[m.field % Math.max(1, fields.length)];
        if (f) writeBE(b, f, m.value);
        break;
      }
    }
  }
  return b;
}

/** Cut `bytes` into chunks whose sizes come from `sizes` (cycled; 0 becomes an empty chunk, which a stream must also take). */
export function chunk(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  if (sizes.length === 0) return [bytes];
  const out: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const n = sizes[i % sizes.length]!;
    out.push(bytes.subarray(at, at + n));
    at += n;
    if (i > bytes.length + sizes.length) break; // all-zero sizes: stop, the rest goes in one piece below
  }
  if (at < bytes.length) out.push(bytes.subarray(at));
  return out;
}

/** Chunk sizes: one whole piece, byte by byte, or a random mix (with empty chunks). */
export const chunkSizes: fc.Arbitrary<readonly number[]> = fc.oneof(
  fc.constant([]),
  fc.constant([1]),
  fc.array(fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 200 })), { minLength: 1, maxLength: 8 }),
);

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
