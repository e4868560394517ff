/**
 * The SD card manifest, `hilbridge.toml` or `hilbridge.json` at the card
 * root (docs/sd.md): which images the card holds and how a board boots
 * them. One zod schema, strict (an unknown field is refused), is the single
 * source: parseManifest validates with it, docs/schemas/sd-manifest.schema.json
 * is generated from it. Every error names the file, the entry (index and
 * appName) and the field, with code `sd_manifest_invalid`.
 */
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { numberToF16 } from '../hxe/f16.js';
import { findTooDeep } from '../util/nesting.js';
import { SdError } from './errors.js';

export const MANIFEST_FILES = ['hilbridge.toml', 'hilbridge.json'] as const;
export type ManifestFileName = (typeof MANIFEST_FILES)[number];
export const MANIFEST_VERSION = 1;
/** A manifest file is read whole: at most this many bytes. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
export const MAX_ENTRIES = 256;
/** A card path: at most this many characters (and 32 levels). */
export const MAX_PATH_LENGTH = 255;
const MAX_DEPTH = 8;

/** Why a card path is refused, or undefined when it is a safe relative path. */
export function cardPathProblem(path: string): string | undefined {
  if (path.length === 0) return 'is empty';
  if (path.length > MAX_PATH_LENGTH) return `is ${path.length} characters; a card path has at most ${MAX_PATH_LENGTH}`;
  if (path.startsWith('/')) return 'is absolute; paths are relative to the card root';
  if (path.includes('\\')) return 'has a backslash; separate directories with "/"';
  if ([...path].some((c) => c.charCodeAt(0) < 0x20 || ':*?"<>|'.includes(c))) return 'has a control character or one of : * ? " < > |';
  const parts = path.split('/');
  if (parts.length > 32) return `is ${parts.length} levels deep; at most 32`;
  if (parts.some((p) => p === '..')) return 'has ".." (it would leave the card)';
  if (parts.some((p) => p === '' || p === '.')) return 'has an empty or "." component';
  return undefined;
}

const EntryName = z.string().regex(/^[a-z0-9._-]{1,32}$/, '1 to 32 of a-z 0-9 . _ -');
const CardPath = z.string().superRefine((p, ctx) => {
  const problem = cardPathProblem(p);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `"${p}" ${problem}` });
});

export const ValueDefaultSchema = z
  .strictObject({
    key: z.number().int().min(1).max(0xfffe).describe('FRAM persist key (1..0xfffe), as the image declares it'),
    raw: z.number().int().min(0).max(0xffff).optional().describe('the default as the raw f16 bit pattern'),
    value: z.number().min(-65504).max(65504).optional().describe('the default as a number, stored as the nearest f16'),
  })
  .refine((v) => (v.raw === undefined) !== (v.value === undefined), { message: 'give exactly one of raw and value' })
  .describe('a FRAM value a board stores for this image when it has none yet');

export const ManifestEntrySchema = z
  .strictObject({
    name: EntryName.describe('unique name of the entry; what fallback refers to'),
    path: CardPath.describe('the image file, relative to the card root, "/"-separated'),
    appName: z.string().min(1).max(31).regex(/^[\x20-\x7e]+$/, 'printable ASCII').describe("the HXE image's app name, or the bundle's name"),
    version: z.number().int().min(0).max(0xffffffff).describe("a bundle's security counter; for an HXE image (no version field) what the author says, 0 by default"),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits').describe('SHA-256 of the file'),
    size: z.number().int().min(1).max(0xffffffff).describe('size of the file in bytes'),
    kind: z.enum(['hxe', 'bundle']).describe('hxe: an HXE image; bundle: a signed image bundle (docs/bundle.md)'),
    priority: z.number().int().min(0).max(0xffff).describe('boot order: lower boots first; unique among the entries of one node'),
    nodes: z.array(z.number().int().min(1).max(254)).max(254).default([]).describe('node ids this entry is for; empty: every node'),
    values: z.array(ValueDefaultSchema).max(256).default([]).describe('FRAM keys with their default values'),
    fallback: EntryName.nullable().default(null).describe('the entry to boot when this one fails (by name); null: none'),
  })
  .describe('one image on the card');

export const SdManifestSchema = z
  .strictObject({
    version: z.literal(MANIFEST_VERSION).describe('manifest format version'),
    images: z.array(ManifestEntrySchema).min(1).max(MAX_ENTRIES).describe('the images, in any order (priority decides)'),
  })
  .describe('hilbridge SD card manifest (hilbridge.toml or hilbridge.json at the card root; docs/sd.md)');

