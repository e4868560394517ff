/** Big-endian field access and name fields for FRAM records (CRC-32 and SHA-256 are in src/util/digest.ts). */

export function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** ASCII name field, NUL-padded to `size` (truncated to size-1 chars). */
export function encodeName(name: string | null, size: number): Uint8Array {
  const out = new Uint8Array(size);
  if (name !== null) out.set(Buffer.from(name, 'latin1').subarray(0, size - 1));
  return out;
}

/** Inverse of encodeName: null for an empty field. */
export function decodeName(field: Uint8Array): string | null {
  const end = field.indexOf(0);
  const s = Buffer.from(field.subarray(0, end < 0 ? field.length : end)).toString('latin1');
  return s === '' ? null : s;
}

/** u64 counters as two u32 halves (JS numbers stay exact up to 2^53). */
export function setU64(v: DataView, off: number, n: number): void {
  v.setUint32(off, Math.floor(n / 0x1_0000_0000));
  v.setUint32(off + 4, n % 0x1_0000_0000);
}

export function getU64(v: DataView, off: number): number {
  return v.getUint32(off) * 0x1_0000_0000 + v.getUint32(off + 4);
}
