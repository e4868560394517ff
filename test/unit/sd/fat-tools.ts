/**
 * dosfstools and mtools for the SD tests (mkfs.vfat, fsck.fat, mcopy, mdir,
 * mtype, mdel): hil/install-deps.sh installs them as root before the unit
 * tier. Missing as root (CI) is a failure, never a skip; missing as a user,
 * the tests that need them skip with the reason printed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const TOOLS = ['mkfs.vfat', 'fsck.fat', 'mcopy', 'mdir', 'mtype', 'mdel', 'mmd'];

function which(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    if (dir && existsSync(`${dir}/${tool}`)) return `${dir}/${tool}`;
  }
  return undefined;
}

const missing = TOOLS.filter((t) => which(t) === undefined);
const isRoot = process.getuid?.() === 0;

if (missing.length > 0) {
  const why = `FAT tools missing: ${missing.join(', ')} (Debian packages dosfstools, mtools; hil/install-deps.sh installs them)`;
  if (isRoot) throw new Error(`${why}: running as root (CI), so the SD tests fail rather than skip`);
  process.stderr.write(`!! ${why}: the tests that cross-check FAT images with them are skipped\n`);
}

/** True when every tool is there (as root it always is, or this module threw). */
export const haveFatTools = missing.length === 0;

/** Run a tool; its stdout (throws with stderr on a non-zero exit). mtools are told not to ask questions. */
export function tool(name: string, ...args: string[]): string {
  return execFileSync(which(name) ?? name, args, { encoding: 'utf8', env: { ...process.env, MTOOLS_SKIP_CHECK: '1', LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Run a tool; exit status and output, never throws. */
export function toolStatus(name: string, ...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(which(name) ?? name, args, { encoding: 'utf8', env: { ...process.env, MTOOLS_SKIP_CHECK: '1', LC_ALL: 'C' } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}
