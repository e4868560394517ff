/**
 * Why an HXE description (the input of the writer and of `hilbridge pack`)
 * was rejected. Every error names the offending field the way the description
 * spells it (`values[2].name`, `mailboxes[0].target`, `entry`), so the user
 * can go straight to the line to fix. docs/pack.md lists every code.
 */
import { HilbridgeError } from '../errors.js';

export type DescriptionErrorCode =
  | 'bad_description' // the description does not parse (TOML/JSON syntax) or does not match the schema
  | 'too_deep' // brackets nest deeper than 32 levels (refused before parsing)
  | 'misaligned' // code length, entry or handler_offset not a multiple of 4
  | 'too_large' // code, rodata or bss above 64 KiB, or a section too large for u16 string offsets
  | 'entry_out_of_range' // entry or handler_offset not inside [0, code length)
  | 'out_of_range' // an integer field outside its encoding (u8, u16, u32, known flag bits)
  | 'duplicate_id' // two values/commands share one (group, id)
  | 'duplicate_mailbox' // two mailboxes with one target
  | 'bad_mailbox_target' // target without a svc:/pid:/app:/shared: prefix or with nothing after it
  | 'bad_string' // a string containing NUL, or an app name that is not ASCII
  | 'name_too_long' // app name above 31 characters
  | 'reserved_persist_key' // persist_key 0xFFFF is reserved
  | 'f16_overflow'; // a finite decimal number outside the f16 range (|x| > 65504)

export class DescriptionError extends HilbridgeError<DescriptionErrorCode> {
  /** The offending field, e.g. `values[2].name`; undefined when the whole description is at fault. */
  readonly field: string | undefined;

  constructor(code: DescriptionErrorCode, field: string | undefined, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
    this.field = field;
  }

  protected override details(): Record<string, unknown> {
    return { field: this.field ?? null };
  }
}
