/**
 * Streaming HXE verification: feed the image's bytes in file order, in any
 * chunk sizes; every check runs as soon as the bytes it needs have arrived.
 *
 * Memory: the header (at most 96 bytes) plus, for v2 images with a metadata
 * table, the bytes from the end of rodata to the end of the file, capped by
 * `maxMetadataBytes` (default 64 KiB). Code and rodata only pass through the
 * CRC-32 and SHA-256.
 */
import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { CRC_HEADER_SPAN, HEADER_V2_SIZE, MAX_METADATA_BYTES, Off } from './constants.js';
import { hex } from '../util/hex.js';
import { ImageError } from './errors.js';
import { checkMagic, checkMinimumSize, checkVersion, readHeaderFields, validateHeader, type HeaderInfo } from './header.js';
import type { HxeHeaderFields, HxeImage } from './image.js';
import { NO_METADATA, parseMetadata } from './metadata.js';

/** Default cap on the metadata region a verifier retains. */
export const DEFAULT_MAX_METADATA_BYTES = MAX_METADATA_BYTES;

export interface HxeStreamVerifierOptions {
  /** Exact size of the image in bytes (from the transfer offer or the file). */
  totalSize: number;
  /** Largest metadata region (end of rodata to end of file) accepted; default 64 KiB. */
  maxMetadataBytes?: number;
}

export class HxeStreamVerifier {
  readonly totalSize: number;
  readonly maxMetadataBytes: number;
  private received = 0;
  private readonly head = new Uint8Array(HEADER_V2_SIZE);
  private headLen = 0; // header bytes copied into `head`
  private headerSize = 0; // known after 6 bytes
  private info: HeaderInfo | undefined;
  private region: Uint8Array | undefined;
  private crc = 0;
  private readonly hash: Hash = createHash('sha256');
  private failure: ImageError | undefined;
  private result: HxeImage | undefined;

  /** Throws ImageError('truncated') at once when totalSize cannot hold a header. */
  constructor(opts: HxeStreamVerifierOptions) {
    this.totalSize = opts.totalSize;
    this.maxMetadataBytes = opts.maxMetadataBytes ?? DEFAULT_MAX_METADATA_BYTES;
    this.guard(() => checkMinimumSize(this.totalSize));
  }

  /** Bytes accepted so far. */
  get bytesReceived(): number {
    return this.received;
  }

  /** Header fields once the whole header has arrived (even if later checks failed), else undefined. */
  get header(): HxeHeaderFields | undefined {
    return this.headerSize !== 0 && this.headLen >= this.headerSize ? readHeaderFields(this.head) : undefined;
  }

  /** The error that stopped verification, if any. */
  get error(): ImageError | undefined {
    return this.failure;
  }

  /** Feed the next bytes (in file order). Throws ImageError as soon as anything is known bad; once failed, every call rethrows. */
  push(chunk: Uint8Array): void {
    this.guard(() => this.accept(chunk));
  }

  /** All bytes are in: check the CRC and decode the metadata. Returns the same result as parseHxe. */
  end(): HxeImage {
    if (this.result) return this.result;
    return this.guard(() => {
      if (this.received < this.totalSize) {
        throw new ImageError(
          'truncated',
          `image ended after ${this.received} of ${this.totalSize} bytes: the transfer or file was cut short`,
          this.received,
        );
      }
      const info = this.info;
      if (!info) throw new ImageError('truncated', 'image ended before its header was complete', this.received);
      const f = info.fields;
      const computed = this.crc >>> 0;
      if (computed !== f.crc32) {
        const covered = f.headerSize < this.totalSize ? ` and ${hex(f.headerSize)}-${hex(this.totalSize - 1)}` : '';
        throw new ImageError(
          'crc_mismatch',
          `CRC-32 mismatch: header says ${hex(f.crc32, 8)}, computed ${hex(computed, 8)} over bytes 0x00-0x1b${covered}: the image is corrupt, cut short, or was modified after linking`,
          Off.crc32,
        );
      }
      const meta =
        info.hasMetadata && this.region
          ? parseMetadata({ base: info.rodataEnd, bytes: this.region }, f.metaOffset, f.metaCount, this.totalSize)
          : NO_METADATA;
      this.result = {
        ...f,
        appName: info.appName,
        allowMultipleInstances: info.allowMultipleInstances,
        size: this.totalSize,
        computedCrc32: computed,
        sha256: this.hash.digest('hex'),
        ...meta,
      };
      return this.result;
    });
  }

  private guard<T>(fn: () => T): T {
    if (this.failure) throw this.failure;
    try {
      return fn();
    } catch (e) {
      if (e instanceof ImageError) this.failure = e;
      throw e;
    }
  }

  private accept(chunk: Uint8Array): void {
    if (this.result) throw new ImageError('size_mismatch', `bytes pushed after end(): the image is ${this.totalSize} bytes`, this.totalSize);
    const start = this.received;
    const end = start + chunk.length;
    if (end > this.totalSize) {
      throw new ImageError(
        'size_mismatch',
        `received ${end} bytes, more than the announced image size of ${this.totalSize}: sender and receiver disagree on the image`,
        this.totalSize,
      );
    }
    this.takeHeaderBytes(chunk, start);
    this.received = end;
    this.hash.update(chunk);
    this.updateCrc(chunk, start);
    this.takeRegionBytes(chunk, start);
  }

  /** Copy header bytes and run each header check the moment its bytes are complete. */
  private takeHeaderBytes(chunk: Uint8Array, start: number): void {
    if (this.info) return;
    const limit = this.headerSize || HEADER_V2_SIZE;
    if (start < limit) this.head.set(chunk.subarray(0, limit - start), start);
    const have = Math.min(start + chunk.length, limit);
    this.headLen = Math.max(this.headLen, have);
    if (start < 4 && have >= 4) checkMagic(this.head);
    if (start < 6 && have >= 6) this.headerSize = checkVersion(this.head, this.totalSize);
    if (this.headerSize !== 0 && have >= this.headerSize) {
      const info = validateHeader(this.head, this.totalSize);
      if (info.hasMetadata) {
        const regionSize = this.totalSize - info.rodataEnd;
        if (regionSize > this.maxMetadataBytes) {
          throw new ImageError(
            'too_large',
            `metadata region from ${hex(info.rodataEnd)} to the end of the image is ${regionSize} bytes, above this verifier's cap of ${this.maxMetadataBytes}`,
            info.rodataEnd,
          );
        }
        this.region = new Uint8Array(regionSize);
      }
      this.info = info;
    }
  }

  /** Feed the CRC the bytes it covers: [0, 0x1c) and [headerSize, end). */
  private updateCrc(chunk: Uint8Array, start: number): void {
    const end = start + chunk.length;
    if (start < CRC_HEADER_SPAN) this.crc = crc32(chunk.subarray(0, Math.min(end, CRC_HEADER_SPAN) - start), this.crc);
    if (this.headerSize === 0) return; // version (byte 6) not in yet, so nothing past 0x1c has arrived
    const from = Math.max(start, this.headerSize);
    if (from < end) this.crc = crc32(chunk.subarray(from - start), this.crc);
  }

  private takeRegionBytes(chunk: Uint8Array, start: number): void {
    if (!this.region || !this.info) return;
    const base = this.info.rodataEnd;
    const end = start + chunk.length;
    if (end <= base) return;
    const from = Math.max(start, base);
    this.region.set(chunk.subarray(from - start), from - base);
  }
}
