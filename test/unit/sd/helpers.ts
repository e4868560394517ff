/** Cards for the SD tests: the sample images laid out by planCard, as a directory or a FAT image. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CardImageInput, type CardPlanOptions, planCard, writeFatImage } from '../../../src/sd/index.js';

export const SAMPLES = fileURLToPath(new URL('../../../samples/', import.meta.url));

export function sample(name: 'motor_ctl' | 'telemetry' | 'calib'): CardImageInput {
  return { source: `samples/${name}.hxe`, bytes: new Uint8Array(readFileSync(join(SAMPLES, `${name}.hxe`))) };
}

export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'hilbridge-sd-'));

/** Files (path -> bytes or text) as a directory card. */
export function writeDir(files: Record<string, Uint8Array | string>): string {
  const root = tempDir();
  for (const [p, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), bytes);
  }
  return root;
}

/** Files as a 1 MiB FAT image file. */
export function writeImage(files: Record<string, Uint8Array | string>): string {
  const path = join(tempDir(), 'card.img');
  const list = Object.entries(files).map(([p, b]) => ({ path: p, bytes: typeof b === 'string' ? new TextEncoder().encode(b) : b }));
  writeFileSync(path, writeFatImage(list, 1024 * 1024));
  return path;
}

/** The card planCard lays out for the samples, as a record of files, and the manifest as an object to edit. */
export function sampleCard(opts: CardPlanOptions = {}): { files: Record<string, Uint8Array | string>; manifest: { version: number; images: Record<string, unknown>[] } } {
  const plan = planCard([sample('motor_ctl'), sample('telemetry'), sample('calib')], opts);
  const files: Record<string, Uint8Array | string> = {};
  for (const f of plan.files) files[f.path] = f.bytes;
  return { files, manifest: JSON.parse(plan.manifest) as { version: number; images: Record<string, unknown>[] } };
}

/** Both card formats of the same files. */
export const FORMATS = [
  ['directory', writeDir],
  ['FAT image', writeImage],
] as const;
