/**
 * Streaming bundle verification: push the bundle's bytes in file order, in
 * any chunk sizes; every check runs as soon as its bytes are in. The header
 * is checked at 64 bytes (magic at 4), the manifest when its last byte
 * arrives, each segment's SHA-256 (and, for hxe segments, the HXE verifier)
 * when the segment's last byte arrives, padding byte by byte; end() checks
 * the content hash, the trailer and the signature.
 *
 * Memory: the 64-byte header, the manifest (at most 1208 bytes, allocated
 * only after the header checked its length), the 112-byte trailer, one
 * HxeStreamVerifier (its own cap) and hash states. Nothing is allocated from
 * an unchecked length.
 */
import { createHash, type Hash } from 'node:crypto';
import { HEADER_SIZE, ManifestOff, TRAILER_SIZE } from './constants.js';
import type { BundleInfo, BundleManifest, BundleSegment, PublicKey, VerifyOptions } from './contract.js';
import { firstNonZero } from './bytes.js';
import { BundleError } from './errors.js';
import { checkBundleMagic, checkMinimumSize, decodeHeader, type BundleHeader } from './header.js';
import { MANIFEST_OFFSET, decodeManifest } from './manifest.js';
import { verifyTrailer } from './trailer.js';
import { HilbridgeError } from '../errors.js';
import { ImageError } from '../hxe/errors.js';
import type { HxeImage } from '../hxe/image.js';
import { HxeStreamVerifier } from '../hxe/stream.js';
import { hex } from '../util/hex.js';

export interface BundleStreamVerifierOptions extends VerifyOptions {
  /** Exact size of the bundle file in bytes. */
  readonly totalSize: number;
}

/** The segment being received: its running hash and, for hxe, its verifier. */
interface Current {
  readonly seg: BundleSegment;
  readonly hash: Hash;
  readonly hxe: HxeStreamVerifier | undefined;
}

export class BundleStreamVerifier {
  readonly totalSize: number;
  private readonly trusted: readonly PublicKey[] | undefined;
  private received = 0;
  private readonly head = new Uint8Array(HEADER_SIZE);
  private header: BundleHeader | undefined;
  private manifestBytes: Uint8Array | undefined;
  private parsed: BundleManifest | undefined;
  private trailer: Uint8Array | undefined;
  private readonly contentHash = createHash('sha256');
  private readonly fileHash = createHash('sha256');
  private segIndex = 0;
  private current: Current | undefined;
  private readonly hxe = new Map<string, HxeImage>();
  private failure: HilbridgeError | undefined;
  private result: BundleInfo | undefined;

  /** Throws BundleError('truncated') at once when totalSize cannot hold a header. */
  constructor(opts: BundleStreamVerifierOptions) {
    this.totalSize = opts.totalSize;
    this.trusted = opts.trusted;
    this.guard(() => checkMinimumSize(this.totalSize));
  }

  /** The manifest, once it has arrived and passed its checks. */
  get manifest(): BundleManifest | undefined {
    return this.parsed;
  }

  /** The first failure; sticky (every later call rethrows it). */
  get error(): HilbridgeError | undefined {
    return this.failure;
  }

  get bytesReceived(): number {
    return this.received;
  }

  /** The segment holding file offset `offset`, once the manifest is known. */
  segmentAt(offset: number): BundleSegment | undefined {
    return this.parsed?.segments.find((s) => offset >= s.offset && offset < s.offset + s.size);
  }

  push(chunk: Uint8Array): void {
    this.guard(() => this.accept(chunk));
  }

  /** Every byte is in: check the content hash, the trailer and the signature. Same result as parseBundle. */
  end(): BundleInfo {
    if (this.result) return this.result;
    return this.guard(() => {
      if (this.received < this.totalSize) {
        throw new BundleError('truncated', `bundle ended after ${this.received} of ${this.totalSize} bytes: the file or transfer was cut short`, this.received);
      }
      const header = this.header;
      const manifest = this.parsed;
      const mBytes = this.manifestBytes;
      if (!header || !manifest || !mBytes) throw new BundleError('truncated', 'bundle ended before its manifest was complete', this.received);
      const content = this.contentHash.digest('hex');
      if (content !== manifest.contentSha256) {
        throw new BundleError(
          'content_sha256_mismatch',
          `SHA-256 over the header and segment area is ${content}, the manifest's contentSha256 (at ${hex(MANIFEST_OFFSET + ManifestOff.contentSha256)}) says ${manifest.contentSha256}: the header or padding was changed after building`,
          MANIFEST_OFFSET + ManifestOff.contentSha256,
        );
      }
      let signature: BundleInfo['signature'] = null;
      if (header.signed && this.trailer) {
        signature = verifyTrailer(this.trailer, header.payloadEnd, mBytes, this.trusted);
      } else if (this.trusted) {
        const ids = this.trusted.map((k) => k.keyId).join(', ') || 'none';
        throw new BundleError('not_signed', `bundle is not signed, but a signature by a trusted key is required (trusted: ${ids}): sign it with hilbridge sign`, header.payloadEnd);
      }
      this.result = { manifest, signature, size: this.totalSize, sha256: this.fileHash.digest('hex'), hxe: this.hxe };
      return this.result;
    });
  }

  private guard<T>(fn: () => T): T {
    if (this.failure) throw this.failure;
    try {
      return fn();
    } catch (e) {
      if (e instanceof HilbridgeError) this.failure = e;
      throw e;
    }
  }

