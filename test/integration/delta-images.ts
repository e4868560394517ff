/**
 * Images for delta and compression tests and the bench (bench/delta.ts): a
 * firmware-like HXE image (code of a few instruction shapes with small
 * operands, zero and 0xFF padding, repeated tables and strings in rodata),
 * and the edit: 1 % of its bytes changed in three places plus a block
 * inserted near the start (so everything after it moves). Deterministic.
 */
import { writeHxe } from '../../src/hxe/writer.js';
import { prng } from '../unit/codec/firmware-like.js';

/** Code bytes that look like firmware: 4-byte instructions from a few shapes, small operands, padded functions. */
export function firmwareCode(bytes: number, seed = 1): Uint8Array {
  const rnd = prng(seed);
  const out = new Uint8Array(bytes - (bytes % 4));
  let i = 0;
  while (i < out.length) {
    const fn = 64 + Math.floor(rnd() * 400);
    for (let k = 0; k < fn && i < out.length; k += 4, i += 4) {
      const shape = Math.floor(rnd() * 6);
      out[i] = [0x10, 0x12, 0x20, 0x24, 0x31, 0x40][shape]!;
      out[i + 1] = Math.floor(rnd() * 8) * 16 + Math.floor(rnd() * 8);
      out[i + 2] = rnd() < 0.7 ? 0 : Math.floor(rnd() * 256);
      out[i + 3] = Math.floor(rnd() * (rnd() < 0.8 ? 16 : 256));
    }
    const pad = rnd() < 0.3 ? 4 * Math.floor(rnd() * 16) : 0;
    for (let k = 0; k < pad && i < out.length; k++, i++) out[i] = rnd() < 0.5 ? 0x00 : 0xff;
  }
  return out;
}

/** Rodata: tables repeated with small changes, strings, zero runs. */
export function firmwareRodata(bytes: number, seed = 2): Uint8Array {
  const rnd = prng(seed);
  const out = new Uint8Array(bytes);
  const words = ['error', 'value', 'motor', 'sensor', 'timeout', 'calib', 'state', 'ready', 'fault', 'limit'];
  let i = 0;
  while (i < bytes) {
    const kind = rnd();
    if (kind < 0.4) {
      const s = new TextEncoder().encode(`${words[Math.floor(rnd() * words.length)]}_${words[Math.floor(rnd() * words.length)]}: %d\0`);
      out.set(s.subarray(0, bytes - i), i);
      i += s.length;
    } else if (kind < 0.8) {
      for (let k = 0; k < 64 && i < bytes; k++, i++) out[i] = (k * 3 + Math.floor(rnd() * 2)) & 0xff;
    } else i += 32 + Math.floor(rnd() * 64);
  }
  return out;
}

/** A firmware-like HXE image of about `size` bytes (code and rodata each at most 64 KiB - 4). */
export function firmwareImage(size: number, seed = 1, edit?: (code: Uint8Array) => Uint8Array): Uint8Array {
  const half = Math.min(0xfffc, Math.floor(size / 2 / 4) * 4);
  let code = firmwareCode(half, seed);
  if (edit !== undefined) code = edit(code);
  const rodata = firmwareRodata(Math.min(0xfffc, size - half - 256), seed + 1);
  return writeHxe({ code, rodata, appName: 'fw' });
}

/**
 * The edit of `code`: `changed` bytes (1 % of the image) replaced
 * by random ones in three places, and a block of `insert` bytes (a multiple
 * of 4) inserted near the start; the total length is kept (the end is cut).
 */
export function editCode(code: Uint8Array, changed: number, insert = 256, seed = 9): Uint8Array {
  const rnd = prng(seed);
  const out = new Uint8Array(code.length);
  const block = new Uint8Array(insert).map(() => Math.floor(rnd() * 256));
  const at = 1024;
  out.set(code.subarray(0, at));
  out.set(block, at);
  out.set(code.subarray(at, code.length - insert), at + insert);
  const per = Math.floor(changed / 3);
  for (const where of [0.3, 0.55, 0.8]) {
    const start = Math.floor(where * code.length);
    for (let k = 0; k < per; k++) out[start + k] = Math.floor(rnd() * 256);
  }
  return out;
}
