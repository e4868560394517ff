/**
 * The deflate decoder (codec 2, docs/compression.md section 9): one raw
 * RFC 1951 stream per chunk, decoded the way a small MCU inflater (tinf,
 * uzlib) does it, bit by bit into the chunk buffer, with the checks the
 * format leaves to the decoder made strict: a distance beyond the 2048-byte
 * window or before the chunk's start, a write past `expectedLength`, a
 * final block that ends short, and any byte after the final block are all
 * refused. Bounded for hostile input: the output never grows past
 * `expectedLength` (a "deflate bomb" stops at the first byte too many),
 * every step reads input or writes output, so time is O(input + output) and
 * memory is the output plus fixed tables. Every refusal is a CodecError with
 * the byte offset of the symbol or header to blame.
 */
import { DEFLATE_WINDOW } from './constants.js';
import { CodecError, type CodecErrorCode } from './errors.js';
import { CLEN_ORDER, DIST_BASE, DIST_EXTRA, FIXED_DIST, FIXED_LIT, LENGTH_BASE, LENGTH_EXTRA, MAX_BITS, buildTree, type HuffmanTree } from './inflate-tree.js';

const HINT = 'the chunk is corrupt, or is not one raw deflate stream (2048-byte window) of exactly this chunk size; the host sends it again or plain';

class Inflater {
  readonly out: Uint8Array;
  private pos = 0; // next input byte
  private buf = 0; // bits loaded, LSB first
  private cnt = 0; // bits in buf
  private o = 0; // output bytes written
  private at = 0; // bit index of the symbol or header being decoded (for errors)

  constructor(
    private readonly data: Uint8Array,
    private readonly n: number,
  ) {
    this.out = new Uint8Array(n);
  }

  private fail(code: CodecErrorCode, what: string): CodecError {
    const byte = this.at >>> 3;
    return new CodecError(code, `deflate chunk: ${what} (compressed byte ${byte}, output byte ${this.o} of ${this.n}): ${HINT}`, byte, this.o);
  }

  private mark(): void {
    this.at = this.pos * 8 - this.cnt;
  }

  /** `k` (0..16) bits, LSB first. */
  private bits(k: number): number {
    while (this.cnt < k) {
      if (this.pos >= this.data.length) throw this.fail('codec_truncated', `the input ends (${this.data.length} bytes) inside a symbol or header`);
      this.buf |= this.data[this.pos++]! << this.cnt;
      this.cnt += 8;
    }
    const v = this.buf & ((1 << k) - 1);
    this.buf >>>= k;
    this.cnt -= k;
    return v;
  }

  /** One symbol of `t` (canonical code, MSB of the code first). */
  private symbol(t: HuffmanTree, what: string): number {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len <= MAX_BITS; len++) {
      code |= this.bits(1);
      const count = t.counts[len]!;
      if (code - first < count) return t.symbols[index + code - first]!;
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    throw this.fail('codec_bad_code', `a ${what} code that no symbol has`);
  }

  run(): Uint8Array {
    let final = 0;
    while (final === 0) {
      this.mark();
      final = this.bits(1);
      const type = this.bits(2);
      if (type === 0) this.stored();
      else if (type === 1) this.codes(FIXED_LIT, FIXED_DIST);
      else if (type === 2) {
        const [lit, dist] = this.trees();
        this.codes(lit, dist);
      } else throw this.fail('codec_bad_block', 'block type 3 (reserved)');
    }
    this.mark();
    if (this.o < this.n) throw this.fail('codec_truncated', `the final block ends after ${this.o} of ${this.n} bytes`);
    if (this.pos < this.data.length) {
      this.at = this.pos * 8;
      throw this.fail('codec_trailing', `${this.data.length - this.pos} byte(s) after the final block`);
    }
    return this.out;
  }

  private stored(): void {
    this.bits(this.cnt & 7); // to the byte boundary
    const len = this.bits(16);
    const nlen = this.bits(16);
    if ((len ^ 0xffff) !== nlen) throw this.fail('codec_bad_block', `a stored block's LEN ${len} and NLEN ${nlen} are not complements`);
    if (len > this.n - this.o) throw this.fail('codec_overrun', `a stored block of ${len} bytes goes past the chunk's end`);
    for (let i = 0; i < len; i++) this.out[this.o++] = this.bits(8);
  }

