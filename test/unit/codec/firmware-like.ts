/**
 * Deterministic inputs for the codec's ratio tests and bench/codec.ts:
 * the HSX fixtures (test/fixtures/hsx, code-like), a firmware-like image
 * built from them (code + tables + strings + zero and 0xFF padding), and
 * seeded random bytes. The firmware model (docs/compression.md section 6):
 *
 *   vectors  256 B   64 little-endian u32 entry points into the code
 *   code     55 %    functions of 8..40 instructions drawn from the 4-byte
 *                    words of the HSX fixtures, half with a fresh 16-bit
 *                    immediate, a quarter of runs copied from code up to
 *                    4 KiB back (prologues, epilogues, idioms)
 *   tables   12 %    a u16 sine table, a 1 KiB CRC-32 table (incompressible
 *                    by LZ), 16-byte config records differing in 2 fields
 *   strings   5 %    NUL-terminated identifiers and messages from the
 *                    fixtures' names and a word list
 *   zeros     8 %    zero-initialised data
 *   padding  rest    0xFF (erased flash up to the image size)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const HSX_DIR = fileURLToPath(new URL('../../fixtures/hsx/', import.meta.url));

/** Every HSX fixture, in a stable order. */
export function hsxFixtures(): { name: string; bytes: Uint8Array }[] {
  return ['v1', 'v2'].flatMap((d) =>
    readdirSync(`${HSX_DIR}${d}`)
      .filter((f) => f.endsWith('.hxe'))
      .sort()
      .map((f) => ({ name: `${d}/${f}`, bytes: new Uint8Array(readFileSync(`${HSX_DIR}${d}/${f}`)) })),
  );
}

/** mulberry32: a small seeded generator, so every run measures the same bytes. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(n: number, seed: number): Uint8Array {
  const r = prng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(r() * 256);
  return out;
}

const WORDS = ['motor', 'speed', 'temp', 'reset', 'controller', 'telemetry', 'calib', 'sensor', 'offset', 'gain', 'error', 'timeout', 'mailbox', 'value', 'limit', 'state'];

/** A firmware-like image of `size` bytes (see the file comment for the model). */
export function firmwareLike(size: number, seed = 1): Uint8Array {
  const r = prng(seed);
  const int = (n: number): number => Math.floor(r() * n);
  const img = new Uint8Array(size).fill(0xff);
  const dv = new DataView(img.buffer);
  const vocab: number[] = [];
  for (const f of hsxFixtures()) for (let i = 0x60; i + 4 <= f.bytes.length; i += 4) vocab.push(new DataView(f.bytes.buffer, f.bytes.byteOffset).getUint32(i));
  const codeStart = 256;
  const codeEnd = codeStart + Math.floor(size * 0.55 / 4) * 4;
  for (let i = 0; i < 64; i++) dv.setUint32(i * 4, (0x08000000 + codeStart + 4 * int((codeEnd - codeStart) / 4)) | 1, true);
  let p = codeStart;
  while (p + 4 <= codeEnd) {
    const fnLen = 8 + int(33);
    for (let k = 0; k < fnLen && p + 4 <= codeEnd; ) {
      if (r() < 0.25 && p - codeStart >= 64) {
        const run = 4 * (3 + int(6));
        const back = 4 * (1 + int(Math.min(1024, (p - codeStart) / 4)));
        for (let j = 0; j < run && p < codeEnd; j++, p++) img[p] = img[p - back]!;
        k += run / 4;
      } else {
        let w = vocab[int(vocab.length)]!;
        if (r() < 0.5) w = (w & 0xffff0000) | (r() < 0.5 ? int(256) : int(65536));
        dv.setUint32(p, w >>> 0);
        p += 4;
        k++;
      }
    }
  }
  p = codeEnd;
  const tablesEnd = p + Math.floor(size * 0.12);
  for (let i = 0; i < 256 && p + 2 <= tablesEnd; i++, p += 2) dv.setUint16(p, Math.round(32767 * Math.sin((i * Math.PI) / 128)) & 0xffff, true);
  for (let n = 0; n < 256 && p + 4 <= tablesEnd; n++, p += 4) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    dv.setUint32(p, c >>> 0, true);
  }
  const record = randomBytes(16, seed + 7);
  for (let i = 0; p + 16 <= tablesEnd; i++, p += 16) {
    img.set(record, p);
    dv.setUint16(p, i, true);
    dv.setUint16(p + 8, int(65536), true);
  }
  p = tablesEnd;
  const stringsEnd = p + Math.floor(size * 0.05);
  const enc = new TextEncoder();
  while (p < stringsEnd) {
    const s = enc.encode(`${WORDS[int(WORDS.length)]!}_${WORDS[int(WORDS.length)]!}${r() < 0.3 ? ` ${WORDS[int(WORDS.length)]!} out of range` : ''}\0`);
    img.set(s.subarray(0, stringsEnd - p), p);
    p += s.length;
  }
  p = Math.min(stringsEnd, size);
  img.fill(0, p, Math.min(size, p + Math.floor(size * 0.08)));
  return img;
}
