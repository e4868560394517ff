/**
 * HXE images for the HIL tests, built by the real `hilbridge pack` (a
 * separate process) from a small description and seeded pseudo-random code
 * and rodata, so a transfer spans many frames and every byte is distinct
 * enough that a misplaced chunk fails the board's CRC and SHA-256.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './procs.js';

export interface Image {
  readonly path: string;
  readonly appName: string;
  readonly size: number;
  readonly sha256: string;
}

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Pack `<dir>/<appName>.hxe` with `codeBytes` of code (a multiple of 4, at most 64 KiB) and `rodataBytes` of rodata. */
export async function packImage(dir: string, appName: string, codeBytes: number, rodataBytes: number, seed: number): Promise<Image> {
  return packCode(dir, appName, appName, bytes(codeBytes, seed), bytes(rodataBytes, seed * 7 + 1));
}

/** The seeded code `packImage` would pack, to derive another version of an image from. */
export function seededCode(codeBytes: number, seed: number): Uint8Array {
  return bytes(codeBytes, seed);
}

/** Pack `<dir>/<file>.hxe` for app `appName` from the given code (a multiple of 4) and rodata. */
export async function packCode(dir: string, file: string, appName: string, codeBytes: Uint8Array, rodataBytes: Uint8Array = new Uint8Array(0)): Promise<Image> {
  const desc = join(dir, `${file}.toml`);
  const code = join(dir, `${file}.code.bin`);
  const ro = join(dir, `${file}.ro.bin`);
  const path = join(dir, `${file}.hxe`);
  writeFileSync(desc, `app_name = "${appName}"\ncapabilities = 0\n`);
  writeFileSync(code, codeBytes);
  writeFileSync(ro, rodataBytes);
  const r = await runCli(['pack', '--desc', desc, '--code', code, ...(rodataBytes.length > 0 ? ['--rodata', ro] : []), '-o', path, '--json']);
  if (r.code !== 0) throw new Error(`hilbridge pack ${file} exited ${r.code}: ${r.stdout}${r.stderr}`);
  const content = readFileSync(path);
  const sha256 = createHash('sha256').update(content).digest('hex');
  const packed = r.json[0] as { size: number; sha256: string };
  if (packed.sha256 !== sha256 || packed.size !== content.length) throw new Error(`hilbridge pack ${file}: reported ${JSON.stringify(packed)}, file has ${content.length} bytes, sha256 ${sha256}`);
  return { path, appName, size: content.length, sha256 };
}