  /** A dynamic block's literal/length and distance codes (RFC 1951 3.2.7). */
  private trees(): [HuffmanTree, HuffmanTree] {
    const hlit = this.bits(5) + 257;
    const hdist = this.bits(5) + 1;
    const hclen = this.bits(4) + 4;
    if (hlit > 286 || hdist > 30) throw this.fail('codec_bad_code', `${hlit} literal/length and ${hdist} distance codes (at most 286 and 30)`);
    const lengths = new Uint8Array(hlit + hdist);
    const clen = new Uint8Array(19);
    for (let i = 0; i < hclen; i++) clen[CLEN_ORDER[i]!] = this.bits(3);
    const clTree = buildTree(clen, 0, 19, false);
    if (typeof clTree === 'string') throw this.fail('codec_bad_code', `the code-length code is ${clTree}`);
    for (let k = 0; k < hlit + hdist; ) {
      this.mark();
      const sym = this.symbol(clTree, 'code-length');
      if (sym < 16) {
        lengths[k++] = sym;
        continue;
      }
      if (sym === 16 && k === 0) throw this.fail('codec_bad_code', 'a repeat of the previous code length with none before it');
      const fill = sym === 16 ? lengths[k - 1]! : 0;
      const times = sym === 16 ? 3 + this.bits(2) : sym === 17 ? 3 + this.bits(3) : 11 + this.bits(7);
      if (times > hlit + hdist - k) throw this.fail('codec_bad_code', `a code-length repeat of ${times} past the ${hlit + hdist} lengths`);
      lengths.fill(fill, k, k + times);
      k += times;
    }
    if (lengths[256] === 0) throw this.fail('codec_bad_code', 'no code for end-of-block (symbol 256)');
    const lit = buildTree(lengths, 0, hlit, true);
    if (typeof lit === 'string') throw this.fail('codec_bad_code', `the literal/length code is ${lit}`);
    if (lengths.subarray(hlit).every((l) => l === 0)) return [lit, { counts: new Uint16Array(MAX_BITS + 1), symbols: new Uint16Array(0), size: 0 }];
    const dist = buildTree(lengths, hlit, hdist, true);
    if (typeof dist === 'string') throw this.fail('codec_bad_code', `the distance code is ${dist}`);
    return [lit, dist];
  }

  /** Literals and matches up to end-of-block. */
  private codes(lit: HuffmanTree, dist: HuffmanTree): void {
    const out = this.out;
    for (;;) {
      this.mark();
      const sym = this.symbol(lit, 'literal/length');
      if (sym < 256) {
        if (this.o >= this.n) throw this.fail('codec_overrun', 'a literal past the chunk\'s end');
        out[this.o++] = sym;
        continue;
      }
      if (sym === 256) return;
      if (sym > 285) throw this.fail('codec_bad_code', `literal/length symbol ${sym} (at most 285)`);
      const length = LENGTH_BASE[sym - 257]! + this.bits(LENGTH_EXTRA[sym - 257]!);
      if (dist.size === 0) throw this.fail('codec_bad_code', 'a match in a block without distance codes');
      const ds = this.symbol(dist, 'distance');
      if (ds > 29) throw this.fail('codec_bad_code', `distance symbol ${ds} (at most 29)`);
      const d = DIST_BASE[ds]! + this.bits(DIST_EXTRA[ds]!);
      if (d > DEFLATE_WINDOW) throw this.fail('codec_bad_distance', `a match reaches back ${d} bytes, beyond the ${DEFLATE_WINDOW}-byte window`);
      if (d > this.o) throw this.fail('codec_bad_distance', `a match reaches back ${d} bytes, before the start of the chunk`);
      if (length > this.n - this.o) throw this.fail('codec_overrun', `a match of ${length} bytes goes past the chunk's end`);
      for (let end = this.o + length; this.o < end; this.o++) out[this.o] = out[this.o - d]!;
    }
  }
}

/** Decode one deflate chunk of exactly `expectedLength` bytes (validated by the caller). */
export function inflateChunk(data: Uint8Array, expectedLength: number): Uint8Array {
  return new Inflater(data, expectedLength).run();
}
