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
  const desc = join(dir, `${appName}.toml`);
  const code = join(dir, `${appName}.code.bin`);
  const ro = join(dir, `${appName}.ro.bin`);
  const path = join(dir, `${appName}.hxe`);
  writeFileSync(desc, `app_name = "${appName}"\ncapabilities = 0\n`);
  writeFileSync(code, bytes(codeBytes, seed));
  writeFileSync(ro, bytes(rodataBytes, seed * 7 + 1));
  const r = await runCli(['pack', '--desc', desc, '--code', code, ...(rodataBytes > 0 ? ['--rodata', ro] : []), '-o', path, '--json']);
  if (r.code !== 0) throw new Error(`hilbridge pack ${appName} exited ${r.code}: ${r.stdout}${r.stderr}`);
  const file = readFileSync(path);
  const sha256 = createHash('sha256').update(file).digest('hex');
  const packed = r.json[0] as { size: number; sha256: string };
  if (packed.sha256 !== sha256 || packed.size !== file.length) throw new Error(`hilbridge pack ${appName}: reported ${JSON.stringify(packed)}, file has ${file.length} bytes, sha256 ${sha256}`);
  return { path, appName, size: file.length, sha256 };
}
