/**
 * `checkCard`: every entry's file (present, size, SHA-256), its content (an
 * hxe entry through the HXE verifier `inspect` uses, a bundle through the
 * bundle verifier `image verify` uses; the kind, app name and version the
 * manifest states), and the manifest rules (rules.ts). Never stops at the
 * first problem: each entry gets its result.
 */
import { BundleError, BundleStreamVerifier, isBundleHead } from '../bundle/index.js';
import { isHilbridgeError, OffsetError } from '../errors.js';
import { MAX_HXE_FILE_SIZE } from '../hxe/constants.js';
import { hasHxeMagic } from '../hxe/header.js';
import type { HxeImage } from '../hxe/image.js';
import { HxeStreamVerifier } from '../hxe/stream.js';
import type { ImageReader } from '../image/reader.js';
import { toHex } from '../util/hex.js';
import { type Card, entryLabel } from './card.js';
import { SdError, type SdErrorCode } from './errors.js';
import type { CardEntry } from './manifest.js';
import { type Finding, manifestFindings } from './rules.js';

const BLOCK = 64 * 1024;

export interface EntryResult {
  readonly index: number;
  readonly name: string;
  readonly appName: string;
  readonly path: string;
  readonly kind: 'hxe' | 'bundle';
  /** What the file is (null when it could not be read). */
  readonly size: number | null;
  readonly sha256: string | null;
  /** No error finding for this entry. */
  readonly ok: boolean;
}

export interface CardReport {
  readonly path: string;
  readonly format: Card['format'];
  readonly manifestFile: string;
  /** No finding of severity error. */
  readonly ok: boolean;
  readonly entries: readonly EntryResult[];
  readonly findings: readonly Finding[];
}

/** A thrown error as a finding of entry `e`. */
export function errorFinding(err: unknown, e: CardEntry | null, field: string | null = null): Finding {
  const code = isHilbridgeError(err) ? err.code : 'internal_error';
  const message = err instanceof Error ? err.message : String(err);
  const sd = err instanceof SdError ? err : undefined;
  return {
    severity: 'error',
    code,
    message,
    entry: e?.index ?? null,
    field: sd?.field ?? field,
    path: sd?.path ?? e?.path ?? null,
    offset: err instanceof OffsetError ? (err.offset ?? null) : null,
  };
}

async function* blocks(r: ImageReader): AsyncGenerator<Uint8Array> {
  for (let o = 0; o < r.size; o += BLOCK) yield await r.read(o, Math.min(BLOCK, r.size - o));
}

function fail(code: SdErrorCode, e: CardEntry, field: string, message: string, cause?: unknown): Finding {
  return errorFinding(new SdError(code, `${entryLabel(e)}: ${message}`, { path: e.path, field: `images[${e.index}].${field}`, ...(cause === undefined ? {} : { cause }) }), e);
}

