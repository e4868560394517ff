/** The command a mistyped word most likely meant (`flsh` -> `flash`), or undefined when none is close. */

/** Edit distance with transpositions (optimal string alignment): `fmpa` is one edit from `fmap`. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The closest of `names` to `word`: within 2 edits and fewer edits than half
 * the word's length (so `ab` suggests nothing), or else the one name `word`
 * begins (`conf` -> `confirm`, at least 3 letters). Ties go to the earlier name.
 */
export function suggestCommand(word: string, names: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const name of names) {
    const d = editDistance(w, name);
    if (d <= 2 && d * 2 < Math.max(w.length, name.length) && (best === undefined || d < best.d)) best = { name, d };
  }
  if (best !== undefined) return best.name;
  const prefixed = names.filter((n) => w.length >= 3 && n.startsWith(w));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}
