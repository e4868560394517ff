/**
 * Building and signing bundles. The layout is a function of the inputs only:
 * segments in canonical order (kind, then name), each at the next multiple
 * of 64 after the manifest or the previous segment, zero padding, no
 * timestamps, paths or host data. Every bundle built or signed here is
 * verified by parseBundle before it is returned.
 */
import { createHash } from 'node:crypto';
import { SEGMENT_KINDS, type BuildOptions, type BundleInfo, type BundleManifest, type BundleSegment, type SegmentInput, type SigningKey } from './contract.js';
import { BUNDLE_MAGIC, HEADER_SIZE, MAX_BUNDLE_SIZE, MAX_SEGMENTS, TRAILER_SIZE, alignUp, manifestSize } from './constants.js';
import { readU32 } from './bytes.js';
import { BundleError } from './errors.js';
import { decodeHeader } from './header.js';
import { MANIFEST_OFFSET, compareSegments, encodeManifest } from './manifest.js';
import { encodeHeader } from './header.js';
import { parseBundle } from './stream.js';
import { checkText } from './text.js';
import { encodeTrailer } from './trailer.js';
import { ImageError } from '../hxe/errors.js';
import { parseHxe } from '../hxe/parse.js';
import { toHex } from '../util/hex.js';

/** True when `head` starts with the bundle magic "HXBN" (needs 4 bytes). */
export function isBundleHead(head: Uint8Array): boolean {
  return head.length >= 4 && readU32(head, 0) === BUNDLE_MAGIC;
}

interface Named {
  readonly kind: SegmentInput['kind'];
  readonly name: string;
  readonly bytes: Uint8Array;
}

export function buildBundle(segments: readonly SegmentInput[], opts: BuildOptions = {}): { bytes: Uint8Array; info: BundleInfo } {
  if (segments.length < 1 || segments.length > MAX_SEGMENTS) {
    throw new BundleError('bad_field', `a bundle has 1 to ${MAX_SEGMENTS} segments; ${segments.length} given`);
  }
  const named = segments.map(nameSegment).sort(compareSegments);
  const dup = named.find((s, i) => named.findIndex((o) => o.name === s.name) !== i);
  if (dup) throw new BundleError('bad_segment_table', `two segments are named "${dup.name}": segment names are unique in a bundle (kind:name=path)`);

  const name = opts.name ?? named.find((s) => s.kind === 'hxe')?.name;
  if (name === undefined) throw new BundleError('bad_field', 'the bundle has no hxe segment to take its name from: give the bundle a name');
  checkText(name, 'bundle name', false);
  const vendor = opts.vendor ?? '';
  checkText(vendor, 'vendor', true);
  const boardClass = opts.boardClass ?? '';
  checkText(boardClass, 'board class', true);
  const securityCounter = opts.securityCounter ?? 0;
  if (!Number.isInteger(securityCounter) || securityCounter < 0 || securityCounter > 0xffffffff) {
    throw new BundleError('bad_field', `security counter ${securityCounter} is not an integer from 0 to 4294967295`);
  }

  const mLen = manifestSize(named.length);
  let offset = alignUp(HEADER_SIZE + mLen);
  const laid: BundleSegment[] = named.map((s) => {
    const seg = { name: s.name, kind: s.kind, offset, size: s.bytes.length, sha256: createHash('sha256').update(s.bytes).digest('hex') };
    offset = alignUp(offset + s.bytes.length);
    return seg;
  });
  const payloadEnd = offset;
  if (payloadEnd + TRAILER_SIZE > MAX_BUNDLE_SIZE) throw new BundleError('bad_field', `the segments make a ${payloadEnd}-byte bundle; offsets are 32-bit, so a bundle stays below 4 GiB`);

  const payload = new Uint8Array(payloadEnd);
  payload.set(encodeHeader({ segmentCount: named.length, payloadEnd }), 0);
  named.forEach((s, i) => payload.set(s.bytes, laid[i]?.offset ?? 0));
  const contentSha256 = createHash('sha256').update(payload.subarray(0, HEADER_SIZE)).update(payload.subarray(MANIFEST_OFFSET + mLen)).digest('hex');
  const manifest: BundleManifest = { formatVersion: 1, name, vendor, boardClass, securityCounter, segments: laid, contentSha256 };
  const mBytes = encodeManifest(manifest);
  payload.set(mBytes, MANIFEST_OFFSET);
  const bytes = opts.signer ? concat(payload, encodeTrailer(mBytes, opts.signer)) : payload;
  return { bytes, info: parseBundle(bytes) };
}

/** What signBundle made: the signed bytes, their verified info, and the key id of the signature it replaced (null: there was none). */
export interface SignedBundle {
  readonly bytes: Uint8Array;
  readonly info: BundleInfo;
  readonly replacedKeyId: string | null;
}

/**
 * Sign a bundle: add the trailer, or replace the one it has. The bundle is
 * verified first (an existing signature too: a bundle whose signature fails
 * was changed, and is never re-signed); the manifest is unchanged. A valid
 * signature by a different key is replaced only with `replace` (else
 * BundleError `signed_by_other_key`, naming both key ids): re-signing must
 * never silently take a bundle away from its signer. The result is verified
 * before it is returned.
 */
export function signBundle(bytes: Uint8Array, key: SigningKey, opts: { readonly replace?: boolean } = {}): SignedBundle {
  const before = parseBundle(bytes).signature;
  if (before !== null && before.publicKey !== toHex(key.raw) && opts.replace !== true) {
    throw new BundleError(
      'signed_by_other_key',
      `the bundle is already signed by key ${before.keyId}, and signing with key ${key.keyId} would replace that signature: replace it on purpose (hilbridge sign --replace), or sign with key ${before.keyId}`,
    );
  }
  const header = decodeHeader(bytes.subarray(0, HEADER_SIZE), bytes.length);
  const payload = bytes.subarray(0, header.payloadEnd);
  const manifest = payload.subarray(MANIFEST_OFFSET, MANIFEST_OFFSET + header.manifestLength);
  const signed = concat(payload, encodeTrailer(manifest, key));
  return { bytes: signed, info: parseBundle(signed), replacedKeyId: before?.keyId ?? null };
}

function nameSegment(s: SegmentInput, i: number): Named {
  if (!SEGMENT_KINDS.includes(s.kind)) throw new BundleError('bad_field', `segment ${i}: kind "${String(s.kind)}" is not one of ${SEGMENT_KINDS.join(', ')}`);
  if (s.bytes.length === 0) throw new BundleError('bad_field', `segment ${i} (${s.kind}${s.name ? ` "${s.name}"` : ''}) is empty; a segment has at least one byte`);
  let name = s.name;
  if (s.kind === 'hxe') {
    let appName: string | null;
    try {
      appName = parseHxe(s.bytes).appName;
    } catch (e) {
      if (!(e instanceof ImageError)) throw e;
      throw new BundleError('segment_invalid', `segment ${i} (hxe${s.name ? ` "${s.name}"` : ''}) is not a valid HXE image: ${e.message}`, e.offset, { cause: e });
    }
    if (name === undefined) {
      if (appName === null) throw new BundleError('bad_field', `segment ${i} is an HXE image without an app name (v1, or empty): name it, hxe:<name>=<path>`);
      name = appName;
    }
  }
  name ??= s.kind;
  checkText(name, `segment ${i} name`, false);
  return { kind: s.kind, name, bytes: s.bytes };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
