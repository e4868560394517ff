/**
 * `npm run bench [-- --json] [-- --only=<name>] [-- --memory]`: builds the
 * CLI, then prints the start-up figures (bench/cli-startup.ts) and the
 * transfer figures (bench/transfer.ts) and the broadcast figures
 * (bench/bcast.ts, `--only=bcast` alone), each as its own process with the
 * same arguments. `--only=startup` runs only the start-up figures; another
 * `--only=` filters the transfer scenarios and skips them; `--memory` is
 * transfer's memory run only; `--only=discovery` only the discovery figures
 * (bench/discovery.ts: 32 nodes on the emulated 1 Mbit/s bus); `--only=codec`
 * only the chunk codec's ratio and speed (bench/codec.ts); `--only=delta`
 * only the delta and compression figures (bench/delta.ts).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--only='))?.slice(7);
const startup = !args.includes('--memory') && (only === undefined || only === 'startup');
const transfer = only !== 'startup' && only !== 'discovery' && only !== 'bcast' && only !== 'codec' && only !== 'delta';
const discovery = !args.includes('--memory') && (only === undefined || only === 'discovery');
const bcast = !args.includes('--memory') && (only === undefined || only === 'bcast');
const delta = !args.includes('--memory') && (only === undefined || only === 'delta');

function run(cmd: string, cmdArgs: string[]): void {
  const r = spawnSync(cmd, cmdArgs, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    process.exitCode = r.status ?? 1;
    throw new Error(`${cmd} ${cmdArgs.join(' ')} failed`);
  }
}

try {
  if (startup) {
    run('npx', ['tsc', '-p', 'tsconfig.build.json']);
    run(process.execPath, ['--import', 'tsx', 'bench/cli-startup.ts', ...args.filter((a) => !a.startsWith('--only='))]);
  }
  if (transfer) run(process.execPath, ['--import', 'tsx', 'bench/transfer.ts', ...args]);
  if (discovery) run(process.execPath, ['--import', 'tsx', 'bench/discovery.ts', ...args.filter((a) => !a.startsWith('--only='))]);
  if (!args.includes('--memory') && (only === undefined || only === 'codec')) run(process.execPath, ['--import', 'tsx', 'bench/codec.ts', ...args.filter((a) => !a.startsWith('--only='))]);
  if (bcast) run(process.execPath, ['--import', 'tsx', 'bench/bcast.ts', ...args.filter((a) => !a.startsWith('--only='))]);
  if (delta) run(process.execPath, ['--import', 'tsx', 'bench/delta.ts', ...args.filter((a) => !a.startsWith('--only='))]);
} catch (e) {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
}
