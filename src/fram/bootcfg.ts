/**
 * The boot configuration (docs/fram.md, "Boot configuration"): where the
 * board looks for its images at power-on, in which order, which images it
 * takes, and which images already failed their trial boots. A two-copy
 * record (dual.ts, magic "HBBC") in the spare room of the settings
 * partition, after each settings copy: copies at settings + 0x20 and
 * settings + 0xA0 (96 bytes each), so the FRAM layout (version 1) is
 * unchanged. Wiped by a factory reset with the settings (the default order
 * applies again).
 *
 * Payload (83 bytes):
 *   +0   3 x source u8 (1 host preload, 2 SD card, 3 CAN/UART master; 0 unused;
 *        all zero = the default order host, sd, can)
 *   +3   image count u8 (0..3; 0 = every image the source lists for the node)
 *   +4   3 x image name [20] (ASCII, zero-padded)
 *   +64  failed count u8 (0..2)
 *   +65  2 x SHA-256 prefix [8] of images that failed their trial boots (newest first)
 *   +81  stopped sources u8: bit 0 host preload, bit 1 SD card (set when an
 *        image from that source failed its trial boots with the failed list
 *        already full: the board loads nothing more from it until the
 *        configuration is set anew)
 *   +82  reserved [1], zero
 *
 * The boot-failure limit is not in this record: it is the settings' max trial
 * boots (settings.ts), which every commit copies into the superblock (the
 * trial-boot machinery of boot.ts counts against it).
 */
import { toHex, fromHex } from '../util/hex.js';
import { type DualSpec, newestPayload, readDual, writeDual } from './dual.js';
import { FramError } from './errors.js';
import type { FramLayout } from './layout.js';
import type { FramIo } from './record.js';

export const BOOTCFG_MAGIC = 0x48424243; // "HBBC"
/** Offset of each copy from the start of its settings copy (the settings record takes 29 bytes). */
export const BOOTCFG_COPY_OFFSET = 0x20;
export const BOOTCFG_PAYLOAD = 83;

export const BOOT_SOURCES = ['host', 'sd', 'can'] as const;
export type BootSource = (typeof BOOT_SOURCES)[number];
/** What the board does when no boot configuration is stored. */
export const DEFAULT_BOOT_ORDER: readonly BootSource[] = ['host', 'sd', 'can'];
export const MAX_BOOT_IMAGES = 3;
export const BOOT_IMAGE_NAME_SIZE = 20;
export const MAX_FAILED_IMAGES = 2;
/** Bytes of an image's SHA-256 the failed list keeps. */
export const FAILED_PREFIX_SIZE = 8;

export interface BootConfig {
  /** Sources in the order the board scans them (each at most once, at least one). */
  readonly order: readonly BootSource[];
  /** App (or bundle) names the board takes, in priority order; empty = every image listed for the node, in the source's priority order. */
  readonly images: readonly string[];
  /** SHA-256 prefixes (16 lowercase hex digits) of images that failed their trial boots: never loaded again until the configuration is set anew. */
  readonly failed: readonly string[];
  /**
   * File sources the board no longer loads from: an image of theirs failed
   * its trial boots when the failed list was already full (so a chain of
   * failing entries cannot cycle). Cleared, with the failed list, by a new configuration.
   */
  readonly stopped: readonly StoppableSource[];
}

/** The sources a failed image can come from (a master's image is never loaded by the scan). */
export type StoppableSource = Exclude<BootSource, 'can'>;
const STOP_BITS: Record<StoppableSource, number> = { host: 1, sd: 2 };

export const DEFAULT_BOOT_CONFIG: BootConfig = { order: DEFAULT_BOOT_ORDER, images: [], failed: [], stopped: [] };

const NAME_RULE = /^[\x21-\x7e]{1,20}$/;