async function checkContent(r: ImageReader, e: CardEntry): Promise<Finding[]> {
  const head = await r.read(0, Math.min(4, r.size));
  if (hasHxeMagic(head)) {
    if (e.kind !== 'hxe') return [fail('sd_kind_mismatch', e, 'kind', `"${e.path}" is an HXE image; the manifest says kind "${e.kind}"`)];
    if (r.size > MAX_HXE_FILE_SIZE) return [fail('sd_image_invalid', e, 'path', `"${e.path}" is ${r.size} bytes; an HXE image is at most ${MAX_HXE_FILE_SIZE}`)];
    let image: HxeImage;
    try {
      const v = new HxeStreamVerifier({ totalSize: r.size });
      for await (const b of blocks(r)) v.push(b);
      image = v.end();
    } catch (err) {
      const off = err instanceof OffsetError ? err.offset : undefined;
      const code = isHilbridgeError(err) ? err.code : '?';
      return [{ ...fail('sd_image_invalid', e, 'path', `"${e.path}" is not a valid HXE image [${code}]: ${err instanceof Error ? err.message : String(err)} (docs/hxe.md)`, err), offset: off ?? null }];
    }
    const out: Finding[] = [];
    if ((image.appName ?? '') !== e.appName) out.push(fail('sd_app_name_mismatch', e, 'appName', `the image's app name is ${JSON.stringify(image.appName)}, the manifest says ${JSON.stringify(e.appName)}`));
    const persisted = new Set(image.values.map((v) => v.persistKey).filter((k) => k !== 0));
    e.values.forEach((v, k) => {
      if (!persisted.has(v.key)) out.push({ ...fail('sd_value_unknown_key', e, `values[${k}].key`, `FRAM key 0x${v.key.toString(16)} is not a persist key of the image (it has ${persisted.size ? [...persisted].map((p) => `0x${p.toString(16)}`).join(', ') : 'none'}): no value will read it`), severity: 'warning' });
    });
    return out;
  }
  if (isBundleHead(head)) {
    if (e.kind !== 'bundle') return [fail('sd_kind_mismatch', e, 'kind', `"${e.path}" is a bundle; the manifest says kind "${e.kind}"`)];
    try {
      const v = new BundleStreamVerifier({ totalSize: r.size });
      for await (const b of blocks(r)) v.push(b);
      const info = v.end();
      const out: Finding[] = [];
      if (info.manifest.name !== e.appName) out.push(fail('sd_app_name_mismatch', e, 'appName', `the bundle's name is "${info.manifest.name}", the manifest says ${JSON.stringify(e.appName)}`));
      if (info.manifest.securityCounter !== e.version) out.push(fail('sd_version_mismatch', e, 'version', `the bundle's security counter is ${info.manifest.securityCounter}, the manifest says version ${e.version}`));
      return out;
    } catch (err) {
      const off = err instanceof BundleError ? err.offset : undefined;
      const code = isHilbridgeError(err) ? err.code : '?';
      return [{ ...fail('sd_image_invalid', e, 'path', `"${e.path}" is not a valid bundle [${code}]: ${err instanceof Error ? err.message : String(err)} (docs/bundle.md)`, err), offset: off ?? null }];
    }
  }
  return [fail('sd_kind_mismatch', e, 'kind', `"${e.path}" is neither an HXE image ("HSXE") nor a bundle ("HXBN")`)];
}

async function checkEntry(card: Card, e: CardEntry): Promise<{ result: EntryResult; findings: Finding[] }> {
  const findings: Finding[] = [];
  let size: number | null = null;
  let sha256: string | null = null;
  let reader: ImageReader | undefined;
  try {
    reader = await card.openEntry(e, { verify: false });
    size = reader.size;
    sha256 = toHex(reader.sha256);
    if (size !== e.size) findings.push(fail('sd_size_mismatch', e, 'size', `"${e.path}" is ${size} bytes, the manifest says ${e.size}`));
    else if (sha256 !== e.sha256) findings.push(fail('sd_hash_mismatch', e, 'sha256', `"${e.path}" has SHA-256 ${sha256}, the manifest says ${e.sha256}`));
    findings.push(...(await checkContent(reader, e)));
  } catch (err) {
    findings.push(errorFinding(err, e, `images[${e.index}].path`));
  } finally {
    await reader?.close();
  }
  const ok = !findings.some((f) => f.severity === 'error');
  return { result: { index: e.index, name: e.name, appName: e.appName, path: e.path, kind: e.kind, size, sha256, ok }, findings };
}

export async function checkCard(card: Card): Promise<CardReport> {
  const findings: Finding[] = [];
  const entries: EntryResult[] = [];
  for (const e of card.entries) {
    const r = await checkEntry(card, e);
    findings.push(...r.findings);
    entries.push(r.result);
  }
  const rules = manifestFindings(card.entries);
  findings.push(...rules);
  const bad = new Set(rules.filter((f) => f.severity === 'error').map((f) => f.entry));
  const results = entries.map((r) => (bad.has(r.index) ? { ...r, ok: false } : r));
  return { path: card.path, format: card.format, manifestFile: card.manifestFile, ok: !findings.some((f) => f.severity === 'error'), entries: results, findings };
}
