/**
 * One image being stored: the checks fed by its contiguous prefix. Bytes
 * arrive at any offset and go straight into FRAM; whenever the prefix [0, n)
 * grows (the receiver's record of held ranges says how far), the newly
 * contiguous bytes are read back from the slot (in READ_CHUNK pieces) and fed
 * to the streaming HXE verifier, the whole-image CRC-32 and the SHA-256. A bad
 * header or a capability/budget the board lacks is therefore rejected while
 * the transfer runs. Memory: the verifier's cap plus one READ_CHUNK; the image
 * itself stays in FRAM.
 *
 * A bundle (BEGIN image kind bundle) streams into the bundle library's
 * BundleStreamVerifier instead: header, manifest, digests and every hxe
 * segment's HXE checks as the bytes arrive; the capability and budget policy
 * runs on each hxe segment as soon as that segment's HXE header is in (read
 * back from the slot). Every refusal names the segment (segment-policy.ts).
 *
 * The board's image policy (trust-policy.ts) runs on a bundle as soon as its
 * manifest is in (security counter, vendor, board class, and under `signed`
 * whether a signature trailer follows), and on the signer at the end (the
 * bundle verifier is given the trust store's keys under `signed`).
 */
import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { ImageOrigin } from '../fram/index.js';
import { BundleStreamVerifier, HEADER_SIZE } from '../bundle/index.js';
import { decodeHeader } from '../bundle/header.js';
import { checkBudget, checkCapabilities, type ResourceLimits } from '../hxe/policy.js';
import { HxeStreamVerifier } from '../hxe/stream.js';
import { BoardError } from './errors.js';
import { SegmentPolicy, nameSegment } from './segment-policy.js';
import { bundleContent, checkContentPolicy, type SlotContent } from './slot-content.js';
import { checkContentTrust, checkManifest, checkSigner, signatureRefusal, trustedKeys, type TrustContext } from './trust-policy.js';

/** Bytes read back from FRAM per verifier feed. */
export const READ_CHUNK = 1024;

export interface SessionRequest {
  readonly size: number;
  /** Whole-image CRC-32 announced in BEGIN. */
  readonly crc32: number;
  /** Whole-image SHA-256 announced in BEGIN, lowercase hex. */
  readonly sha256: string;
  readonly source: ImageOrigin;
  /** What BEGIN announced (default hxe). */
  readonly kind?: 'hxe' | 'bundle';
}

export interface SessionPolicy {
  readonly capabilities: number;
  readonly limits: ResourceLimits;
}

/** Reads image bytes back from the slot being staged (image-relative offset). */
export type SlotReader = (offset: number, length: number) => Uint8Array;

export class LoadSession {
  private fed = 0;
  private crc = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly verifier: HxeStreamVerifier | undefined;
  private readonly bundle: BundleStreamVerifier | undefined;
  private readonly segments: SegmentPolicy | undefined;
  private policyChecked = false;
  private trustChecked = false;

  constructor(
    readonly req: SessionRequest,
    readonly pid: number,
    private readonly policy: SessionPolicy,
    private readonly read: SlotReader,
    private readonly trust: TrustContext,
  ) {
    if (req.kind === 'bundle') {
      const trusted = trustedKeys(trust);
      this.bundle = new BundleStreamVerifier({ totalSize: req.size, ...(trusted === undefined ? {} : { trusted }) });
      this.segments = new SegmentPolicy(policy, read);
    } else this.verifier = new HxeStreamVerifier({ totalSize: req.size });
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

  /** The slot holds every byte below `prefix`: verify whatever became contiguous. Throws ImageError/PolicyError. */
  advanceTo(prefix: number): void {
    while (this.fed < Math.min(prefix, this.req.size)) {
      const n = Math.min(READ_CHUNK, prefix - this.fed);
      const bytes = this.read(this.fed, n);
      const at = this.fed;
      if (this.bundle !== undefined) this.pushBundle(this.bundle, bytes, at);
      else this.verifier?.push(bytes);
      this.crc = crc32(bytes, this.crc);
      this.hash.update(bytes);
      this.fed += n;
      this.checkPolicyOnce();
      this.checkTrustOnce();
    }
  }

  /** The manifest is in: the image policy's counter, vendor, class and (under signed) trailer check, once. */
  private checkTrustOnce(): void {
    const manifest = this.bundle?.manifest;
    if (this.trustChecked || manifest === undefined) return;
    this.trustChecked = true;
    const signed = decodeHeader(this.read(0, HEADER_SIZE), this.req.size).signed;
    checkManifest(manifest, signed, this.trust);
  }

  private pushBundle(v: BundleStreamVerifier, bytes: Uint8Array, at: number): void {
    try {
      v.push(bytes);
      if (v.error !== undefined) throw v.error;
      const manifest = v.manifest;
      if (manifest !== undefined) this.segments?.check(manifest, at + bytes.length);
    } catch (e) {
      throw nameSegment(e, v, at);
    }
  }

  /** Every byte is in: whole-image CRC-32 and SHA-256 against BEGIN, then the HXE (or bundle) checks and policy. */
  finish(): SlotContent {
    if (this.fed !== this.req.size) {
      throw new BoardError('EAGAIN', `END before every byte is verified: ${this.fed} of ${this.req.size} bytes contiguous from the start`, this.fed);
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
    const b = this.bundle;
    if (b !== undefined) {
      let content: SlotContent;
      try {
        content = bundleContent(b.end());
      } catch (e) {
        throw nameSegment(signatureRefusal(e, b.manifest?.name ?? 'unnamed', this.trust), b, this.req.size);
      }
      checkContentPolicy(content, this.policy);
      if (content.bundle !== null) checkSigner(content.bundle, this.trust);
      return content;
    }
    const v = this.verifier;
    if (v === undefined) throw new BoardError('EINVAL', 'a load session with neither an HXE nor a bundle verifier'); // unreachable: the constructor makes one
    const image = v.end();
    checkCapabilities(image.reqCaps, this.policy.capabilities, imageLabel(image.appName));
    checkBudget(image, this.policy.limits, imageLabel(image.appName));
    const content: SlotContent = { apps: [{ image, segment: null }], bundle: null, name: image.appName };
    checkContentTrust(content, this.trust);
    return content;
  }

  private checkPolicyOnce(): void {
    const v = this.verifier;
    if (this.policyChecked || v === undefined) return;
    const h = v.header;
    if (h === undefined || v.error !== undefined) return;
    this.policyChecked = true;
    checkCapabilities(h.reqCaps, this.policy.capabilities, 'the image being loaded');
    checkBudget(h, this.policy.limits, 'the image being loaded');
  }
}

function imageLabel(appName: string | null): string {
  return appName === null ? 'the image' : `app "${appName}"`;
}
