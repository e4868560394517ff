/**
 * The FRAM device model: byte-addressed, no erase, byte writes, synchronous.
 *
 * Writes skip bytes that already hold the value being written (no wear, no
 * cost), and write the changed runs in increasing address order, as a real
 * FRAM's SPI write does. A power cut can be armed to land after any number of
 * written bytes: the bytes before the cut are written, the rest are not, and the
 * device then refuses all I/O with `power_failure` until it is reopened.
 */
import { FramError, at } from './errors.js';

/** Smallest supported FRAM: 32 KiB. */
export const MIN_FRAM_SIZE = 32 * 1024;

/** Largest FRAM the host tools read whole (`fmap --fram`): 64 MiB, far above any FRAM part (the largest are a few MiB). */
export const MAX_FRAM_SIZE = 64 * 1024 * 1024;

/** Read access only: what the offline map decoder needs. */
export interface FramReader {
  readonly size: number;
  /** A copy of `length` bytes at `offset`. */
  read(offset: number, length: number): Uint8Array;
}

export interface FramDevice extends FramReader {
  /**
   * Write `data` at `offset`. Bytes equal to the stored ones are skipped.
   * Returns how many bytes were actually written (changed).
   */
  write(offset: number, data: Uint8Array): number;
  /** Bytes actually written and write operations that changed at least one byte, since open. */
  readonly stats: { readonly bytesWritten: number; readonly writeOps: number };
  /** True once an armed power cut fired. */
  readonly powerFailed: boolean;
  close(): void;
}

export interface FramDeviceOptions {
  /** Cut power once this many bytes have been written since open (0 = before the first byte). */
  readonly cutPowerAfterBytes?: number;
}

/** Shared behaviour of every backing: bounds, skipping identical bytes, power cuts, counters. */
export abstract class BaseFramDevice implements FramDevice {
  readonly stats = { bytesWritten: 0, writeOps: 0 };
  private failed = false;
  private readonly cutAfter: number | undefined;

  protected constructor(
    readonly size: number,
    protected readonly label: string,
    options: FramDeviceOptions,
  ) {
    if (size < MIN_FRAM_SIZE) {
      throw new FramError('fram_too_small', `${label}: FRAM of ${size} bytes is smaller than the minimum of ${MIN_FRAM_SIZE} bytes (32 KiB); check the --fram size or file`);
    }
    this.cutAfter = options.cutPowerAfterBytes;
  }

  get powerFailed(): boolean {
    return this.failed;
  }

  protected abstract readRaw(offset: number, length: number): Uint8Array;
  protected abstract writeRaw(offset: number, data: Uint8Array): void;
  abstract close(): void;

  read(offset: number, length: number): Uint8Array {
    this.checkUsable(offset, length, 'read');
    return this.readRaw(offset, length);
  }

  write(offset: number, data: Uint8Array): number {
    this.checkUsable(offset, data.length, 'write');
    const old = this.readRaw(offset, data.length);
    let written = 0;
    let i = 0;
    try {
      while (i < data.length) {
        if (old[i] === data[i]) {
          i++;
          continue;
        }
        let j = i;
        while (j < data.length && old[j] !== data[j]) j++;
        const room = this.cutAfter === undefined ? Infinity : this.cutAfter - this.stats.bytesWritten;
        const end = Math.min(j, i + room);
        if (end > i) {
          this.writeRaw(offset + i, data.subarray(i, end));
          written += end - i;
          this.stats.bytesWritten += end - i;
        }
        if (end < j) {
          this.failed = true;
          throw new FramError('power_failure', `${this.label}: power cut while writing ${at(offset + end)} (${this.stats.bytesWritten} bytes written since power-up); reopen the device to reboot`, offset + end);
        }
        i = j;
      }
    } finally {
      if (written > 0) this.stats.writeOps++;
    }
    return written;
  }

  private checkUsable(offset: number, length: number, what: string): void {
    if (this.failed) {
      throw new FramError('power_failure', `${this.label}: ${what} at ${at(offset)} refused: power failed; reopen the device to reboot`, offset);
    }
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new FramError('out_of_range', `${this.label}: ${what} of ${length} bytes at ${at(offset)} is outside the ${this.size}-byte FRAM`, offset);
    }
  }
}
