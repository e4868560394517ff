/**
 * Fuzz target `manifest`: the JSON manifest file check of `image verify
 * --manifest` (src/bundle/json.ts manifestDifference, after JSON.parse as
 * the command reads the file) on the manifestJson of real bundles, mutated as
 * text (bytes flipped, inserted from the token dictionary, deleted, cut), with
 * a field replaced by a random JSON value or by a deeply nested one (a 1 MiB
 * file can nest 500,000 levels). Invariants: never throws; the file written
 * for a bundle matches it (decode(encode(x)) = x); a difference names a
 * field in a message of bounded length.
 */
import fc from 'fast-check';
import { manifestDifference, manifestJson, parseBundle, type BundleInfo } from '../../src/bundle/index.js';
import { bundleSeeds } from './bundle.js';
import { invariant, type FuzzTarget } from './harness.js';
import { applyMutations, mutations, type Mutation } from './mutate.js';

const infos: readonly BundleInfo[] = bundleSeeds.map((b) => parseBundle(b));
const FIELDS = ['formatVersion', 'name', 'vendor', 'boardClass', 'securityCounter', 'contentSha256', 'segments'] as const;
/** Longest difference message accepted: a field path and two short values. */
const MAX_MESSAGE = 400;

type ManifestCase =
  | { readonly kind: 'valid'; readonly seed: number }
  | { readonly kind: 'mutated'; readonly seed: number; readonly ms: readonly Mutation[] }
  | { readonly kind: 'value'; readonly seed: number; readonly field: number; readonly value: unknown }
  | { readonly kind: 'deep'; readonly seed: number; readonly field: number; readonly depth: number; readonly open: '[' | '{"a":' };

const seed = fc.nat(infos.length - 1);
const arbitrary: fc.Arbitrary<ManifestCase> = fc.oneof(
  fc.record({ kind: fc.constant('valid' as const), seed }),
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('mutated' as const), seed, ms: mutations([], 4) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('value' as const), seed, field: fc.nat(FIELDS.length - 1), value: fc.jsonValue({ maxDepth: 4 }) }) },
  fc.record({
    kind: fc.constant('deep' as const),
    seed,
    field: fc.nat(FIELDS.length - 1),
    depth: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1000, max: 60_000 })),
    open: fc.constantFrom('[' as const, '{"a":' as const),
  }),
);

function deepValue(depth: number, open: '[' | '{"a":'): string {
  return open.repeat(depth) + '0' + (open === '[' ? ']' : '}').repeat(depth);
}

/** The file's text for a case. */
function fileText(c: ManifestCase, info: BundleInfo): string {
  const text = manifestJson(info);
  switch (c.kind) {
    case 'valid':
      return text;
    case 'mutated':
      return Buffer.from(applyMutations(Buffer.from(text), c.ms)).toString('utf8');
    case 'value':
    case 'deep': {
      const obj = JSON.parse(text) as Record<string, unknown>;
      const field = FIELDS[c.field]!;
      const marker = '"@@value@@"';
      obj[field] = '@@value@@';
      return JSON.stringify(obj).replace(marker, c.kind === 'value' ? JSON.stringify(c.value) : deepValue(c.depth, c.open));
    }
  }
}

export const manifestTarget: FuzzTarget<ManifestCase> = {
  name: 'manifest',
  what: 'manifestDifference on mutated manifest JSON files, random and deeply nested field values; the written file matches',
  neverThrows: true,
  arbitrary,
  run(c) {
    const info = infos[c.seed]!;
    const text = fileText(c, info);
    let given: unknown;
    try {
      given = JSON.parse(text);
    } catch {
      return 'not_json'; // the command reports it as manifest_mismatch before comparing
    }
    const diff = manifestDifference(given, info.manifest);
    if (c.kind === 'valid') invariant(diff === undefined, `the manifest file written for a bundle differs from it: ${diff}`);
    if (diff === undefined) return undefined;
    invariant(diff.length > 0 && diff.length <= MAX_MESSAGE, `a difference message of ${diff.length} characters (bound ${MAX_MESSAGE})`);
    return 'manifest_mismatch';
  },
};
