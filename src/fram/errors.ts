/**
 * Why a FRAM operation failed. Every message names the byte offset in the FRAM
 * image (or the partition) and what to check, so a bench engineer can open the
 * FRAM file in a hex viewer or run `hilbridge fmap`.
 */
import { OffsetError } from '../errors.js';
import { hex } from '../util/hex.js';

export type FramErrorCode =
  | 'fram_too_small' // device smaller than MIN_FRAM_SIZE
  | 'out_of_range' // a read/write outside the device or outside a slot
  | 'power_failure' // power was cut; the device refuses I/O until reopened
  | 'io_error' // the backing file could not be read or written
  | 'no_valid_superblock' // neither superblock copy is valid: device unformatted or damaged
  | 'layout_mismatch' // the partition table does not match the layout for this device size
  | 'slot_corrupt' // a slot's header or bytes fail verification
  | 'no_previous_image' // rollback requested but no previous known-good image is recorded
  | 'not_in_trial' // confirm requested but the active image is not in trial
  | 'trial_pending' // staging refused: the active image is still in trial (confirm or roll back first)
  | 'no_staging' // staging write/commit without beginStaging
  | 'staging_incomplete' // commit requested while ranges of the image are still missing
  | 'staged_image_mismatch' // bytes read back from the slot do not match the announced SHA-256
  | 'image_too_large' // image does not fit the slot
  | 'value_too_large' // persisted value longer than a value record holds
  | 'bad_persist_key' // persist key 0 or 0xFFFF
  | 'value_store_full'; // no free value record left

/** `offset`: the byte offset in the FRAM image the problem is at, when one place is to blame. */
export class FramError extends OffsetError<FramErrorCode> {}

/** Format a FRAM offset the way messages show it: 0x01a0. */
export function at(offset: number): string {
  return hex(offset, 4);
}
