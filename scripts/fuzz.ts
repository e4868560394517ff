/**
 * `npm run fuzz [-- --cases N] [-- --seed N] [-- --target X[,Y]] [-- --path P] [-- --max-ms MS] [-- --json]`
 *
 * Hostile-input fuzzing (issue 13, docs/security.md "Fuzzing"): drives every
 * decoder and verifier that reads bytes from outside (test/fuzz/targets.ts)
 * with N cases each (default 100,000) and checks that each case is accepted
 * or rejected with a typed error, within the time bound, with buffers within
 * their caps and the heap flat. Prints a table per target; `--json` prints
 * one JSON line per target ({"event":"fuzz_target",...}) and a summary line
 * ({"event":"fuzz_summary",...}) instead. The seed is printed; a finding
 * prints the exact command that replays it. Exit 1 on any finding, 2 on bad
 * arguments. Run with --expose-gc (the npm script does) so heap deltas are
 * measured after a GC.
 */
import os from 'node:os';
import { mib, runTarget, type FuzzResult } from '../test/fuzz/harness.js';
import { TARGETS } from '../test/fuzz/targets.js';

interface Args {
  cases: number;
  seed: number;
  targets: string[];
  path: string | undefined;
  maxMs: number;
  maxHeapMiB: number;
  json: boolean;
}

function usage(msg: string): never {
  process.stderr.write(`fuzz: ${msg}\nusage: npm run fuzz -- [--cases N] [--seed N] [--target ${TARGETS.map((t) => t.name).join(',')}] [--path P] [--max-ms MS] [--max-heap-mib N] [--json]\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { cases: 100_000, seed: Date.now() % 2 ** 31, targets: TARGETS.map((t) => t.name), path: undefined, maxMs: 250, maxHeapMiB: 32, json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => argv[++i] ?? usage(`${flag} needs a value`);
    const int = (): number => {
      const v = value();
      if (!/^\d+$/.test(v)) usage(`${flag} ${v} is not a non-negative integer`);
      return Number(v);
    };
    switch (flag) {
      case '--cases':
        a.cases = int();
        break;
      case '--seed':
        a.seed = int();
        break;
      case '--target':
        a.targets = value().split(',');
        for (const t of a.targets) if (!TARGETS.some((x) => x.name === t)) usage(`no target "${t}"`);
        break;
      case '--path':
        a.path = value();
        break;
      case '--max-ms':
        a.maxMs = int();
        break;
      case '--max-heap-mib':
        a.maxHeapMiB = int();
        break;
      case '--json':
        a.json = true;
        break;
      default:
        usage(`unknown argument ${flag}`);
    }
  }
  return a;
}

function row(r: FuzzResult): string {
  const top = r.codes.slice(0, 4).map((c) => `${c.code} ${c.count}`).join(', ') + (r.codes.length > 4 ? `, +${r.codes.length - 4} more` : '');
  return [
    r.target.padEnd(9),
    String(r.cases).padStart(7),
    String(r.accepted).padStart(8),
    String(r.rejected).padStart(8),
    r.maxCaseMs.toFixed(1).padStart(7),
    mib(r.heapDeltaBytes).padStart(7),
    r.seconds.toFixed(1).padStart(6),
    `  ${top}`,
  ].join(' ');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const machine = `${os.cpus().length} x ${os.cpus()[0]?.model.trim() ?? 'cpu'}, node ${process.version}`;
  const out = (s: string): void => void process.stdout.write(s);
  if (!args.json) {
    out(`fuzz: seed ${args.seed}, ${args.cases} cases per target, bound ${args.maxMs} ms per case, ${machine}\n`);
    out(`${'target'.padEnd(9)} ${'cases'.padStart(7)} ${'accepted'.padStart(8)} ${'rejected'.padStart(8)} ${'max ms'.padStart(7)} ${'heap MiB'.padStart(7)} ${'sec'.padStart(6)}  top rejection codes\n`);
  }
  const results: FuzzResult[] = [];
  for (const t of TARGETS.filter((x) => args.targets.includes(x.name))) {
    const r = await runTarget(t, { seed: args.seed, cases: args.cases, maxCaseMs: args.maxMs, maxHeapDeltaBytes: args.maxHeapMiB * 1048576, path: args.path });
    results.push(r);
    if (args.json) out(JSON.stringify({ event: 'fuzz_target', ...r }) + '\n');
    else out(row(r) + '\n');
    if (r.failure !== undefined) process.stderr.write(`\nFINDING in ${r.target}:\n${r.failure}\n\n`);
  }
  const failed = results.filter((r) => r.failure !== undefined).map((r) => r.target);
  const cases = results.reduce((n, r) => n + r.cases, 0);
  const seconds = results.reduce((n, r) => n + r.seconds, 0);
  if (args.json) out(JSON.stringify({ event: 'fuzz_summary', ok: failed.length === 0, seed: args.seed, cases, seconds, failed, machine }) + '\n');
  else out(`${failed.length === 0 ? 'ok' : `FAILED: ${failed.join(', ')}`}: ${cases} cases in ${seconds.toFixed(1)} s (seed ${args.seed})\n`);
  process.exitCode = failed.length === 0 ? 0 : 1;
}

await main();
