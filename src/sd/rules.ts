/**
 * The manifest's rules across entries (docs/sd.md, "Check rules"): unique
 * names, fallbacks that exist, never loop and are for the entry's nodes, one priority per node, one
 * default per FRAM key. Pure: entries in, findings out, every entry checked.
 */
import type { SdErrorCode } from './errors.js';
import type { CardEntry } from './manifest.js';

export interface Finding {
  readonly severity: 'error' | 'warning';
  /** An SdErrorCode, or the code of another error (file_not_regular, ...). */
  readonly code: string;
  readonly message: string;
  /** The entry's index in the manifest, null for the card as a whole. */
  readonly entry: number | null;
  /** The manifest field, `images[<i>].<field>`, when one is to blame. */
  readonly field: string | null;
  /** The file on the card, when one is to blame. */
  readonly path: string | null;
  /** A byte offset (in the FAT image, or in the entry's file), when one is to blame. */
  readonly offset: number | null;
}

const label = (e: CardEntry): string => `entry ${e.index} (${JSON.stringify(e.appName)})`;

function finding(code: SdErrorCode, e: CardEntry, field: string, message: string): Finding {
  return { severity: 'error', code, message: `${label(e)}: ${message}`, entry: e.index, field: `images[${e.index}].${field}`, path: null, offset: null };
}

/** Do two entries apply to a common node? (Empty node lists mean every node.) */
function shareNode(a: CardEntry, b: CardEntry): number | 'all' | undefined {
  if (a.nodes.length === 0 && b.nodes.length === 0) return 'all';
  if (a.nodes.length === 0) return b.nodes[0];
  if (b.nodes.length === 0) return a.nodes[0];
  return a.nodes.find((n) => b.nodes.includes(n));
}

/** Is `target` for every node `e` is for? */
function covers(target: CardEntry, e: CardEntry): boolean {
  if (target.nodes.length === 0) return true;
  if (e.nodes.length === 0) return false;
  return e.nodes.every((n) => target.nodes.includes(n));
}

export function manifestFindings(entries: readonly CardEntry[]): Finding[] {
  const out: Finding[] = [];
  const byName = new Map<string, CardEntry>();
  for (const e of entries) {
    const first = byName.get(e.name);
    if (first !== undefined) out.push(finding('sd_duplicate_name', e, 'name', `name "${e.name}" is also entry ${first.index}'s; names are unique (fallbacks refer to them)`));
    else byName.set(e.name, e);
  }
  for (const e of entries) {
    if (e.fallback === null) continue;
    const target = byName.get(e.fallback);
    if (target === undefined) {
      out.push(finding('sd_fallback_missing', e, 'fallback', `fallback "${e.fallback}" names no entry; names are ${[...byName.keys()].map((n) => `"${n}"`).join(', ')}`));
      continue;
    }
    if (!covers(target, e)) {
      out.push(finding('sd_fallback_nodes', e, 'fallback', `fallback "${e.fallback}" (entry ${target.index}) is for ${target.nodes.length === 0 ? 'every node' : `nodes ${target.nodes.join(',')}`}, not for every node this entry is for (${e.nodes.length === 0 ? 'every node' : e.nodes.join(',')}): a node never loads another node's image, so give the fallback those nodes too`));
    }
    const seen = [e.name];
    let cur: CardEntry | undefined = target;
    while (cur !== undefined) {
      if (seen.includes(cur.name)) {
        out.push(finding('sd_fallback_loop', e, 'fallback', `following fallbacks loops: ${[...seen, cur.name].join(' -> ')}; the last fallback must have none`));
        break;
      }
      seen.push(cur.name);
      cur = cur.fallback === null ? undefined : byName.get(cur.fallback);
    }
  }
  for (let i = 0; i < entries.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = entries[j] as CardEntry;
      const b = entries[i] as CardEntry;
      if (a.priority !== b.priority) continue;
      const node = shareNode(a, b);
      if (node === undefined) continue;
      out.push(finding('sd_priority_conflict', b, 'priority', `priority ${b.priority} is also ${label(a)}'s, and both are for ${node === 'all' ? 'every node' : `node ${node}`}: give each entry of a node its own priority (lower boots first)`));
    }
  }
  for (const e of entries) {
    const keys = new Set<number>();
    e.values.forEach((v, k) => {
      if (keys.has(v.key)) out.push(finding('sd_duplicate_value', e, `values[${k}].key`, `FRAM key 0x${v.key.toString(16)} is listed twice`));
      keys.add(v.key);
    });
  }
  return out;
}

/** The entries a node boots, in boot order: its own and the every-node ones, lowest priority first (then manifest order). */
export function bootOrder(entries: readonly CardEntry[], node: number): CardEntry[] {
  return entries.filter((e) => e.nodes.length === 0 || e.nodes.includes(node)).sort((a, b) => a.priority - b.priority || a.index - b.index);
}
