/**
 * What `hilbridge flash` says about a bundle: the verified_locally line and
 * text, which segment a byte offset of the transfer is in, what a resumed
 * board already held per segment, and the trusted keys of `--pub`.
 */
import { readFile } from 'node:fs/promises';
import { loadPublicKey } from '../bundle/index.js';
import type { BundleManifest, PublicKey } from '../bundle/index.js';
import { UsageError, isHilbridgeError } from '../errors.js';
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
  return `segment ${s.index} '${s.name}' (${s.kind})`;
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

/**
 * The keys of `--pub` (each a PEM file, or 64 hex digits of a raw Ed25519
 * public key); undefined when none was given. A key that cannot be read or
 * is not a key: UsageError naming it.
 */
export async function trustedKeys(args: readonly string[] | undefined): Promise<PublicKey[] | undefined> {
  if (args === undefined || args.length === 0) return undefined;
  const keys: PublicKey[] = [];
  for (const arg of args) {
    const hex = /^[0-9a-fA-F]{64}$/.test(arg);
    let text = arg;
    if (!hex) {
      try {
        text = await readFile(arg, 'utf8');
      } catch (cause) {
        throw new UsageError('key_unreadable', `--pub ${arg}: cannot read the key file (${cause instanceof Error ? cause.message : String(cause)}); give a public key file (PEM) or 64 hex digits`, { cause });
      }
    }
    try {
      keys.push(loadPublicKey(text, hex ? '--pub' : arg));
    } catch (cause) {
      if (!isHilbridgeError(cause)) throw cause;
      throw new UsageError('bad_key', `--pub ${hex ? arg.slice(0, 8) + '...' : arg}: ${cause.message}`, { cause });
    }
  }
  return keys;
}
