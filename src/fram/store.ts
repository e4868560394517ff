/**
 * The mounted FRAM: the device, its layout, and wear attribution. Every write
 * of the FRAM layer goes through `write`, which charges the changed bytes to
 * the partition they land in.
 */
import type { FramDevice } from './device.js';
import { computeLayout, type FramLayout, partitionAt } from './layout.js';
import type { FramIo } from './record.js';
import { readWear, type WearCounter, writeWear } from './wear.js';

export class FramStore implements FramIo {
  readonly layout: FramLayout;
  private readonly counters: WearCounter[];
  private dirty = false;

  constructor(readonly device: FramDevice) {
    this.layout = computeLayout(device.size);
    this.counters = readWear(device, this.layout);
  }

  read(offset: number, length: number): Uint8Array {
    return this.device.read(offset, length);
  }

  write(offset: number, data: Uint8Array): void {
    const changed = this.device.write(offset, data);
    if (changed === 0) return;
    const p = partitionAt(this.layout, offset);
    const i = this.counters.findIndex((c) => c.partition === p?.name);
    const c = this.counters[i];
    if (c !== undefined) this.counters[i] = { partition: c.partition, bytes: c.bytes + changed, writes: c.writes + 1 };
    this.dirty = true;
  }

  /** Zero [offset, offset + length) in 256-byte writes (the device skips bytes already zero). */
  zero(offset: number, length: number): void {
    const zeros = new Uint8Array(256);
    for (let o = offset; o < offset + length; o += zeros.length) this.write(o, zeros.subarray(0, Math.min(zeros.length, offset + length - o)));
  }

  /** Counters including writes not yet persisted. */
  wear(): readonly WearCounter[] {
    return [...this.counters];
  }

  /** Persist the counters when anything was written since the last flush (the flush's own write is counted at the next one). */
  flushWear(): void {
    if (!this.dirty) return;
    writeWear(this, this.layout, this.counters);
    this.dirty = false;
  }
}
