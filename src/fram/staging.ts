/**
 * Staging and commit: an incoming image is written into the inactive slot
 * chunk by chunk at any offsets (a retransmitted chunk may be written twice),
 * survives power cycles (the journal records which ranges are held for which
 * SHA-256), and is made active only after it verifies from FRAM.
 */
import { asHilbridgeError, isHilbridgeError } from '../errors.js';
import { crc32, sha256Hex } from '../util/digest.js';
import { FramError, at } from './errors.js';
import type { SlotId } from './layout.js';
import { addRange, type ByteRange, missingRanges } from '../util/ranges.js';
import { invalidateRecord } from './record.js';
import { readSettings } from './settings.js';
import { type ImageCheck, type ImageOrigin, type SlotHeader, readSlotHeader, slotLayout, verifySlot, writeSlotHeader } from './slot.js';
import { MAX_STAGING_RANGES, readJournal, type StagingJournal, writeJournal } from './staging-journal.js';
import { inactiveSlot, requireSuperblock } from './state.js';
import type { FramStore } from './store.js';
import { writeSuperblock } from './superblock.js';

export interface StagingRequest {
  /** Image size in bytes. */
  readonly size: number;
  /** SHA-256 of the whole image, hex (as the host announces it). */
  readonly sha256: string;
  readonly source: ImageOrigin;
  readonly appName?: string | null;
  /** Start over even when the journal already names this image (BEGIN's `fresh`). */
  readonly fresh?: boolean;
}

export interface StagingStatus {
  readonly slot: SlotId;
  readonly size: number;
  readonly sha256: string;
  readonly source: ImageOrigin | null;
  readonly appName: string | null;
  /** Ranges the slot holds (recorded in the journal). */
  readonly held: readonly ByteRange[];
  /** Ranges still to send. */
  readonly missing: readonly ByteRange[];
  readonly complete: boolean;
}

export interface CommitResult {
  readonly slot: SlotId;
  readonly generation: number;
  readonly image: SlotHeader;
  /** The slot that was active before (the rollback target), or null. */
  readonly previous: SlotId | null;
}

function status(j: StagingJournal): StagingStatus {
  const missing = missingRanges(j.held, j.size);
  return { slot: j.slot, size: j.size, sha256: j.sha256, source: j.source, appName: j.appName, held: j.held, missing, complete: missing.length === 0 };
}

/** The staging in progress (after a power cycle too), or null when none. */
export function stagingStatus(store: FramStore): StagingStatus | null {
  const sb = requireSuperblock(store);
  const j = readJournal(store, store.layout).current;
  if (j === null || j.slot !== inactiveSlot(sb)) return null;
  const h = readSlotHeader(store, slotLayout(store.layout, j.slot)).header;
  // A valid header with an older generation is an image that was activated before (the rollback
  // target, or one rolled back from). A journal with ranges beside it is history: the image it
  // staged was committed. A journal without ranges is a staging begun with no byte written yet:
  // the old image stays whole (and restorable) until the first write invalidates its header.
  if (h !== null && h.generation <= sb.seq && j.held.length > 0) return null;
  return status(j);
}

/**
 * Start staging into the inactive slot, or resume the staging of the same
 * image (same SHA-256 and size, unless `fresh`). Writes the journal only; the
 * slot's header (and so the previous image, the rollback target) stays valid
 * until writeStaged stores the first byte.
 */
export function beginStaging(store: FramStore, req: StagingRequest): StagingStatus & { readonly resumed: boolean } {
  const sb = requireSuperblock(store);
  // a trial image that no longer verifies (the board is in recovery) is not worth protecting: refusing would brick the board
  if (sb.trial && sb.active !== null && verifySlot(store, store.layout, sb.active, sb.activeGen).ok) {
    throw new FramError('trial_pending', `slot ${sb.active ?? '-'} is still in trial (boot ${sb.bootAttempts} of ${sb.maxAttempts}); confirm or roll back before staging a new image`);
  }
  const slotId = inactiveSlot(sb);
  const slot = slotLayout(store.layout, slotId);
  if (!Number.isInteger(req.size) || req.size <= 0 || req.size > slot.capacity) {
    throw new FramError('image_too_large', `image of ${req.size} bytes does not fit slot ${slotId} at ${at(slot.headerOffset)} (capacity ${slot.capacity} bytes)`, slot.headerOffset);
  }
  const sha = req.sha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(sha)) throw new FramError('staged_image_mismatch', `staging needs the image SHA-256 as 64 hex digits, got "${req.sha256}"`);
  const j = stagingStatus(store);
  if (req.fresh !== true && j !== null && j.sha256 === sha && j.size === req.size) return { ...j, resumed: true };
  const fresh: StagingJournal = { slot: slotId, source: req.source, size: req.size, sha256: sha, appName: req.appName ?? null, held: [] };
  writeJournal(store, store.layout, fresh);
  return { ...status(fresh), resumed: false };
}

