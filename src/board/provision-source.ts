/**
 * What the board's boot sequence reads images from (src/board/provision.ts):
 * a list of entries and an image reader per entry. The host preload
 * directory (provision-host.ts) and the SD card (provision-sd.ts, over
 * src/sd) are sources; the boot sequence never sees a file system or FAT.
 */
import type { ImageReader } from '../image/reader.js';

export interface ProvisionEntry {
  /** Unique in its source: what a fallback names (the manifest entry's name, the file name of a host preload image). */
  readonly name: string;
  /** Names the entry in its source (a file path in the directory or on the card). */
  readonly path: string;
  /** The app (or bundle) name the source lists, or null. */
  readonly appName: string | null;
  readonly version: string | null;
  /** SHA-256 the source lists, 64 lowercase hex digits: the image read must hash to it. */
  readonly sha256: string;
  readonly size: number;
  readonly kind: 'hxe' | 'bundle';
  /** Lower numbers load first. */
  readonly priority: number;
  /** Node ids the entry is for; empty = every node. */
  readonly nodes: readonly number[];
  /** FRAM value defaults: persist key and the raw f16 (written only where no value is stored). */
  readonly values: readonly { readonly key: number; readonly raw: number }[];
  /** Name of the entry to try when this one fails, or null. */
  readonly fallback: string | null;
}

export interface ImageSource {
  /** The directory or card, as events and messages name it. */
  readonly name: string;
  /** Every entry the source holds (for every node). Rejects when the source cannot be read. */
  list(): Promise<readonly ProvisionEntry[]>;
  /** An image reader over one entry's bytes (size, CRC-32 and SHA-256 as read, not as listed). */
  open(entry: ProvisionEntry): Promise<ImageReader>;
  close(): Promise<void>;
}
