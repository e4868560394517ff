/**
 * Why a compressed chunk was refused. Every check in the decoder throws a
 * CodecError with a stable code, the byte offset into the compressed chunk of
 * the token to blame (`offset`), and where the output stood (`outputOffset`).
 * docs/compression.md lists every code with what to check.
 */
import { OffsetError } from '../errors.js';

export const CODEC_ERROR_CODES = [
  'codec_truncated', // the input ends inside a token, or before the output reached the expected length
  'codec_overrun', // a match (or a length code) would write past the expected length
  'codec_bad_distance', // a match reaches back before the start of the chunk
  'codec_trailing', // bytes, or non-zero padding bits, after the token that completed the output
  'codec_unknown', // a codec id this library does not implement
  'codec_bad_length', // the expected length is not an integer in 0..65535, or a plain (codec 0) chunk's length differs from it
  'codec_bad_block', // deflate: block type 3, or a stored block whose NLEN is not the complement of LEN
  'codec_bad_code', // deflate: invalid Huffman code lengths (over-subscribed, incomplete, no end-of-block code) or a symbol no code or table allows
] as const;
export type CodecErrorCode = (typeof CODEC_ERROR_CODES)[number];

export class CodecError extends OffsetError<CodecErrorCode> {
  /** Output bytes decoded before the failure (undefined when no decoding took place). */
  readonly outputOffset: number | undefined;

  constructor(code: CodecErrorCode, message: string, offset?: number, outputOffset?: number) {
    super(code, message, offset);
    this.outputOffset = outputOffset;
  }

  protected override details(): Record<string, unknown> {
    return { ...super.details(), outputOffset: this.outputOffset ?? null };
  }
}