function requireStaging(store: FramStore, what: string): StagingStatus {
  const st = stagingStatus(store);
  if (st === null) throw new FramError('no_staging', `${what}: no image is being staged; call beginStaging first`);
  return st;
}

/**
 * Write a chunk of the staged image at `offset` (image-relative). Returns the
 * updated status. The slot header is invalidated (one byte, a no-op once
 * done) before any byte of the slot changes.
 */
export function writeStaged(store: FramStore, offset: number, bytes: Uint8Array): StagingStatus {
  const st = requireStaging(store, `write at image offset ${offset}`);
  if (!Number.isInteger(offset) || offset < 0 || offset + bytes.length > st.size) {
    throw new FramError('out_of_range', `chunk of ${bytes.length} bytes at image offset ${offset} is outside the ${st.size}-byte image being staged`);
  }
  const slot = slotLayout(store.layout, st.slot);
  invalidateRecord(store, slot.headerOffset);
  store.write(slot.dataOffset + offset, bytes);
  const held = addRange(st.held, offset, offset + bytes.length);
  const same = held.length === st.held.length && held.every((r, i) => r.start === st.held[i]?.start && r.end === st.held[i]?.end);
  if (same || held.length > MAX_STAGING_RANGES) return st;
  const j: StagingJournal = { slot: st.slot, source: st.source, size: st.size, sha256: st.sha256, appName: st.appName, held };
  writeJournal(store, store.layout, j);
  return status(j);
}

/** Forget the staging in progress (the slot stays invalid; the active image is untouched). */
export function abortStaging(store: FramStore): void {
  const st = stagingStatus(store);
  if (st === null) return;
  const j: StagingJournal = { slot: st.slot, source: st.source, size: st.size, sha256: '0'.repeat(64), appName: null, held: [] };
  writeJournal(store, store.layout, j);
}

/**
 * Verify the staged image from FRAM (SHA-256 against the announced one,
 * CRC-32, then `check`), write the slot header, then the next superblock
 * (the commit point) making the slot active in trial.
 * Errors thrown by `check` (ImageError) propagate unchanged.
 */
export function commitStaged(store: FramStore, check: ImageCheck): CommitResult {
  const st = requireStaging(store, 'commit');
  if (!st.complete) {
    const m = st.missing.map((r) => `[${r.start}, ${r.end})`).join(', ');
    throw new FramError('staging_incomplete', `slot ${st.slot} does not hold the whole image yet; missing ${m}`);
  }
  const slot = slotLayout(store.layout, st.slot);
  const image = store.read(slot.dataOffset, st.size);
  const sha = sha256Hex(image);
  if (sha !== st.sha256) {
    writeJournal(store, store.layout, { slot: st.slot, source: st.source, size: st.size, sha256: st.sha256, appName: st.appName, held: [] });
    throw new FramError('staged_image_mismatch', `slot ${st.slot} at ${at(slot.dataOffset)} holds SHA-256 ${sha}, the host announced ${st.sha256}; the staging was reset, resend the image`, slot.dataOffset);
  }
  let appName = st.appName;
  try {
    appName = check(image).appName ?? appName;
  } catch (e) {
    throw isHilbridgeError(e) ? e : asHilbridgeError(e, 'image_rejected');
  }
  const sb = requireSuperblock(store);
  const generation = sb.seq + 1;
  const header: SlotHeader = { generation, size: st.size, crc32: crc32(image), sha256: sha, appName, source: st.source };
  writeSlotHeader(store, slot, header);
  const back = verifySlot(store, store.layout, st.slot, generation);
  if (!back.ok) throw new FramError('slot_corrupt', `slot ${st.slot} failed read-back after writing its header: ${back.detail}; check the FRAM`, slot.headerOffset);
  const { settings } = readSettings(store, store.layout);
  writeSuperblock(store, store.layout, {
    ...sb,
    active: st.slot,
    activeGen: generation,
    previous: sb.active,
    previousGen: sb.active === null ? 0 : sb.activeGen,
    trial: true,
    bootAttempts: 0,
    maxAttempts: settings.maxTrialBoots,
    lastEvent: null,
  });
  return { slot: st.slot, generation, image: header, previous: sb.active };
}
