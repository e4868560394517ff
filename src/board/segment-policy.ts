/**
 * A bundle being received, segment by segment: the board's capability and
 * budget policy on each hxe segment as soon as its HXE header is in the slot
 * (the bundle verifier has checked those bytes by then), and refusals that
 * name the segment they are about.
 */
import type { BundleManifest, BundleSegment } from '../bundle/index.js';
import { isHilbridgeError } from '../errors.js';
import { HEADER_V2_SIZE } from '../hxe/constants.js';
import { readHeaderFields } from '../hxe/header.js';
import { checkBudget, checkCapabilities } from '../hxe/policy.js';
import { WireCode, wireCodeOf } from '../protocol/messages-codes.js';
import { BundleRefusal } from './errors.js';
import { TrustRefusal } from './trust-policy.js';
import type { SessionPolicy, SlotReader } from './session.js';

/** `segment 2 'app2' (hxe)`: 1-based, in bundle order. */
export function segmentName(manifest: BundleManifest, seg: BundleSegment): string {
  return `segment ${manifest.segments.indexOf(seg) + 1} '${seg.name}' (${seg.kind})`;
}

export class SegmentPolicy {
  private readonly checked = new Set<string>();

  constructor(
    private readonly policy: SessionPolicy,
    private readonly read: SlotReader,
  ) {}

  /** The slot holds the bundle's bytes below `prefix`: check every hxe segment whose header is now in. Throws PolicyError. */
  check(manifest: BundleManifest, prefix: number): void {
    for (const seg of manifest.segments) {
      if (seg.kind !== 'hxe' || this.checked.has(seg.name)) continue;
      const headerEnd = seg.offset + Math.min(seg.size, HEADER_V2_SIZE);
      if (prefix < headerEnd) continue;
      this.checked.add(seg.name);
      const h = readHeaderFields(this.read(seg.offset, headerEnd - seg.offset));
      const label = segmentName(manifest, seg);
      checkCapabilities(h.reqCaps, this.policy.capabilities, label);
      checkBudget(h, this.policy.limits, label);
    }
  }
}

interface SegmentLocator {
  readonly manifest: BundleManifest | undefined;
  segmentAt(offset: number): BundleSegment | undefined;
}

/**
 * The error a bundle check threw, as the board reports it: naming the
 * segment (found by the error's bundle offset, else by where the bytes just
 * checked start; the bundle itself for its header, manifest, padding, content
 * hash and signature) and the check.
 * An hxe segment failing its HXE check (the library's `segment_invalid`)
 * goes by the HXE check's code (`crc_mismatch`, ...); other checks by their
 * own code when the wire table has it, else `bad_bundle`.
 */
export function nameSegment(e: unknown, v: SegmentLocator, at: number): unknown {
  if (!isHilbridgeError(e) || e instanceof BundleRefusal || e instanceof TrustRefusal) return e;
  const offset = (e as { offset?: unknown }).offset;
  const manifest = v.manifest;
  const seg = manifest === undefined ? undefined : v.segmentAt(typeof offset === 'number' ? offset : at);
  const cause: unknown = e.cause;
  const inner = e.code === 'segment_invalid' && isHilbridgeError(cause) ? cause : e;
  const where = /^segment \d+ /.test(e.message) ? '' : manifest === undefined ? 'bundle header and manifest: ' : seg === undefined ? `bundle "${manifest.name}": ` : `${segmentName(manifest, seg)}: `;
  const code = wireCodeOf(inner.code) === WireCode.unknown ? 'bad_bundle' : inner.code;
  const place = typeof offset === 'number' ? ` at bundle offset 0x${offset.toString(16)}` : '';
  return new BundleRefusal(code, `${where}${inner.code}${place}: ${inner.message}`, typeof offset === 'number' ? offset : undefined, { cause: e });
}
