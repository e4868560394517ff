/** Lines of `hilbridge sd write` (`sd_written`) and `hilbridge sd check` (`sd_check`); docs/sd.md. */
import { z } from 'zod';
import { Count, Sha256Hex } from './common.js';

const Format = z.enum(['directory', 'fat']).describe('directory: a mounted card; fat: a FAT image file');

/** One manifest entry as sd write laid it out. */
const WrittenEntry = z.strictObject({
  index: Count,
  name: z.string(),
  path: z.string(),
  appName: z.string(),
  version: Count,
  kind: z.enum(['hxe', 'bundle']),
  size: Count,
  sha256: Sha256Hex,
  priority: Count,
  /** Empty: every node. */
  nodes: z.array(Count),
});

/** sd write: the card was written. */
export const SdWrittenLine = z.strictObject({
  event: z.literal('sd_written'),
  path: z.string(),
  format: Format,
  /** fat: the image file's size; directory: the bytes of the files written. */
  size: Count,
  /** fat: SHA-256 of the image file; directory: null. */
  sha256: Sha256Hex.nullable(),
  /** SHA-256 of hilbridge.json as written. */
  manifestSha256: Sha256Hex,
  entries: z.array(WrittenEntry),
});

const Finding = z.strictObject({
  severity: z.enum(['error', 'warning']),
  code: z.string(),
  message: z.string(),
  /** The manifest entry's index; null: the card as a whole. */
  entry: Count.nullable(),
  /** The manifest field, images[<i>].<field>. */
  field: z.string().nullable(),
  /** The file on the card. */
  path: z.string().nullable(),
  /** A byte offset (FAT image or entry file). */
  offset: Count.nullable(),
});

/** sd check: every entry's result and every finding. */
export const SdCheckLine = z.strictObject({
  event: z.literal('sd_check'),
  path: z.string(),
  format: Format,
  manifestFile: z.string(),
  /** No finding of severity error. */
  ok: z.boolean(),
  entries: z.array(
    z.strictObject({
      index: Count,
      name: z.string(),
      appName: z.string(),
      path: z.string(),
      kind: z.enum(['hxe', 'bundle']),
      /** What the file on the card is; null when it could not be read. */
      size: Count.nullable(),
      sha256: Sha256Hex.nullable(),
      ok: z.boolean(),
    }),
  ),
  findings: z.array(Finding),
});
