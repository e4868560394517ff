/**
 * Why the virtual board refused a request. Codes are the target's wire codes
 * (src/protocol/messages-codes.ts), so serveTarget puts them on the wire as
 * they are; ImageError and PolicyError from src/hxe pass through unchanged
 * (their codes are in the same table). FRAM failures are mapped here, keeping
 * the FramError as the cause.
 */
import { OffsetError } from '../errors.js';
import { FramError } from '../fram/index.js';

export type BoardErrorCode =
  | 'EBADMSG' // malformed request: bad size, offset beyond the image, bad digest length
  | 'ENOSPC' // image larger than the slot
  | 'ESRCH' // write/end with no load session
  | 'EBUSY' // another image is being loaded, verification is running, or a trial image awaits confirmation
  | 'EEXIST' // app-name instance rule (raised as PolicyError by src/hxe/policy.ts)
  | 'EAGAIN' // END before every byte is held
  | 'EINVAL' // valid on the wire but not acceptable (raw image kind, wrong slot, nothing to confirm)
  | 'ENOTSUP' // a request the board's capabilities say it does not serve (BOOTCFG without bit 27)
  | 'EIO' // the FRAM failed (power cut, file I/O, unformatted or damaged)
  | 'crc_mismatch' // whole-image CRC-32 differs from BEGIN's
  | 'sha256_mismatch' // whole-image SHA-256 differs from BEGIN's
  | 'bootcfg_invalid' // BOOTCFG_SET names a source or an image twice
  | 'bad_delta' // a copy from the active slot outside the active image (docs/protocol.md 9)
  | 'no_active_image'; // a copy from the active slot with no active image

/** `offset`: the image byte offset the error refers to, when one place is to blame. */
export class BoardError extends OffsetError<BoardErrorCode> {}

/** Map a FRAM failure to the wire code a host can act on; anything else is returned unchanged. */
export function fromFramError(e: unknown, what: string): unknown {
  if (!(e instanceof FramError)) return e;
  const msg = `${what}: ${e.message}`;
  switch (e.code) {
    case 'image_too_large':
      return new BoardError('ENOSPC', msg, undefined, { cause: e });
    case 'trial_pending':
      return new BoardError('EBUSY', msg, undefined, { cause: e });
    case 'no_staging':
      return new BoardError('ESRCH', msg, undefined, { cause: e });
    case 'out_of_range':
      return new BoardError('EBADMSG', msg, undefined, { cause: e });
    case 'staged_image_mismatch':
      return new BoardError('sha256_mismatch', msg, undefined, { cause: e });
    case 'staging_incomplete':
      return new BoardError('EAGAIN', msg, undefined, { cause: e });
    case 'no_previous_image':
    case 'not_in_trial':
      return new BoardError('EINVAL', msg, undefined, { cause: e });
    case 'fram_too_small':
    case 'power_failure':
    case 'io_error':
    case 'no_valid_superblock':
    case 'layout_mismatch':
    case 'slot_corrupt':
    case 'value_too_large':
    case 'bad_persist_key':
    case 'value_store_full':
      return new BoardError('EIO', msg, e.offset, { cause: e });
  }
}

/** Run a FRAM operation, mapping its failure (see fromFramError). */
export function framOp<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw fromFramError(e, what);
  }
}

/**
 * A bundle the board refused, naming the segment and the check:
 * `segment 2 'app2' (hxe): crc_mismatch: ...`. The code is the check's own
 * when the wire table has it (an HXE check, a policy), else `bad_bundle` (the
 * bundle library's code is then in the message); the original error is the
 * cause. `offset` is a bundle byte offset.
 */
export class BundleRefusal extends OffsetError {}
