/** Shared preconditions of the FRAM operations. */
import { FramError, at } from './errors.js';
import type { SlotId } from './layout.js';
import { readPartitionTable } from './partition-table.js';
import type { FramStore } from './store.js';
import { readSuperblock, type Superblock } from './superblock.js';

/** The current superblock; throws when the FRAM is unformatted/damaged or its layout does not match. */
export function requireSuperblock(store: FramStore): Superblock {
  const pt = readPartitionTable(store, store.layout);
  if (pt.status === 'valid' && !pt.matchesLayout) {
    throw new FramError('layout_mismatch', `partition table at ${at(pt.offset)} does not match the layout for a ${store.layout.size}-byte FRAM; was the file resized? run hilbridge fmap`, pt.offset);
  }
  const sb = readSuperblock(store, store.layout).current;
  if (sb === null) {
    throw new FramError('no_valid_superblock', `neither superblock copy (${at(store.layout.superblock[0])}, ${at(store.layout.superblock[1])}) is valid: the FRAM is unformatted or damaged; run hilbridge fmap, then format`, store.layout.superblock[0]);
  }
  return sb;
}

/** The slot a new image is staged into: the one that is not active (A on an empty board). */
export function inactiveSlot(sb: Superblock): SlotId {
  return sb.active === 'A' ? 'B' : 'A';
}