/** Why `cfg` cannot be stored, or undefined when it can (also what the board answers a bad BOOTCFG_SET with). */
export function bootConfigProblem(cfg: Pick<BootConfig, 'order' | 'images'>): string | undefined {
  if (cfg.order.length === 0) return 'the source order is empty: name at least one of host, sd, can';
  if (new Set(cfg.order).size !== cfg.order.length) return `the source order ${cfg.order.join(',')} names a source twice`;
  if (cfg.images.length > MAX_BOOT_IMAGES) return `${cfg.images.length} images named; at most ${MAX_BOOT_IMAGES}`;
  const bad = cfg.images.find((n) => !NAME_RULE.test(n));
  if (bad !== undefined) return `image name ${JSON.stringify(bad)} is not 1..${BOOT_IMAGE_NAME_SIZE} printable ASCII characters without spaces`;
  if (new Set(cfg.images).size !== cfg.images.length) return 'an image is named twice';
  return undefined;
}

export function bootcfgSpec(layout: FramLayout): DualSpec {
  return { offsets: [layout.settings[0] + BOOTCFG_COPY_OFFSET, layout.settings[1] + BOOTCFG_COPY_OFFSET], magic: BOOTCFG_MAGIC, payloadLength: BOOTCFG_PAYLOAD };
}

export function encodeBootConfig(cfg: BootConfig): Uint8Array {
  const problem = bootConfigProblem(cfg);
  if (problem !== undefined) throw new FramError('out_of_range', `cannot store the boot configuration: ${problem}`);
  const p = new Uint8Array(BOOTCFG_PAYLOAD);
  cfg.order.forEach((s, i) => (p[i] = BOOT_SOURCES.indexOf(s) + 1));
  p[3] = cfg.images.length;
  cfg.images.forEach((n, i) => p.set(Buffer.from(n, 'latin1'), 4 + BOOT_IMAGE_NAME_SIZE * i));
  const failed = cfg.failed.slice(0, MAX_FAILED_IMAGES);
  p[64] = failed.length;
  failed.forEach((f, i) => p.set(fromHex(f).subarray(0, FAILED_PREFIX_SIZE), 65 + FAILED_PREFIX_SIZE * i));
  p[81] = cfg.stopped.reduce((bits, src) => bits | STOP_BITS[src], 0);
  return p;
}

/** Decode a payload; fields out of range (a foreign write that passed the CRC) read as the default for that field. */
export function decodeBootConfig(p: Uint8Array): BootConfig {
  const order: BootSource[] = [];
  for (let i = 0; i < 3; i++) {
    const s = BOOT_SOURCES[(p[i] ?? 0) - 1];
    if (s !== undefined && !order.includes(s)) order.push(s);
  }
  const images: string[] = [];
  for (let i = 0; i < Math.min(p[3] ?? 0, MAX_BOOT_IMAGES); i++) {
    const field = p.subarray(4 + BOOT_IMAGE_NAME_SIZE * i, 4 + BOOT_IMAGE_NAME_SIZE * (i + 1));
    const end = field.indexOf(0);
    images.push(Buffer.from(field.subarray(0, end < 0 ? field.length : end)).toString('latin1'));
  }
  const failed: string[] = [];
  for (let i = 0; i < Math.min(p[64] ?? 0, MAX_FAILED_IMAGES); i++) failed.push(toHex(p.subarray(65 + FAILED_PREFIX_SIZE * i, 65 + FAILED_PREFIX_SIZE * (i + 1))));
  const stopped = (Object.keys(STOP_BITS) as StoppableSource[]).filter((src) => ((p[81] ?? 0) & STOP_BITS[src]) !== 0);
  return { order: order.length === 0 ? DEFAULT_BOOT_ORDER : order, images: images.filter((n) => n !== ''), failed, stopped };
}

/** The stored configuration, or the default one (`stored` false) when neither copy is valid. */
export function readBootConfig(io: Pick<FramIo, 'read'>, layout: FramLayout): { config: BootConfig; stored: boolean } {
  const p = newestPayload(readDual(io, bootcfgSpec(layout)));
  return p === null ? { config: DEFAULT_BOOT_CONFIG, stored: false } : { config: decodeBootConfig(p), stored: true };
}

export function writeBootConfig(io: FramIo, layout: FramLayout, cfg: BootConfig): void {
  const spec = bootcfgSpec(layout);
  writeDual(io, spec, readDual(io, spec), encodeBootConfig(cfg));
}

/** The SHA-256 prefix the failed list keeps for an image (64 hex digits in). */
export function failedPrefix(sha256: string): string {
  return sha256.toLowerCase().slice(0, 2 * FAILED_PREFIX_SIZE);
}
