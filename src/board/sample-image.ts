/**
 * The bundled sample images (samples/*.hxe, real toolchain output) and a way
 * to make a larger valid image from one: the same app name, capabilities,
 * values, commands and mailboxes, with the sample's code followed by
 * deterministic filler up to a given code size, written by the HXE writer.
 * Values flagged PERSIST without a persist key get one (0x0100 + group*16 +
 * id), so the demo can show persistence. The samples are a few hundred bytes;
 * the demo uses this to make the progress bar mean something, and says so.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import { PERSIST_KEY_NONE, ValueFlag } from '../hxe/constants.js';
import type { HxeImage } from '../hxe/image.js';
import { parseHxe } from '../hxe/parse.js';
import { writeHxe } from '../hxe/writer.js';

export const SAMPLE_NAMES = ['calib', 'motor_ctl', 'telemetry'] as const;
export type SampleName = (typeof SAMPLE_NAMES)[number];

/** samples/ of the installed package: two levels above src/board (or dist/board). */
export function samplePath(name: SampleName): string {
  return fileURLToPath(new URL(`../../samples/${name}.hxe`, import.meta.url));
}

export async function readSample(name: SampleName): Promise<Uint8Array> {
  const path = samplePath(name);
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    throw new UsageError('sample_missing', `bundled sample ${path} cannot be read: the package is incomplete; reinstall hilbridge`, { cause });
  }
}

/** Persist key the enlarged image gives a PERSIST value that has none. */
export function derivedPersistKey(groupId: number, valueId: number): number {
  return 0x0100 + ((groupId * 16 + valueId) & 0xfeff);
}

/** A valid image with `image`'s metadata and `codeBytes` of code (a multiple of 4, at least the original code). */
export function enlargeImage(original: Uint8Array, codeBytes: number): { bytes: Uint8Array; source: HxeImage } {
  const img = parseHxe(original);
  const size = Math.max(codeBytes - (codeBytes % 4), img.codeLen);
  const code = new Uint8Array(size);
  code.set(original.subarray(img.headerSize, img.headerSize + img.codeLen));
  for (let i = img.codeLen; i < size; i++) code[i] = (i * 31 + 7) & 0xff;
  const rodata = original.slice(img.headerSize + img.codeLen, img.headerSize + img.codeLen + img.roLen);
  const bytes = writeHxe({
    code,
    rodata,
    entry: img.entry,
    bssSize: img.bssSize,
    reqCaps: img.reqCaps,
    allowMultipleInstances: img.allowMultipleInstances,
    appName: img.appName ?? '',
    values: img.values.map((v) => ({
      ...v,
      persistKey: (v.flags & ValueFlag.persist) !== 0 && v.persistKey === PERSIST_KEY_NONE ? derivedPersistKey(v.groupId, v.valueId) : v.persistKey,
    })),
    commands: img.commands.map((c) => ({ ...c })),
    mailboxes: img.mailboxes.map((m) => ({ ...m, bindings: m.bindings.map((b) => ({ ...b })) })),
  });
  return { bytes, source: img };
}
