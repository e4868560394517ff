/**
 * Why an SD card (a directory or a FAT image) or its manifest was refused.
 * Every SdError has a stable code (docs/sd.md lists them with what to check)
 * and, when it applies, the byte offset in the FAT image (`offset`), the
 * file on the card (`path`) and the manifest field (`field`, e.g.
 * `images[2].sha256`), all carried in `--json` error objects.
 */
import { OffsetError } from '../errors.js';

export const SD_ERROR_CODES = [
  // the FAT image
  'sd_fat_boot', // the boot sector / BPB is not a FAT volume this reader accepts
  'sd_fat_truncated', // the image is shorter than its boot sector declares, or a read would pass its end
  'sd_fat_chain', // a cluster chain loops, leaves the volume, hits a free or bad cluster, or does not match the file size
  'sd_fat_directory', // a directory loops, nests too deep, is too large, or an entry is malformed
  'sd_fat_full', // the FAT writer: the files do not fit the volume size
  'sd_fat_name', // the FAT writer: a name the card layout does not allow, or two names equal ignoring case
  'sd_card_too_large', // sd write: the images together are larger than the largest card (checked by size before any is read)
  // files on the card
  'sd_not_found', // a path on the card does not exist (or is a directory where a file belongs)
  'sd_path_invalid', // a manifest path is absolute, has "..", is too long, or leaves the card
  'sd_file_too_large', // a file on the card is longer than its cap
  // the manifest
  'sd_manifest_missing', // neither hilbridge.toml nor hilbridge.json at the card root
  'sd_manifest_ambiguous', // both are there
  'sd_manifest_invalid', // not TOML/JSON, or a field breaks the schema (unknown fields included)
  'sd_missing_file', // an entry's path names no file on the card
  'sd_size_mismatch', // an entry's file has another size than the manifest says
  'sd_hash_mismatch', // an entry's file has another SHA-256 than the manifest says
  'sd_image_invalid', // an hxe entry fails the HXE verifier, a bundle entry the bundle verifier
  'sd_kind_mismatch', // an entry's kind is not what its file is (hxe vs bundle)
  'sd_app_name_mismatch', // an entry's appName is not the image's app name (or bundle name)
  'sd_version_mismatch', // a bundle entry's version is not the bundle's security counter
  'sd_duplicate_name', // two entries share a name
  'sd_fallback_missing', // a fallback names no entry
  'sd_fallback_loop', // following fallbacks comes back to an entry
  'sd_fallback_nodes', // a fallback is not for every node its entry is for
  'sd_priority_conflict', // two entries for one node share a priority
  'sd_duplicate_value', // an entry lists one FRAM key twice
  'sd_value_unknown_key', // an hxe entry sets a FRAM key the image does not persist (warning)
] as const;
export type SdErrorCode = (typeof SD_ERROR_CODES)[number];

export interface SdErrorWhere {
  /** Byte offset in the FAT image (or the file named by `path`). */
  readonly offset?: number;
  /** The file on the card (relative to its root) the error is about. */
  readonly path?: string;
  /** The manifest field, `images[<index>].<name>`. */
  readonly field?: string;
  readonly cause?: unknown;
}

export class SdError extends OffsetError<SdErrorCode> {
  readonly path: string | undefined;
  readonly field: string | undefined;

  constructor(code: SdErrorCode, message: string, where: SdErrorWhere = {}) {
    super(code, message, where.offset, where.cause === undefined ? {} : { cause: where.cause });
    this.path = where.path;
    this.field = where.field;
  }

  protected override details(): Record<string, unknown> {
    return { ...super.details(), ...(this.path === undefined ? {} : { path: this.path }), ...(this.field === undefined ? {} : { field: this.field }) };
  }
}

/** "0x1a2b" for messages. */
export function at(offset: number): string {
  return `0x${offset.toString(16)}`;
}
