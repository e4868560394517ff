/** A FRAM device over a caller-owned byte array: tests keep the array and "reboot" by opening a new device on it. */
import { BaseFramDevice, type FramDeviceOptions } from './device.js';

export class MemoryFramDevice extends BaseFramDevice {
  /** `store` is shared, not copied: it is the FRAM chip that survives power cycles. */
  constructor(
    readonly store: Uint8Array,
    options: FramDeviceOptions = {},
  ) {
    super(store.length, 'memory FRAM', options);
  }

  /** A fresh, all-zero FRAM of `size` bytes. */
  static blank(size: number, options: FramDeviceOptions = {}): MemoryFramDevice {
    return new MemoryFramDevice(new Uint8Array(size), options);
  }

  protected readRaw(offset: number, length: number): Uint8Array {
    return this.store.slice(offset, offset + length);
  }

  protected writeRaw(offset: number, data: Uint8Array): void {
    this.store.set(data, offset);
  }

  close(): void {
    // nothing to release: the store outlives the device
  }
}
