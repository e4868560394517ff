/**
 * The command line as a whole (src/cli/program.ts): which command a line
 * names, unknown commands refused with a suggestion instead of running the
 * default one, usage errors as one JSON line under --json, and lazy loading:
 * only the invoked command's module is imported.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandTable } from '../../../src/cli/commands/index.js';
import { buildProgram, invocation } from '../../../src/cli/program.js';
import { editDistance, suggestCommand } from '../../../src/cli/suggest.js';
import { hilbridge, hilbridgeEnv } from './child-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hilbridge-program-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const named = (args: string[]): string => {
  const inv = invocation(args);
  return inv.kind === 'command' ? `${inv.entry.name}${inv.byDefault ? ' (default)' : ''}` : inv.kind === 'unknown' ? `unknown ${inv.word}` : 'none';
};

describe('which command a line names', () => {
  it('the first word, the default command without one, nothing for help and version alone', () => {
    expect(named(['flash', 'app.hxe', '--uart', 'x'])).toBe('flash');
    expect(named([])).toBe('demo (default)');
    expect(named(['--sample', 'calib', '--json'])).toBe('demo (default)');
    expect(named(['-q', '--code-size', '0'])).toBe('demo (default)');
    expect(named(['--help'])).toBe('none');
    expect(named(['-v', '--version'])).toBe('none');
    expect(named(['help', 'status'])).toBe('status');
    expect(named(['help', 'stauts'])).toBe('unknown stauts');
    expect(named(['-v', 'flsh', 'app.hxe'])).toBe('unknown flsh');
    // options before the command: the command still runs (--json anywhere on the line, docs/cli.md)
    expect(named(['-v', '--json', 'status'])).toBe('status');
    expect(named(['--uart', '/dev/ttyUSB0', 'flash', 'app.hxe'])).toBe('flash');
  });

  it('suggests the nearest command by edit distance, nothing when none is close', () => {
    const names = commandTable.map((c) => c.name);
    expect(editDistance('flsh', 'flash')).toBe(1);
    expect(editDistance('fmpa', 'fmap')).toBe(1);
    expect(suggestCommand('flsh', names)).toBe('flash');
    expect(suggestCommand('stauts', names)).toBe('status');
    expect(suggestCommand('inspcet', names)).toBe('inspect');
    expect(suggestCommand('conf', names)).toBe('confirm');
    expect(suggestCommand('bogus', names)).toBeUndefined();
    expect(suggestCommand('x', names)).toBeUndefined();
  });

  it("the table's names and arguments are the modules' own (the help lists them without loading any)", async () => {
    const program = await buildProgram();
    const real = program.commands.map((c) => [c.name(), c.registeredArguments.map((a) => (a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}${a.variadic ? '...' : ''}]`)).join(' ')]);
    expect(real).toEqual(commandTable.map((c) => [c.name, c.args]));
  });
});

describe('hilbridge as a process', () => {
  it('a mistyped command never runs another one: unknown_command, a suggestion, exit 2', async () => {
    const flsh = await hilbridge('flsh', 'app.hxe', '--uart', 'x');
    expect(flsh).toEqual({ code: 2, stdout: '', stderr: "hilbridge: error [unknown_command]: unknown command 'flsh' (did you mean flash?)\n" });
    const bogus = await hilbridge('bogus');
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toMatch(/^hilbridge: error \[unknown_command\]: unknown command 'bogus'; hilbridge --help lists the commands\n$/);
    const json = await hilbridge('--json', 'stauts');
    expect(json.code).toBe(2);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toEqual({ event: 'error', ok: false, error: { code: 'unknown_command', message: "unknown command 'stauts' (did you mean status?)" } });
  });

  it('options before the command word: that command runs with them (here: status without a link, exit 2)', async () => {
    const r = await hilbridge('-v', '--json', 'status');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ event: 'error', error: { code: 'missing_link' } });
  });

  it('a line with only demo options still runs demo, the default command', async () => {
    const r = await hilbridge('--json', '--code-size', '0', '--sample', 'calib');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toMatchObject({ event: 'demo.done' });
  });

  it('usage errors: one line on stderr, or with --json one JSON line on stdout and nothing on stderr (exit 2)', async () => {
    const text = await hilbridge('flash', 'app.hxe', '--bogus');
    expect(text.code).toBe(2);
    expect(text.stdout).toBe('');
    expect(text.stderr).toBe("hilbridge: error [usage]: unknown option '--bogus' (see hilbridge flash --help)\n");
    for (const args of [['flash', '--json'], ['inspect', '--json', '--bogus'], ['--json', '--no-such-option']]) {
      const r = await hilbridge(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toBe('');
      const lines = r.stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      const line = JSON.parse(lines[0]!) as Record<string, unknown>;
      expect(Object.keys(line)).toEqual(['event', 'ok', 'error']);
      expect(line).toMatchObject({ event: 'error', ok: false, error: { code: 'usage' } });
    }
  });

  it("a command's own errors under --json carry event error first (run.ts reportError)", async () => {
    const r = await hilbridge('status', '--json');
    expect(r.code).toBe(2);
    const line = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(line)[0]).toBe('event');
    expect(line).toMatchObject({ event: 'error', ok: false, error: { code: 'missing_link' } });
  });

  it('--version and --help import no command module; a command imports only its own', async () => {
    const loaded = async (...args: string[]): Promise<string[]> => {
      const trace = join(dir, `trace-${args.join('_').replace(/\W/g, '')}.txt`);
      const r = await hilbridgeEnv({ NODE_OPTIONS: `--import ${join(import.meta.dirname, 'import-trace.mjs')}`, HILBRIDGE_IMPORT_TRACE: trace }, ...args);
      expect(r.code, r.stderr).toBe(0);
      const urls = readFileSync(trace, 'utf8').split('\n');
      expect(urls.some((u) => u.endsWith('/src/cli/main.ts')), 'the trace works').toBe(true);
      return [...new Set(urls.flatMap((u) => /\/src\/cli\/commands\/(\w+)\.ts$/.exec(u)?.[1] ?? []))].filter((n) => n !== 'index').sort();
    };
    expect(await loaded('--version')).toEqual([]);
    expect(await loaded('--help')).toEqual([]);
    expect(await loaded('flash', '--help')).toEqual(['flash']);
    expect(await loaded('inspect', join(import.meta.dirname, '../../../samples/calib.hxe'))).toEqual(['inspect']);
  });

  it('--help lists every command with its summary', async () => {
    const r = await hilbridge('--help');
    expect(r.code).toBe(0);
    for (const c of commandTable) expect(r.stdout).toContain(`${c.name}${c.args === '' ? '' : ` ${c.args}`}`);
    expect(r.stdout).toMatch(/-q, --quiet/);
  });
});
