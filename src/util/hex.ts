/** Hex as every message, listing and record shows it, and byte comparison of digests. */

/** A number as messages show it: `0x1c`, or zero-padded to `width` digits (`hex(0x1a0, 4)` = `0x01a0`). */
export function hex(n: number, width = 0): string {
  return '0x' + n.toString(16).padStart(width, '0');
}

/** Lowercase hex of bytes (SHA-256 digests, record payloads). */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** True when `a` and `b` hold the same bytes (digests, short payloads). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Inverse of toHex. */
export function fromHex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}