export type SdManifest = z.output<typeof SdManifestSchema>;
export type SdManifestEntry = z.output<typeof ManifestEntrySchema>;

/** A manifest entry with its index and its values as raw f16 patterns. */
export interface CardEntry {
  readonly index: number;
  readonly name: string;
  readonly path: string;
  readonly appName: string;
  readonly version: number;
  readonly sha256: string;
  readonly size: number;
  readonly kind: 'hxe' | 'bundle';
  readonly priority: number;
  /** Empty: every node. */
  readonly nodes: readonly number[];
  readonly values: readonly { readonly key: number; readonly raw: number }[];
  readonly fallback: string | null;
}

/** The JSON Schema of the manifest (docs/schemas/sd-manifest.schema.json): what a file may hold, defaults optional. */
export function manifestJsonSchema(): unknown {
  return { ...z.toJSONSchema(SdManifestSchema, { target: 'draft-2020-12', io: 'input' }), title: 'hilbridge SD card manifest' };
}

function fieldText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

function entryLabel(raw: unknown, index: number): string {
  const images = (raw as { images?: unknown } | null)?.images;
  const e = Array.isArray(images) ? (images[index] as { appName?: unknown; name?: unknown } | undefined) : undefined;
  const app = typeof e?.appName === 'string' ? e.appName : typeof e?.name === 'string' ? e.name : undefined;
  return `entry ${index}${app === undefined ? '' : ` (${JSON.stringify(app)})`}`;
}

/** Parse and validate manifest text; `file` names it in messages (e.g. "card.img:hilbridge.toml"). */
export function parseManifest(text: string, file: string, syntax: 'toml' | 'json'): { manifest: SdManifest; entries: CardEntry[] } {
  const deep = findTooDeep(text, MAX_DEPTH, syntax);
  if (deep !== undefined) throw new SdError('sd_manifest_invalid', `${file}: line ${deep.line}: brackets nest deeper than ${MAX_DEPTH} levels; a manifest needs 3`, { path: file });
  let raw: unknown;
  try {
    raw = syntax === 'toml' ? parseToml(text) : (JSON.parse(text) as unknown);
  } catch (e) {
    throw new SdError('sd_manifest_invalid', `${file}: not valid ${syntax.toUpperCase()}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, { path: file, cause: e });
  }
  const r = SdManifestSchema.safeParse(raw);
  if (!r.success) {
    const problems = r.error.issues.slice(0, 10).map((i) => {
      const path = i.code === 'unrecognized_keys' ? [...i.path, i.keys[0] ?? ''] : i.path;
      const where = path[0] === 'images' && typeof path[1] === 'number' ? `${entryLabel(raw, path[1])}, field ${fieldText(path)}` : `field ${fieldText(path) || '(top level)'}`;
      const what = i.code === 'unrecognized_keys' ? `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => JSON.stringify(k)).join(', ')} (fields are listed in docs/sd.md)` : i.message;
      return { field: fieldText(path), text: `${where}: ${what}` };
    });
    const first = problems[0];
    const more = r.error.issues.length > problems.length ? `; and ${r.error.issues.length - problems.length} more` : '';
    throw new SdError('sd_manifest_invalid', `${file}: ${problems.map((p) => p.text).join('; ')}${more}`, { path: file, ...(first?.field ? { field: first.field } : {}) });
  }
  const manifest = r.data;
  const entries = manifest.images.map((e, index): CardEntry => ({
    index,
    name: e.name,
    path: e.path,
    appName: e.appName,
    version: e.version,
    sha256: e.sha256,
    size: e.size,
    kind: e.kind,
    priority: e.priority,
    nodes: [...e.nodes],
    values: e.values.map((v) => ({ key: v.key, raw: v.raw ?? numberToF16(v.value ?? 0) })),
    fallback: e.fallback,
  }));
  return { manifest, entries };
}

/** The manifest `sd write` writes: JSON, keys in schema order, two-space indent, a final newline. */
export function manifestText(entries: readonly Omit<CardEntry, 'index'>[]): string {
  const images = entries.map((e) => ({
    name: e.name,
    path: e.path,
    appName: e.appName,
    version: e.version,
    sha256: e.sha256,
    size: e.size,
    kind: e.kind,
    priority: e.priority,
    nodes: [...e.nodes],
    values: e.values.map((v) => ({ key: v.key, raw: v.raw })),
    fallback: e.fallback,
  }));
  return JSON.stringify({ version: MANIFEST_VERSION, images }, null, 2) + '\n';
}
