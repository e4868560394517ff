/**
 * A bit writer for hand-built deflate streams (RFC 1951 3.1.1): fields go
 * LSB first, Huffman codes MSB first; and the fixed Huffman codes of 3.2.6.
 */
export class DeflateBits {
  private readonly bytes: number[] = [];
  private acc = 0;
  private n = 0;

  /** `k` bits of `v`, least significant first (header fields, extra bits). */
  bits(v: number, k: number): this {
    for (let i = 0; i < k; i++) this.bit((v >>> i) & 1);
    return this;
  }

  /** A Huffman code of `len` bits, most significant first. */
  code(c: number, len: number): this {
    for (let i = len - 1; i >= 0; i--) this.bit((c >>> i) & 1);
    return this;
  }

  /** Pad to the byte boundary with zeros, then raw bytes (a stored block's LEN, NLEN and data). */
  raw(b: Iterable<number>): this {
    if (this.n > 0) this.bits(0, 8 - this.n);
    for (const x of b) this.bytes.push(x);
    return this;
  }

  /** Fixed literal/length symbol (0..287). */
  lit(sym: number): this {
    if (sym < 144) return this.code(0x30 + sym, 8);
    if (sym < 256) return this.code(0x190 + sym - 144, 9);
    if (sym < 280) return this.code(sym - 256, 7);
    return this.code(0xc0 + sym - 280, 8);
  }

  /** Fixed distance symbol (0..31, 5 bits). */
  dist(sym: number): this {
    return this.code(sym, 5);
  }

  /** Whole bytes written so far. */
  get size(): number {
    return this.bytes.length;
  }

  done(): Uint8Array {
    if (this.n > 0) this.bits(0, 8 - this.n);
    return Uint8Array.from(this.bytes);
  }

  private bit(b: number): void {
    this.acc |= b << this.n;
    if (++this.n === 8) {
      this.bytes.push(this.acc);
      this.acc = 0;
      this.n = 0;
    }
  }
}

/** A stored block header and data: BFINAL, BTYPE 00, pad, LEN, NLEN, bytes. */
export function stored(w: DeflateBits, final: boolean, data: Uint8Array): DeflateBits {
  return w.bits(final ? 1 : 0, 1).bits(0, 2).raw([data.length & 0xff, data.length >> 8, ~data.length & 0xff, (~data.length >> 8) & 0xff]).raw(data);
}
