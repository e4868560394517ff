/**
 * Formatting a FRAM: everything but the wear counters is zeroed, then the
 * partition table, the trust area, the wear counters and (last, the commit
 * point) the first superblock are written; the superblock write's own wear is
 * counted at the next flush. A power cut anywhere before that last record is
 * committed leaves no committed superblock copy (`Fram.neverFormatted`), and
 * mounting formats such a FRAM again (src/board/board-fram.ts).
 */
import { randomBytes } from 'node:crypto';
import { toHex } from '../util/hex.js';
import { LAYOUT_VERSION } from './layout.js';
import { writePartitionTable } from './partition-table.js';
import { DEFAULT_SETTINGS } from './settings.js';
import type { FramStore } from './store.js';
import { writeSuperblock } from './superblock.js';
import { emptyTrust, type TrustArea, writeTrust } from './trust.js';

export interface FormatOptions {
  /** Board identity and trust anchor; a random board id and no key by default. */
  readonly trust?: TrustArea;
}

export function formatFram(store: FramStore, options: FormatOptions = {}): void {
  const L = store.layout;
  for (const p of L.partitions) if (p.name !== 'wear') store.zero(p.offset, p.length);
  writePartitionTable(store, L);
  writeTrust(store, L, options.trust ?? emptyTrust(toHex(randomBytes(16))));
  store.flushWear(); // before the commit point: a cut in the first wear record leaves the format to redo, not a formatted FRAM without wear counters
  writeSuperblock(store, L, {
    layoutVersion: LAYOUT_VERSION,
    deviceSize: L.size,
    active: null,
    activeGen: 0,
    previous: null,
    previousGen: 0,
    trial: false,
    bootAttempts: 0,
    maxAttempts: DEFAULT_SETTINGS.maxTrialBoots,
    resetPending: false,
    lastEvent: null,
  });
}
