/**
 * Why an HXE image was rejected. Every check in src/hxe throws an
 * ImageError with a stable code and the byte offset (into the file) where the
 * problem is, so a bench engineer can open the file in a hex viewer and look.
 * docs/hxe.md lists every code with what to check.
 */
import { OffsetError } from '../errors.js';

export type ImageErrorCode =
  | 'bad_magic' // bytes 0-3 are not "HSXE"
  | 'unsupported_version' // version is not 1 or 2
  | 'truncated' // the file is shorter than a header or a region the header declares
  | 'size_mismatch' // a stream delivered more bytes than announced
  | 'crc_mismatch' // stored CRC-32 differs from the computed one
  | 'entry_out_of_range' // entry point not inside [0, code_len)
  | 'misaligned' // code_len or entry not a multiple of 4
  | 'section_out_of_bounds' // metadata table or a section outside the file / inside code or rodata
  | 'meta_overlaps_rodata' // metadata table starts before the end of rodata
  | 'duplicate_id' // two values/commands share one (group, id)
  | 'bad_string' // string offset out of range, no NUL, or not UTF-8
  | 'bad_app_name' // app_name not ASCII or not NUL-terminated
  | 'bad_mailbox_json' // .mailbox JSON does not parse or does not match the schema
  | 'bad_mailbox' // legacy .mailbox struct entry without a name
  | 'duplicate_mailbox' // two mailboxes with one target
  | 'truncated_section' // entry table longer than its section
  | 'reserved_not_zero' // v2 reserved header bytes are not all zero
  | 'too_large'; // code/ro/bss above 64 KiB, or metadata above the verifier's cap

/** `offset`: the byte offset into the image file where the problem is, when one byte range is to blame. */
export class ImageError extends OffsetError<ImageErrorCode> {}
