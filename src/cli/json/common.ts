/**
 * Building blocks of the `--json` vocabulary (docs/cli.md, "JSON lines"):
 * every stdout line is one object whose discriminating key is `event`.
 * CRC-32s are 8-digit lowercase hex strings named by what they cover
 * (`fileCrc32`: a whole image file; `headerCrc32`: the CRC field of an HXE
 * header), SHA-256s 64 lowercase hex digits, sizes/offsets/counts/times numbers.
 * Every object is strict: a key not listed here is a bug in the command.
 */
import { z } from 'zod';

/** A CRC-32 as 8 lowercase hex digits without 0x, e.g. "1c291ca3". */
export const Crc32Hex = z.string().regex(/^[0-9a-f]{8}$/).describe('CRC-32, 8 lowercase hex digits without 0x');
/** A SHA-256 as 64 lowercase hex digits. */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/).describe('SHA-256, 64 lowercase hex digits');
/** A size, offset or count in bytes (or a plain count). */
export const Count = z.number().int().nonnegative();
/** A duration in ms (may be fractional on a real clock). */
export const Millis = z.number().nonnegative();
/** A wire slot number (0 = A, 1 = B). */
export const SlotNumber = z.number().int().min(0).max(255);
/** A FRAM slot letter. */
export const SlotLetter = z.enum(['A', 'B']);

/** `n` (an unsigned 32-bit number) as the vocabulary's CRC-32 string. */
export function crc32Hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/** A "0x..." hex CRC string (as the FRAM map and the wire field texts carry it) as the vocabulary's CRC-32 string. */
export function crc32FromHexText(text: string): string {
  return crc32Hex(Number.parseInt(text, 16));
}

/**
 * The error object of an `error` line and of a failed `result`: a stable
 * `code` and a message, plus what the error class adds (src/errors.ts
 * `details()`): `link` (the link, LinkError and board refusals), `wireCode`
 * and `offset` (a board's refusal), `offset` (an image or FRAM byte offset),
 * `field` (a pack description field), `signal` (interrupted), `path`.
 */
export const ErrorObject = z.strictObject({
  code: z.string().min(1),
  message: z.string(),
  link: z.string().optional(),
  wireCode: z.number().int().optional(),
  offset: Count.nullable().optional(),
  field: z.string().nullable().optional(),
  signal: z.enum(['SIGINT', 'SIGTERM']).optional(),
  path: z.string().optional(),
});
export type ErrorObject = z.infer<typeof ErrorObject>;

/** Any command: the command failed (src/cli/run.ts reportError; commander usage errors under --json too). */
export const ErrorLine = z.strictObject({
  event: z.literal('error'),
  ok: z.literal(false),
  error: ErrorObject,
});

