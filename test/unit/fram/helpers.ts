/** Shared fixtures for the FRAM tests: real v2 images and a board with one committed, confirmed image. */
import { emptyTrust } from '../../../src/fram/trust.js';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { parseHxe } from '../../../src/hxe/parse.js';
import { Fram } from '../../../src/fram/fram.js';
import { MemoryFramDevice } from '../../../src/fram/memory-device.js';
import type { ImageOrigin } from '../../../src/fram/slot.js';

/** The repository's own copies (test/fixtures/hsx/v2), never ../shared: a clone must stand alone. */
const FIXTURES = new URL('../../fixtures/hsx/v2/', import.meta.url);

export function fixture(name: 'calib' | 'motor_ctl' | 'telemetry'): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`${name}.hxe`, FIXTURES)));
}

export const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The real HXE verifier, as the target injects it. */
export const check = (b: Uint8Array): { appName: string | null } => parseHxe(b);

/** Stage `image` in `chunk`-byte pieces (last chunk sent twice, as a retransmission) and commit it. */
export function provision(fram: Fram, image: Uint8Array, chunk = 64, source: ImageOrigin = 'can_master'): void {
  fram.beginStaging({ size: image.length, sha256: sha(image), source });
  for (let o = 0; o < image.length; o += chunk) fram.writeStaged(o, image.subarray(o, o + chunk));
  const last = Math.floor((image.length - 1) / chunk) * chunk;
  fram.writeStaged(last, image.subarray(last));
  fram.commit(check);
}

/** A formatted 32 KiB board with `image` committed, booted once and confirmed. */
export function boardWith(image: Uint8Array, size = 32 * 1024): { store: Uint8Array; fram: Fram } {
  const store = new Uint8Array(size);
  const fram = Fram.format(new MemoryFramDevice(store), { trust: emptyTrust('00112233445566778899aabbccddeeff') });
  provision(fram, image);
  fram.boot(check);
  fram.confirm();
  return { store, fram };
}

export const reopen = (store: Uint8Array, cutPowerAfterBytes?: number): Fram =>
  Fram.open(new MemoryFramDevice(store, cutPowerAfterBytes === undefined ? {} : { cutPowerAfterBytes }));
