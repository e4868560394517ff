#!/usr/bin/env node
// After `vitest run --coverage`: line and branch coverage per src/ folder, from
// coverage/coverage-summary.json. With --min-branches <pct> <folder>... it fails
// when a named folder's branch coverage is below pct.
import { readFileSync } from 'node:fs';
import { relative, dirname } from 'node:path';

const summary = JSON.parse(readFileSync('coverage/coverage-summary.json', 'utf8'));
const folders = new Map();
for (const [file, m] of Object.entries(summary)) {
  if (file === 'total') continue;
  const dir = dirname(relative(process.cwd(), file));
  const f = folders.get(dir) ?? { lines: [0, 0], branches: [0, 0] };
  f.lines[0] += m.lines.covered; f.lines[1] += m.lines.total;
  f.branches[0] += m.branches.covered; f.branches[1] += m.branches.total;
  folders.set(dir, f);
}
const pct = ([c, t]) => (t === 0 ? 100 : (100 * c) / t);
const fmt = (x) => `${x[0]}/${x[1]} ${pct(x).toFixed(1).padStart(5)}%`;
console.log(`${'folder'.padEnd(28)} ${'lines'.padStart(18)} ${'branches'.padStart(18)}`);
for (const [dir, f] of [...folders].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(`${dir.padEnd(28)} ${fmt(f.lines).padStart(18)} ${fmt(f.branches).padStart(18)}`);
}
const t = summary.total;
console.log(`${'all of src'.padEnd(28)} ${fmt([t.lines.covered, t.lines.total]).padStart(18)} ${fmt([t.branches.covered, t.branches.total]).padStart(18)}`);

const args = process.argv.slice(2);
if (args[0] === '--min-branches') {
  const min = Number(args[1]);
  const low = args.slice(2).filter((d) => pct(folders.get(d)?.branches ?? [0, 1]) < min);
  for (const d of low) console.error(`!! branch coverage of ${d} is below ${min}%`);
  process.exit(low.length > 0 ? 1 : 0);
}
