/**
 * The card `sd write` lays out (docs/sd.md, "Card layout"): `hilbridge.json`
 * at the root and each image under `images/`, named after its entry
 * (`images/<name>.hxe`, `images/<name>.hxb`). The manifest is generated from
 * the images themselves (app name, version, size, SHA-256, kind), each image
 * verified first, and the entries must pass the manifest rules sd check
 * applies (manifestFindings). Same images and options, same files, same bytes.
 */
import { BundleError, isBundleHead, parseBundle } from '../bundle/index.js';
import { isHilbridgeError } from '../errors.js';
import { hasHxeMagic } from '../hxe/header.js';
import { parseHxe } from '../hxe/parse.js';
import { sha256Hex } from '../util/digest.js';
import { SdError, type SdErrorCode } from './errors.js';
import type { FatFileInput } from './fat-write.js';
import { type CardEntry, MAX_ENTRIES, manifestText } from './manifest.js';
import { manifestFindings } from './rules.js';

export const IMAGES_DIR = 'images';
export const MANIFEST_FILE = 'hilbridge.json';

export interface CardImageInput {
  /** Where the image came from (its path), for messages and the name of an unnamed v1 HXE image. */
  readonly source: string;
  readonly bytes: Uint8Array;
}

export interface CardPlanOptions {
  /** One per image, in order; default: 0, 1, 2, ... (the argument order). */
  readonly priorities?: readonly number[];
  /** Node ids every entry is for; default: every node. */
  readonly nodes?: readonly number[];
}

export interface CardPlan {
  readonly entries: readonly CardEntry[];
  /** The manifest text (hilbridge.json). */
  readonly manifest: string;
  /** Every file of the card, manifest first, then images in entry order. */
  readonly files: readonly FatFileInput[];
}

function baseName(source: string): string {
  const file = source.split(/[\\/]/).pop() ?? source;
  return file.replace(/\.[^.]*$/, '');
}

function entryName(app: string, taken: Set<string>): string {
  const base = app.toLowerCase().replace(/[^a-z0-9._-]/g, '-').slice(0, 28) || 'image';
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  taken.add(name);
  return name;
}

function describe(img: CardImageInput, i: number): { kind: 'hxe' | 'bundle'; appName: string; version: number } {
  const where = `image ${i} ("${img.source}")`;
  if (hasHxeMagic(img.bytes)) {
    try {
      const h = parseHxe(img.bytes);
      const appName = h.appName ?? baseName(img.source).slice(0, 31);
      return { kind: 'hxe', appName: appName || 'image', version: 0 };
    } catch (e) {
      throw new SdError('sd_image_invalid', `${where} is not a valid HXE image [${isHilbridgeError(e) ? e.code : '?'}]: ${e instanceof Error ? e.message : String(e)}`, { path: img.source, cause: e });
    }
  }
  if (isBundleHead(img.bytes)) {
    try {
      const info = parseBundle(img.bytes);
      return { kind: 'bundle', appName: info.manifest.name, version: info.manifest.securityCounter };
    } catch (e) {
      throw new SdError('sd_image_invalid', `${where} is not a valid bundle [${e instanceof BundleError ? e.code : '?'}]: ${e instanceof Error ? e.message : String(e)}`, { path: img.source, cause: e });
    }
  }
  throw new SdError('sd_image_invalid', `${where} is neither an HXE image ("HSXE") nor a bundle ("HXBN"): a card holds only those`, { path: img.source });
}

export function planCard(images: readonly CardImageInput[], opts: CardPlanOptions = {}): CardPlan {
  if (images.length === 0 || images.length > MAX_ENTRIES) throw new SdError('sd_manifest_invalid', `a card holds 1 to ${MAX_ENTRIES} images; ${images.length} given`);
  if (opts.priorities !== undefined && opts.priorities.length !== images.length) {
    throw new SdError('sd_manifest_invalid', `${opts.priorities.length} priorities for ${images.length} images: give one per image, in the images' order`, { field: 'priority' });
  }
  const taken = new Set<string>();
  const nodes = [...new Set(opts.nodes ?? [])].sort((a, b) => a - b);
  const entries = images.map((img, index): CardEntry => {
    const d = describe(img, index);
    const name = entryName(d.appName, taken);
    return {
      index,
      name,
      path: `${IMAGES_DIR}/${name}.${d.kind === 'hxe' ? 'hxe' : 'hxb'}`,
      appName: d.appName,
      version: d.version,
      sha256: sha256Hex(img.bytes),
      size: img.bytes.length,
      kind: d.kind,
      priority: opts.priorities?.[index] ?? index,
      nodes,
      values: [],
      fallback: null,
    };
  });
  // the card must pass the rules sd check applies (a priority shared on a node, ...): refuse it, nothing is written
  const problem = manifestFindings(entries).find((f) => f.severity === 'error');
  if (problem !== undefined) {
    throw new SdError(problem.code as SdErrorCode, `the card would fail sd check: ${problem.message}`, problem.field === null ? {} : { field: problem.field });
  }
  const manifest = manifestText(entries);
  const files: FatFileInput[] = [{ path: MANIFEST_FILE, bytes: new TextEncoder().encode(manifest) }, ...entries.map((e, i) => ({ path: e.path, bytes: (images[i] as CardImageInput).bytes }))];
  return { entries, manifest, files };
}
