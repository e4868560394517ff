/**
 * The FRAM a virtual board runs on: a file (a real board's chip that survives
 * the process: reopening the file is a power cycle), a caller-owned byte array
 * (tests reboot by opening a new board on the same array), or a device the
 * caller built (e.g. with a power cut armed). A FRAM that was never
 * formatted (blank, or its first format was cut short) is formatted on first
 * use; one whose superblocks are damaged is not touched: the board boots into
 * recovery and says why.
 */
import { Fram, FileFramDevice, type FramDevice, MemoryFramDevice } from '../fram/index.js';
import { framOp } from './errors.js';

export type FramSpec =
  /** A FRAM image file; created (all zero) with `size` when missing. */
  | { readonly file: string; readonly size?: number }
  /** A byte array that is the chip (shared, not copied). */
  | { readonly memory: Uint8Array }
  /** A fresh all-zero memory FRAM of `size` bytes. */
  | { readonly size: number }
  | { readonly device: FramDevice };

export function openFramDevice(spec: FramSpec): FramDevice {
  return framOp('open FRAM', () => {
    if ('device' in spec) return spec.device;
    if ('file' in spec) return FileFramDevice.open(spec.file, spec.size === undefined ? {} : { size: spec.size });
    if ('memory' in spec) return new MemoryFramDevice(spec.memory);
    return MemoryFramDevice.blank(spec.size);
  });
}

/** Mount the FRAM, formatting it when it was never formatted to the end (Fram.neverFormatted). */
export function mountFram(device: FramDevice): { fram: Fram; formatted: boolean } {
  return framOp('mount FRAM', () => {
    const fram = Fram.open(device);
    if (!fram.neverFormatted) return { fram, formatted: false };
    return { fram: Fram.format(device), formatted: true };
  });
}
