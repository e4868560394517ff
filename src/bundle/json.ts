/**
 * The JSON manifest file (`image build --manifest`, `image verify --manifest`):
 * the binary manifest's fields with a fixed key order, two-space indent and a
 * trailing newline, so the same bundle always gives the same file. It holds
 * nothing the signature trailer carries, so signing a bundle leaves it valid.
 */
import type { BundleInfo, BundleManifest } from './contract.js';

export interface ManifestJson {
  formatVersion: number;
  name: string;
  vendor: string;
  boardClass: string;
  securityCounter: number;
  contentSha256: string;
  segments: { name: string; kind: string; offset: number; size: number; sha256: string }[];
}

export function manifestObject(m: BundleManifest): ManifestJson {
  return {
    formatVersion: m.formatVersion,
    name: m.name,
    vendor: m.vendor,
    boardClass: m.boardClass,
    securityCounter: m.securityCounter,
    contentSha256: m.contentSha256,
    segments: m.segments.map((s) => ({ name: s.name, kind: s.kind, offset: s.offset, size: s.size, sha256: s.sha256 })),
  };
}

export function manifestJson(info: BundleInfo): string {
  return JSON.stringify(manifestObject(info.manifest), null, 2) + '\n';
}

/**
 * Compare a JSON manifest (parsed) with the bundle's: the path of the first
 * field that differs ("segments[1].sha256") with both values, or undefined
 * when they are equal.
 */
export function manifestDifference(given: unknown, m: BundleManifest): string | undefined {
  return diff(given, manifestObject(m), '');
}

/**
 * Check a JSON manifest file's text against the bundle: it must be exactly
 * manifestJson's text (the file is deterministic, so any changed byte
 * fails). Returns what differs (the first field, or the first byte when the
 * fields agree but the text does not), or undefined when it is the same.
 */
export function manifestTextDifference(text: string, m: BundleManifest): string | undefined {
  const canonical = JSON.stringify(manifestObject(m), null, 2) + '\n';
  if (text === canonical) return undefined;
  let given: unknown;
  try {
    given = JSON.parse(text);
  } catch (e) {
    return `not JSON (${e instanceof Error ? e.message : String(e)})`;
  }
  const field = manifestDifference(given, m);
  if (field !== undefined) return field;
  let i = 0;
  while (i < text.length && text[i] === canonical[i]) i++;
  const line = text.slice(0, i).split('\n').length;
  return `the fields agree, but the text is not the canonical form from character ${i} (line ${line}): spacing, key order or the final newline was changed; write it again with image build --manifest`;
}

function diff(a: unknown, b: unknown, path: string): string | undefined {
  const where = path || 'the manifest';
  if (Array.isArray(b)) {
    if (!Array.isArray(a)) return `${where}: expected a list`;
    if (a.length !== b.length) return `${where}: ${a.length} entries, the bundle has ${b.length}`;
    for (let i = 0; i < b.length; i++) {
      const d = diff(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (b !== null && typeof b === 'object') {
    if (a === null || typeof a !== 'object' || Array.isArray(a)) return `${where}: expected an object`;
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    for (const k of Object.keys(bo)) {
      const d = diff(ao[k], bo[k], path ? `${path}.${k}` : k);
      if (d) return d;
    }
    const extra = Object.keys(ao).find((k) => !(k in bo));
    return extra === undefined ? undefined : `${path ? `${path}.` : ''}${extra}: not a manifest field`;
  }
  return a === b ? undefined : `${where}: file has ${JSON.stringify(a) ?? 'nothing'}, the bundle has ${JSON.stringify(b)}`;
}
