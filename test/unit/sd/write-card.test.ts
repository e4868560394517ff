/**
 * writeCard over an existing directory (src/sd/write-card.ts): it removes
 * only files the old manifest listed, never follows a symlinked images/,
 * refuses a directory whose manifest is not one, and a cut before the new
 * manifest is written leaves the old card whole (the rename of
 * hilbridge.json fails here the way a power cut or a full disk would).
 * Also: the images' total is checked before any is read, and the FAT size
 * is computed.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as FsPromises from 'node:fs/promises';
import { describe, expect, it, vi } from 'vitest';
import { checkCard, fatFits, openCard, readCardImages, writeCard, writeFatImage } from '../../../src/sd/index.js';
import { SAMPLES, tempDir } from './helpers.js';

const cut = vi.hoisted(() => ({ manifest: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof FsPromises>();
  return {
    ...fs,
    rename: async (from: string, to: string): Promise<void> => {
      if (cut.manifest && to.endsWith('hilbridge.json')) throw Object.assign(new Error('ENOSPC: no space left on device (test cut)'), { code: 'ENOSPC' });
      return fs.rename(from, to);
    },
  };
});

const [MOTOR, TELEMETRY, CALIB] = ['motor_ctl', 'telemetry', 'calib'].map((n) => join(SAMPLES, `${n}.hxe`)) as [string, string, string];
const OPTS = { fat: false, maxImageBytes: 1 << 20 } as const;

async function cardOk(dir: string): Promise<boolean> {
  const card = await openCard(dir);
  try {
    return (await checkCard(card)).ok;
  } finally {
    await card.close();
  }
}

async function refusal(p: Promise<unknown>): Promise<Error & { code?: string }> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(Error);
  return e as Error & { code?: string };
}

describe('writeCard over an existing directory', () => {
  it('refuses an images/ that is a symlink and deletes nothing it points to', async () => {
    const root = tempDir();
    const victim = join(root, 'victim');
    mkdirSync(victim);
    writeFileSync(join(victim, 'thesis.txt'), 'precious');
    writeFileSync(join(victim, 'telemetry.hxe'), 'also precious');
    const card = join(root, 'card');
    await writeCard(card, [TELEMETRY], OPTS); // a real card listing images/telemetry.hxe
    rmSync(join(card, 'images'), { recursive: true });
    symlinkSync('../victim', join(card, 'images'));
    const e = await refusal(writeCard(card, [MOTOR], OPTS));
    expect(e.code).toBe('file_not_regular');
    expect(e.message).toMatch(/images.*symbolic link/);
    expect(readFileSync(join(victim, 'thesis.txt'), 'utf8')).toBe('precious');
    expect(readFileSync(join(victim, 'telemetry.hxe'), 'utf8')).toBe('also precious');
    expect(existsSync(join(victim, 'motor_ctl.hxe'))).toBe(false);
  });

  it('refuses a directory whose hilbridge.json is not a card manifest', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'hilbridge.json'), '{"name":"my-node-project"}');
    mkdirSync(join(dir, 'images'));
    writeFileSync(join(dir, 'images', 'logo.png'), 'png');
    const e = await refusal(writeCard(dir, [MOTOR], OPTS));
    expect(e.code).toBe('card_not_empty');
    expect(e.message).toMatch(/hilbridge\.json.*not a card manifest/);
    expect(readFileSync(join(dir, 'images', 'logo.png'), 'utf8')).toBe('png');
    expect(readFileSync(join(dir, 'hilbridge.json'), 'utf8')).toBe('{"name":"my-node-project"}');
  });

  it('removes what the old manifest listed and the new one does not, and keeps files no manifest listed', async () => {
    const dir = join(tempDir(), 'card');
    await writeCard(dir, [MOTOR, TELEMETRY, CALIB], OPTS);
    writeFileSync(join(dir, 'images', 'notes.txt'), 'mine');
    await writeCard(dir, [MOTOR], OPTS);
    expect(existsSync(join(dir, 'images', 'telemetry.hxe'))).toBe(false);
    expect(existsSync(join(dir, 'images', 'calib.hxe'))).toBe(false);
    expect(readFileSync(join(dir, 'images', 'notes.txt'), 'utf8')).toBe('mine');
    expect(await cardOk(dir)).toBe(true);
  });

  it('a cut before the new manifest is in place leaves the old card whole: it never names a missing file', async () => {
    const dir = join(tempDir(), 'card');
    await writeCard(dir, [TELEMETRY, CALIB], OPTS);
    cut.manifest = true;
    try {
      const e = await refusal(writeCard(dir, [MOTOR], OPTS));
      expect(e.code).toBe('file_unwritable');
    } finally {
      cut.manifest = false;
    }
    expect(existsSync(join(dir, 'images', 'telemetry.hxe'))).toBe(true);
    expect(existsSync(join(dir, 'images', 'calib.hxe'))).toBe(true);
    expect(await cardOk(dir)).toBe(true);
  });
});

describe('sd write sizes', () => {
  it('refuses images larger together than the largest card before reading any (sd_card_too_large)', async () => {
    const dir = tempDir();
    const big = join(dir, 'big.hxe');
    writeFileSync(big, '');
    const { truncate } = await import('node:fs/promises');
    await truncate(big, 300 * 1024 * 1024); // sparse: stat says 300 MiB, nothing is allocated
    const e = await refusal(readCardImages([big, big], 400 * 1024 * 1024));
    expect(e.code).toBe('sd_card_too_large');
    expect(e.message).toMatch(/629145600 bytes; a card holds at most 536870912/);
  });

  it('fatFits says exactly when writeFatImage fits the files (so the computed size is the one trying would find)', () => {
    const file = (n: number, size: number): { path: string; bytes: Uint8Array } => ({ path: `images/f${n}.hxe`, bytes: new Uint8Array(size) });
    for (const volume of [64 * 1024, 128 * 1024, 256 * 1024]) {
      for (const count of [1, 3, 20]) {
        for (const size of [1, 511, 4000, 9000, 30_000, 70_000]) {
          const files = [{ path: 'hilbridge.json', bytes: new Uint8Array(300) }, ...Array.from({ length: count }, (_, i) => file(i, size))];
          let built = true;
          try {
            writeFatImage(files, volume);
          } catch (e) {
            expect((e as { code?: string }).code).toBe('sd_fat_full');
            built = false;
          }
          expect(fatFits(files, volume), `${count} x ${size} B in ${volume} B`).toBe(built);
        }
      }
    }
  });

  it('a FAT card gets the smallest automatic size that holds it', async () => {
    const img = join(tempDir(), 'card.img');
    const w = await writeCard(img, [MOTOR, TELEMETRY], { ...OPTS, fat: true });
    expect(w.size).toBe(4 * 1024 * 1024);
    expect(await cardOk(img)).toBe(true);
  });
});
