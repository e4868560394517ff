/**
 * One image being received: which byte ranges the inactive slot holds, and the
 * checks fed by the contiguous prefix. Bytes arrive at any offset and go
 * straight into FRAM; whenever the prefix [0, n) grows, the newly contiguous
 * bytes are read back from the slot (in READ_CHUNK pieces) and fed to the
 * streaming HXE verifier, the whole-image CRC-32 and the SHA-256. A bad header
 * or a capability/budget the board lacks is therefore rejected while the
 * transfer runs. Memory: the verifier's cap plus one READ_CHUNK; the image
 * itself stays in FRAM.
 */
import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { ImageOrigin } from '../fram/index.js';
import { addRange, type ByteRange, missingRanges, rangesTotal } from '../util/ranges.js';
import type { HxeImage } from '../hxe/image.js';
import { checkBudget, checkCapabilities, type ResourceLimits } from '../hxe/policy.js';
import { HxeStreamVerifier } from '../hxe/stream.js';
import { BoardError } from './errors.js';

/** Bytes read back from FRAM per verifier feed. */
export const READ_CHUNK = 1024;

export interface SessionRequest {
  readonly size: number;
  /** Whole-image CRC-32 announced in BEGIN. */
  readonly crc32: number;
  /** Whole-image SHA-256 announced in BEGIN, lowercase hex. */
  readonly sha256: string;
  readonly source: ImageOrigin;
}

export interface SessionPolicy {
  readonly capabilities: number;
  readonly limits: ResourceLimits;
}

/** Reads image bytes back from the slot being staged (image-relative offset). */
export type SlotReader = (offset: number, length: number) => Uint8Array;

export class LoadSession {
  private heldRanges: ByteRange[];
  private fed = 0;
  private crc = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly verifier: HxeStreamVerifier;
  private policyChecked = false;

  constructor(
    readonly req: SessionRequest,
    readonly pid: number,
    private readonly policy: SessionPolicy,
    private readonly read: SlotReader,
    held: readonly ByteRange[] = [],
  ) {
    this.heldRanges = [...held];
    this.verifier = new HxeStreamVerifier({ totalSize: req.size });
  }

  get held(): readonly ByteRange[] {
    return this.heldRanges;
  }

  get heldBytes(): number {
    return rangesTotal(this.heldRanges);
  }

  get missing(): ByteRange[] {
    return missingRanges(this.heldRanges, this.req.size);
  }

  get complete(): boolean {
    return this.missing.length === 0;
  }

  /** Bytes of the contiguous prefix already verified. */
  get verifiedBytes(): number {
    return this.fed;
  }

  /** Check a chunk's bounds before it touches FRAM. */
  checkChunk(offset: number, length: number): void {
    if (!Number.isInteger(offset) || offset < 0 || length === 0 || offset + length > this.req.size) {
      throw new BoardError(
        'EBADMSG',
        `chunk of ${length} bytes at image offset ${offset} is outside the ${this.req.size}-byte image announced in BEGIN`,
        offset,
      );
    }
  }

  /** Record that [offset, offset+length) is now in the slot, and verify whatever became contiguous. Throws ImageError/PolicyError. */
  wrote(offset: number, length: number): void {
    this.heldRanges = addRange(this.heldRanges, offset, offset + length);
    this.advance();
  }

  /** Feed the verifier the prefix already held (after a resume). */
  advance(): void {
    const first = this.heldRanges[0];
    const prefix = first !== undefined && first.start === 0 ? first.end : 0;
    while (this.fed < prefix) {
      const n = Math.min(READ_CHUNK, prefix - this.fed);
      const bytes = this.read(this.fed, n);
      this.verifier.push(bytes);
      this.crc = crc32(bytes, this.crc);
      this.hash.update(bytes);
      this.fed += n;
      this.checkPolicyOnce();
    }
  }

  /** Every byte is in: whole-image CRC-32 and SHA-256 against BEGIN, then the HXE checks and policy. */
  finish(): HxeImage {
    if (this.fed !== this.req.size) {
      throw new BoardError('EAGAIN', `END before every byte is held: ${this.req.size - this.heldBytes} of ${this.req.size} bytes still missing`);
    }
    const crc = this.crc >>> 0;
    if (crc !== this.req.crc32 >>> 0) {
      throw new BoardError(
        'crc_mismatch',
        `the ${this.req.size} bytes received have CRC-32 0x${crc.toString(16).padStart(8, '0')}, BEGIN announced 0x${(this.req.crc32 >>> 0).toString(16).padStart(8, '0')}: the image was corrupted or BEGIN names another image`,
      );
    }
    const sha = this.hash.digest('hex');
    if (sha !== this.req.sha256) {
      throw new BoardError('sha256_mismatch', `the bytes received hash to SHA-256 ${sha}, BEGIN announced ${this.req.sha256}`);
    }
    const image = this.verifier.end();
    checkCapabilities(image.reqCaps, this.policy.capabilities, imageLabel(image.appName));
    checkBudget(image, this.policy.limits, imageLabel(image.appName));
    return image;
  }

  private checkPolicyOnce(): void {
    if (this.policyChecked) return;
    const h = this.verifier.header;
    if (h === undefined || this.verifier.error !== undefined) return;
    this.policyChecked = true;
    checkCapabilities(h.reqCaps, this.policy.capabilities, 'the image being loaded');
    checkBudget(h, this.policy.limits, 'the image being loaded');
  }
}

function imageLabel(appName: string | null): string {
  return appName === null ? 'the image' : `app "${appName}"`;
}
