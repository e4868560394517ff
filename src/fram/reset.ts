/**
 * Factory reset: wipes the image slots, the staging journal, the value store
 * and the settings; preserves the partition table, the boot/trust area and the
 * wear counters. Power-safe by intent logging: the superblock is first written
 * with no active image and `resetPending`, then the areas are zeroed (only
 * non-zero bytes are written), then the flag is cleared. Opening a FRAM with
 * the flag set completes the reset (zeroing is idempotent).
 */
import type { FramStore } from './store.js';
import { requireSuperblock } from './state.js';
import { writeSuperblock } from './superblock.js';

export function factoryReset(store: FramStore): void {
  const sb = requireSuperblock(store);
  writeSuperblock(store, store.layout, { ...sb, active: null, activeGen: 0, previous: null, previousGen: 0, trial: false, bootAttempts: 0, resetPending: true, lastEvent: null });
  completePendingReset(store);
}

/** Finish a factory reset that a power cut interrupted; no-op when none is pending. Returns whether it ran. */
export function completePendingReset(store: FramStore): boolean {
  const sb = requireSuperblock(store);
  if (!sb.resetPending) return false;
  const L = store.layout;
  for (const name of ['staging', 'slot_a', 'slot_b', 'settings'] as const) {
    const p = L.partitions.find((x) => x.name === name);
    if (p !== undefined) store.zero(p.offset, p.length);
  }
  store.zero(L.values.offset, L.values.length); // the value cells; the audit ring after them is kept
  writeSuperblock(store, L, { ...sb, resetPending: false });
  return true;
}
