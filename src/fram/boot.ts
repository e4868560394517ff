/**
 * Boot, rollback and confirm: the trial-boot state machine (docs/fram.md).
 * Every state change is one superblock write, the commit point.
 */
import { FramError, at } from './errors.js';
import { readPartitionTable } from './partition-table.js';
import { type ImageCheck, type SlotCheck, type SlotHeader, slotLayout, verifySlot } from './slot.js';
import type { SlotId } from './layout.js';
import { requireSuperblock } from './state.js';
import type { FramStore } from './store.js';
import { readSuperblock, type SlotEventKind, type Superblock, writeSuperblock } from './superblock.js';

export type BootReport =
  /** The active image verified and runs; `trial` with the attempt number (1-based) when unconfirmed. */
  | { readonly kind: 'booted'; readonly slot: SlotId; readonly image: SlotHeader; readonly trial: boolean; readonly bootAttempt: number; readonly maxAttempts: number; readonly notes: readonly string[] }
  /** The board fell back to the previous known-good image on its own. */
  | { readonly kind: 'rolled_back'; readonly reason: 'trial_exhausted' | 'active_corrupt'; readonly from: SlotId; readonly to: SlotId; readonly image: SlotHeader; readonly detail: string }
  /** Formatted, no image committed (new board or after factory reset). */
  | { readonly kind: 'empty' }
  /** Nothing bootable: the board stays in its loader and says why. */
  | { readonly kind: 'recovery'; readonly reason: 'no_valid_superblock' | 'layout_mismatch' | 'no_valid_image'; readonly detail: string };

export interface RollbackResult {
  readonly from: SlotId | null;
  readonly to: SlotId;
  readonly image: SlotHeader;
}

function verifyPrevious(store: FramStore, sb: Superblock, check?: ImageCheck): SlotCheck | null {
  return sb.previous === null ? null : verifySlot(store, store.layout, sb.previous, sb.previousGen, check);
}

function fallBack(store: FramStore, sb: Superblock, to: SlotId, gen: number, kind: SlotEventKind): void {
  const lastEvent = sb.active === null ? null : { kind, from: sb.active, to, boots: kind === 'trial_exhausted' ? sb.bootAttempts : 0 };
  writeSuperblock(store, store.layout, { ...sb, active: to, activeGen: gen, previous: null, previousGen: 0, trial: false, bootAttempts: 0, lastEvent });
}

/** Read FRAM, pick and verify the image to run (writing the trial attempt or a fallback), and report. */
export function boot(store: FramStore, check?: ImageCheck): BootReport {
  const pt = readPartitionTable(store, store.layout);
  if (pt.status === 'valid' && !pt.matchesLayout) {
    return { kind: 'recovery', reason: 'layout_mismatch', detail: `partition table at ${at(pt.offset)} does not match a ${store.layout.size}-byte FRAM` };
  }
  const sb = readSuperblock(store, store.layout).current;
  if (sb === null) return { kind: 'recovery', reason: 'no_valid_superblock', detail: `neither superblock copy at ${at(store.layout.superblock[0])} / ${at(store.layout.superblock[1])} is valid` };
  if (sb.active === null) return { kind: 'empty' };
  const active = verifySlot(store, store.layout, sb.active, sb.activeGen, check);
  const prev = (): SlotCheck | null => verifyPrevious(store, sb, check);
  if (!active.ok) {
    const p = prev();
    if (p?.ok === true) {
      fallBack(store, sb, p.slot, sb.previousGen, 'active_corrupt');
      return { kind: 'rolled_back', reason: 'active_corrupt', from: sb.active, to: p.slot, image: p.header, detail: active.detail };
    }
    const why = p === null ? 'no previous image recorded' : p.detail;
    return { kind: 'recovery', reason: 'no_valid_image', detail: `active ${active.detail}; previous: ${why}` };
  }
  if (!sb.trial) return { kind: 'booted', slot: sb.active, image: active.header, trial: false, bootAttempt: 0, maxAttempts: sb.maxAttempts, notes: [] };
  const notes: string[] = [];
  if (sb.bootAttempts >= sb.maxAttempts) {
    const p = prev();
    if (p?.ok === true) {
      fallBack(store, sb, p.slot, sb.previousGen, 'trial_exhausted');
      return { kind: 'rolled_back', reason: 'trial_exhausted', from: sb.active, to: p.slot, image: p.header, detail: `slot ${sb.active} was not confirmed after ${sb.bootAttempts} trial boots` };
    }
    notes.push(`trial boots exhausted (${sb.bootAttempts}) but no previous image to fall back to (${p === null ? 'none recorded' : p.detail}); still running the trial image`);
  }
  const attempt = Math.min(255, sb.bootAttempts + 1);
  writeSuperblock(store, store.layout, { ...sb, bootAttempts: attempt });
  return { kind: 'booted', slot: sb.active, image: active.header, trial: true, bootAttempt: attempt, maxAttempts: sb.maxAttempts, notes };
}

/** Make the previous known-good image active again (confirmed). The image rolled back from becomes the previous one when it was confirmed. */
export function rollback(store: FramStore, check?: ImageCheck): RollbackResult {
  const sb = requireSuperblock(store);
  if (sb.previous === null) throw new FramError('no_previous_image', 'no previous known-good image is recorded in the superblock (first image, after a fallback, or the old slot was reused for staging)');
  const p = verifySlot(store, store.layout, sb.previous, sb.previousGen, check);
  if (!p.ok) {
    const code = p.problem === 'header_incomplete' || p.problem === 'header_blank' || p.problem === 'generation_mismatch' ? 'no_previous_image' : 'slot_corrupt';
    throw new FramError(code, `cannot roll back to slot ${sb.previous}: ${p.detail}`, slotLayout(store.layout, sb.previous).headerOffset);
  }
  const keepOld = sb.active !== null && !sb.trial && verifySlot(store, store.layout, sb.active, sb.activeGen).ok;
  writeSuperblock(store, store.layout, {
    ...sb,
    active: p.slot,
    activeGen: sb.previousGen,
    previous: keepOld ? sb.active : null,
    previousGen: keepOld ? sb.activeGen : 0,
    trial: false,
    bootAttempts: 0,
    lastEvent: sb.active === null ? null : { kind: 'rollback', from: sb.active, to: p.slot, boots: 0 },
  });
  return { from: sb.active, to: p.slot, image: p.header };
}

/** Confirm the trial image as known-good. Idempotent: confirming a confirmed image writes nothing. */
export function confirm(store: FramStore): { readonly slot: SlotId; readonly alreadyConfirmed: boolean } {
  const sb = requireSuperblock(store);
  if (sb.active === null) throw new FramError('not_in_trial', 'no image is active, nothing to confirm');
  if (!sb.trial) return { slot: sb.active, alreadyConfirmed: true };
  writeSuperblock(store, store.layout, { ...sb, trial: false, bootAttempts: 0 });
  return { slot: sb.active, alreadyConfirmed: false };
}