  private accept(chunk: Uint8Array): void {
    if (this.result) throw new BundleError('trailing_bytes', `bytes pushed after end(): the bundle is ${this.totalSize} bytes`, this.totalSize);
    if (this.received + chunk.length > this.totalSize) {
      throw new BundleError(
        'trailing_bytes',
        `received ${this.received + chunk.length} bytes, more than the announced bundle size of ${this.totalSize}: sender and receiver disagree on the bundle`,
        this.totalSize,
      );
    }
    let done = 0;
    while (done < chunk.length) {
      const p = this.received;
      const n = this.take(chunk.subarray(done), p);
      this.fileHash.update(chunk.subarray(done, done + n));
      this.received = p + n;
      done += n;
    }
  }

  /** Consume bytes at file offset p from the start of `rest` up to the end of the region p is in; returns how many. */
  private take(rest: Uint8Array, p: number): number {
    if (p < HEADER_SIZE) {
      const n = Math.min(rest.length, HEADER_SIZE - p);
      this.head.set(rest.subarray(0, n), p);
      this.contentHash.update(rest.subarray(0, n));
      if (p < 4 && p + n >= 4) checkBundleMagic(this.head);
      if (p + n === HEADER_SIZE) {
        this.header = decodeHeader(this.head, this.totalSize);
        this.manifestBytes = new Uint8Array(this.header.manifestLength);
      }
      return n;
    }
    const header = this.header;
    const mBytes = this.manifestBytes;
    if (!header || !mBytes) throw new Error('bundle verifier: header not decoded'); // unreachable: decoded at byte 64
    const manifestEnd = MANIFEST_OFFSET + mBytes.length;
    if (p < manifestEnd) {
      const n = Math.min(rest.length, manifestEnd - p);
      mBytes.set(rest.subarray(0, n), p - MANIFEST_OFFSET);
      if (p + n === manifestEnd) this.parsed = decodeManifest(mBytes, header.segmentCount, header.payloadEnd);
      return n;
    }
    if (p < header.payloadEnd) {
      const n = Math.min(rest.length, header.payloadEnd - p);
      this.contentHash.update(rest.subarray(0, n));
      this.takePayload(rest.subarray(0, n), p);
      return n;
    }
    const at = p - header.payloadEnd; // the trailer (its size was checked against the file size)
    this.trailer ??= new Uint8Array(TRAILER_SIZE);
    const n = Math.min(rest.length, TRAILER_SIZE - at);
    this.trailer.set(rest.subarray(0, n), at);
    return n;
  }

  /** Segment area bytes [p, p + bytes.length): padding is checked zero, segment bytes go to the segment's checks. */
  private takePayload(bytes: Uint8Array, p: number): void {
    const segments = this.parsed?.segments ?? [];
    let i = 0;
    while (i < bytes.length) {
      const pos = p + i;
      const seg = segments[this.segIndex];
      const padTo = seg ? seg.offset : p + bytes.length;
      if (pos < padTo) {
        const n = Math.min(bytes.length - i, padTo - pos);
        const bad = firstNonZero(bytes, i, i + n);
        if (bad >= 0) {
          const after = segments[this.segIndex - 1];
          throw new BundleError(
            'padding_not_zero',
            `padding byte at ${hex(p + bad)} (${after ? `after segment "${after.name}"` : 'after the manifest'}) is ${hex(bytes[bad] ?? 0, 2)}; padding must be zero`,
            p + bad,
          );
        }
        i += n;
        continue;
      }
      if (!seg) break; // unreachable: padTo covers the rest when no segment is left
      const n = Math.min(bytes.length - i, seg.offset + seg.size - pos);
      this.segmentBytes(seg, bytes.subarray(i, i + n), pos);
      i += n;
    }
  }

  private segmentBytes(seg: BundleSegment, bytes: Uint8Array, pos: number): void {
    if (pos === seg.offset) {
      this.current = { seg, hash: createHash('sha256'), hxe: seg.kind === 'hxe' ? this.hxeStep(seg, () => new HxeStreamVerifier({ totalSize: seg.size })) : undefined };
    }
    const cur = this.current;
    if (!cur) throw new Error('bundle verifier: segment state lost'); // unreachable: bytes arrive in order
    cur.hash.update(bytes);
    const hxe = cur.hxe;
    if (hxe) this.hxeStep(seg, () => hxe.push(bytes));
    if (pos + bytes.length < seg.offset + seg.size) return;
    const sha = cur.hash.digest('hex');
    if (sha !== seg.sha256) {
      throw new BundleError(
        'segment_sha256_mismatch',
        `segment "${seg.name}" (${seg.kind}, ${seg.size} bytes at ${hex(seg.offset)}): SHA-256 is ${sha}, the manifest says ${seg.sha256}: the segment was changed after building`,
        seg.offset,
      );
    }
    if (hxe) this.hxe.set(seg.name, this.hxeStep(seg, () => hxe.end()));
    this.current = undefined;
    this.segIndex++;
  }

  /** Run an HXE verifier step; its ImageError becomes segment_invalid naming the segment, the cause kept. */
  private hxeStep<T>(seg: BundleSegment, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof ImageError)) throw e;
      const offset = seg.offset + (e.offset ?? 0);
      throw new BundleError(
        'segment_invalid',
        `segment "${seg.name}" (hxe at ${hex(seg.offset)}) fails the HXE check ${e.code} at bundle offset ${hex(offset)} (${hex(e.offset ?? 0)} in the image): ${e.message}`,
        offset,
        { cause: e },
      );
    }
  }
}

/** Verify a whole bundle in memory: the stream verifier fed one chunk, so both paths run the same checks. */
export function parseBundle(bytes: Uint8Array, opts: VerifyOptions = {}): BundleInfo {
  const v = new BundleStreamVerifier({ totalSize: bytes.length, trusted: opts.trusted });
  v.push(bytes);
  return v.end();
}
