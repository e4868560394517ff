/**
 * `hilbridge completion bash|zsh` (a child process, as a shell would run
 * it): the script is generated from the real command tree, and bash's
 * completion function, given COMP_WORDS/COMP_CWORD, answers with commands,
 * options and files.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandTable } from '../../../src/cli/commands/index.js';
import { ROOT, hilbridge } from './child-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hilbridge-completion-'));
const script = join(dir, 'hilbridge.bash');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const r = await hilbridge('completion', 'bash');
  expect(r.code).toBe(0);
  writeFileSync(script, r.stdout);
}, 60_000);

/** What bash's completion offers for `line` (completing its last word; a trailing space starts a new one). */
function complete(line: string): string[] {
  const words = line.split(' ');
  const program = `source ${JSON.stringify(script)}; COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(' ')}); COMP_CWORD=${words.length - 1}; _hilbridge; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', program], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter((l) => l !== '');
}

const hasZsh = spawnSync('zsh', ['--version']).status === 0;

describe('hilbridge completion', () => {
  it('bash: command names, each command its own options, files for images, the shells for completion', () => {
    expect(complete('hilbridge fl')).toEqual(['flash']);
    expect(complete('hilbridge flash --re')).toEqual(['--resume']);
    expect(complete('hilbridge ')).toEqual(commandTable.map((c) => c.name));
    expect(complete('hilbridge -q st')).toEqual(['status']);
    expect(complete('hilbridge target --fram-')).toEqual(['--fram-size']);
    expect(complete('hilbridge status --re')).toEqual([]); // --resume is flash's, not status's
    expect(complete('hilbridge flash samples/mot')).toEqual(['samples/motor_ctl.hxe']);
    expect(complete('hilbridge pack -o samples/te')).toEqual(['samples/telemetry.hxe']);
    expect(complete('hilbridge completion ')).toEqual(['bash', 'zsh']);
    expect(complete('hilbridge --verb')).toEqual(['--verbose']);
  });

  it('an unknown shell is a usage error (exit 2)', async () => {
    const r = await hilbridge('completion', 'fish');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error \[usage\]: .*'fish'.*bash, zsh/);
  });

  // zsh is not installed on every machine (it is not on the project's CI image): then this check cannot run.
  it.skipIf(!hasZsh)('zsh: the script parses (zsh -n); skipped when zsh is not installed', async () => {
    const r = await hilbridge('completion', 'zsh');
    expect(r.code).toBe(0);
    const file = join(dir, '_hilbridge');
    writeFileSync(file, r.stdout);
    expect(spawnSync('zsh', ['-n', file]).status).toBe(0);
  });

  it('zsh: every command and option of the tree is in the script', async () => {
    const r = await hilbridge('completion', 'zsh');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^#compdef hilbridge\n/);
    for (const c of commandTable) expect(r.stdout).toContain(`'${c.name}:`);
    expect(r.stdout).toContain("--resume'[ask the board what it holds of this image and send only the rest]'");
    expect(r.stdout).toContain("'*:file:_files'");
  });
});
