/**
 * Big-endian payload writer and a bounds-checked reader for message codecs.
 * The reader never throws: it records the first shortfall so a decoder can
 * return a typed failure naming the field that did not fit.
 */

/** Builds a payload of known maximum size, big-endian. */
export class PayloadWriter {
  private readonly buf: Uint8Array;
  private readonly view: DataView;
  private at = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  u8(v: number): this {
    this.view.setUint8(this.at, v);
    this.at += 1;
    return this;
  }

  u16(v: number): this {
    this.view.setUint16(this.at, v);
    this.at += 2;
    return this;
  }

  u32(v: number): this {
    this.view.setUint32(this.at, v >>> 0);
    this.at += 4;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.buf.set(b, this.at);
    this.at += b.length;
    return this;
  }

  /** The bytes written so far (a view, no copy). */
  done(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
}

/** Reads a payload; every read past the end yields 0 / empty and marks the reader short. */
export class PayloadReader {
  private readonly view: DataView;
  private at = 0;
  /** Name of the first field that did not fit, if any. */
  short: string | undefined;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.buf.length - this.at;
  }

  get offset(): number {
    return this.at;
  }

  private take(n: number, field: string): number | undefined {
    if (this.short !== undefined) return undefined;
    if (this.at + n > this.buf.length) {
      this.short = field;
      return undefined;
    }
    const at = this.at;
    this.at += n;
    return at;
  }

  u8(field: string): number {
    const at = this.take(1, field);
    return at === undefined ? 0 : this.view.getUint8(at);
  }

  u16(field: string): number {
    const at = this.take(2, field);
    return at === undefined ? 0 : this.view.getUint16(at);
  }

  u32(field: string): number {
    const at = this.take(4, field);
    return at === undefined ? 0 : this.view.getUint32(at);
  }

  bytes(n: number, field: string): Uint8Array {
    const at = this.take(n, field);
    return at === undefined ? new Uint8Array(0) : this.buf.subarray(at, at + n);
  }

  /** Everything not read yet. */
  rest(): Uint8Array {
    const at = this.at;
    this.at = this.buf.length;
    return this.buf.subarray(at);
  }
}

// ignoreBOM: a text field that starts with U+FEFF keeps it (decode(encode(x)) = x; found by npm run fuzz).
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

export function utf8(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

/** Decode UTF-8 strictly; undefined if the bytes are not valid UTF-8. */
export function fromUtf8(b: Uint8Array): string | undefined {
  try {
    return utf8Decoder.decode(b);
  } catch {
    return undefined;
  }
}
