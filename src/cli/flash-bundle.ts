/**
 * What `hilbridge flash` says about a bundle: the verified_locally line and
 * text, which segment a byte offset of the transfer is in, what a resumed
 * board already held per segment.
 */
import { segmentLabel } from '../bundle/index.js';
import type { BundleManifest } from '../bundle/index.js';
import type { ByteRange } from '../util/ranges.js';
import type { JsonLineOf } from './json/index.js';
import type { LocalImage } from './link-image.js';

/** A segment as flash's lines name it: 1-based index in bundle order. */
export interface SegmentRef {
  readonly index: number;
  readonly name: string;
  readonly kind: string;
}

/** `segment 2 'app2' (hxe)` */
export function segmentText(s: SegmentRef): string {
  return segmentLabel(s.index, s.name, s.kind);
}

/**
 * The segment the transfer is in when `offset` is the next byte it needs:
 * the segment holding it, or the next one after it (padding); null before the
 * first segment (header and manifest) and past the last (signature trailer).
 */
export function segmentAtOffset(manifest: BundleManifest, offset: number): SegmentRef | null {
  const i = manifest.segments.findIndex((s) => offset < s.offset + s.size);
  const s = manifest.segments[i];
  if (s === undefined || (i === 0 && offset < s.offset)) return null;
  return { index: i + 1, name: s.name, kind: s.kind };
}

export interface SegmentHeld extends SegmentRef {
  readonly size: number;
  readonly heldBytes: number;
}

/** Bytes of each segment inside `ranges` (what a board said it held at BEGIN). */
export function heldPerSegment(manifest: BundleManifest, ranges: readonly ByteRange[]): SegmentHeld[] {
  return manifest.segments.map((s, i) => {
    let held = 0;
    for (const r of ranges) held += Math.max(0, Math.min(r.end, s.offset + s.size) - Math.max(r.start, s.offset));
    return { index: i + 1, name: s.name, kind: s.kind, size: s.size, heldBytes: held };
  });
}

/** `segment 1 'app1' (hxe) 4096 of 4096 bytes, segment 2 ...` */
export function heldText(held: readonly SegmentHeld[]): string {
  return held.map((h) => `${segmentText(h)} ${h.heldBytes} of ${h.size} bytes`).join(', ');
}

/** The verified_locally line. */
export function verifiedLine(image: string, local: LocalImage): JsonLineOf<'verified_locally'> {
  if (local.kind === 'hxe') return { event: 'verified_locally', image, kind: 'hxe', appName: local.image.appName, size: local.image.size, sha256: local.image.sha256 };
  const b = local.bundle;
  const m = b.manifest;
  return {
    event: 'verified_locally',
    image,
    kind: 'bundle',
    appName: null,
    size: b.size,
    sha256: b.sha256,
    bundle: {
      name: m.name,
      securityCounter: m.securityCounter,
      keyId: b.signature?.keyId ?? null,
      segments: m.segments.map((s) => ({ name: s.name, kind: s.kind, offset: s.offset, size: s.size, sha256: s.sha256 })),
    },
  };
}

/** The verified text line(s). */
export function verifiedText(image: string, local: LocalImage): string {
  if (local.kind === 'hxe') return `${image}: valid HXE v${local.image.version} image "${local.image.appName ?? '(unnamed)'}", ${local.image.size} bytes`;
  const b = local.bundle;
  const m = b.manifest;
  const signed = b.signature === null ? 'unsigned' : `signed by key ${b.signature.keyId}`;
  const segs = m.segments.map((s, i) => `  ${segmentText({ index: i + 1, name: s.name, kind: s.kind })}: ${s.size} bytes at ${s.offset}, sha256 ${s.sha256}`);
  return [`${image}: valid bundle "${m.name}", security counter ${m.securityCounter}, ${signed}, ${m.segments.length} segments, ${b.size} bytes`, ...segs].join('\n');
}
