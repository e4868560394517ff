/**
 * Block signatures of delta transfers (docs/protocol.md 9.1), shared by the
 * board (which signs its active image) and the host (which rolls over the
 * new image looking for those blocks at any offset, as rsync does).
 *
 * weak: the rsync rolling checksum, a = Σ x_i mod 2^16, b = Σ (L − i)·x_i
 * mod 2^16, weak = b·2^16 + a; it slides one byte in O(1).
 * strong: the first 4 bytes of the block's SHA-256, big-endian.
 * A false match costs a failed verification at END, never a wrong commit.
 */
import { createHash } from 'node:crypto';
import type { BlockSig } from './messages-delta.js';

export function weakHash(b: Uint8Array): number {
  let a = 0;
  let s = 0;
  const n = b.length;
  for (let i = 0; i < n; i++) {
    a += b[i]!;
    s += (n - i) * b[i]!;
  }
  return (((s & 0xffff) << 16) | (a & 0xffff)) >>> 0;
}

export function strongHash(b: Uint8Array): number {
  const d = createHash('sha256').update(b).digest();
  return d.readUInt32BE(0);
}

export function blockSig(b: Uint8Array): BlockSig {
  return { weak: weakHash(b), strong: strongHash(b) };
}

/** The rolling form of weakHash over a window of `len` bytes. */
export class RollingHash {
  private a = 0;
  private b = 0;

  constructor(
    private readonly data: Uint8Array,
    private at: number,
    private readonly len: number,
  ) {
    for (let i = 0; i < len; i++) {
      const x = data[at + i]!;
      this.a += x;
      this.b += (len - i) * x;
    }
    this.a &= 0xffff;
    this.b &= 0xffff;
  }

  get position(): number {
    return this.at;
  }

  get value(): number {
    return ((this.b << 16) | this.a) >>> 0;
  }

  /** Slide one byte to the right (the caller keeps at + len < data.length). */
  roll(): void {
    const out = this.data[this.at]!;
    const inn = this.data[this.at + this.len]!;
    this.a = (this.a - out + inn) & 0xffff;
    this.b = (this.b - this.len * out + this.a) & 0xffff;
    this.at++;
  }
}
