/** `target` and `rollback` refusals that belong before any link is used, and the target's serving line; the real program as a child process. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hilbridge } from './child-cli.js';
import { cli } from '../../integration/pty-pair.js';

const dir = mkdtempSync(join(tmpdir(), 'hilbridge-target-usage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('target', () => {
  it('a FRAM file in a directory that does not exist: exit 2, file_unreadable naming the directory', async () => {
    const r = await hilbridge('target', '--link', 'emulator,pair=t1', '--fram', '/nonexistent/x');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('[file_unreadable]: cannot create FRAM file "/nonexistent/x": its directory "/nonexistent" does not exist');
  }, 30_000);

  it('an emulator link without pair= serves nobody: exit 2 saying so (it was exit 13, Node\'s unsettled await)', async () => {
    const r = await hilbridge('target', '--link', 'emulator', '--fram', join(dir, 'a.fram'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('[invalid_option]: target --link emulator: an emulator link without pair= has nobody at its other end');
  }, 30_000);

  it('on a CAN link the serving line names the node once, and the target serves until stopped (exit 0)', async () => {
    const t = cli(['target', '--link', 'emulator:can,pair=t2', '--node', '3', '--fram', join(dir, 'b.fram')]);
    await t.line(/^serving /m);
    t.proc.kill('SIGINT');
    const { code } = await t.exited;
    expect(t.stdout).toMatch(/^serving hsx-virtual node 3 on emulator \(target end\): FRAM/m);
    expect(t.stdout).not.toContain('node 3 on node 3');
    expect(t.stdout).toContain('stopped (SIGINT)');
    expect(code).toBe(0);
  }, 30_000);
});

describe('rollback and confirm --slot', () => {
  it.each([['rollback', '5'], ['confirm', '2'], ['rollback', 'B']])('%s --slot %s is refused before the link is opened: exit 2 naming the valid slots', async (cmd, slot) => {
    const r = await hilbridge(cmd, '--slot', slot, '--link', 'emulator', '--timeout', '20');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`[invalid_option]: --slot "${slot}" is not a slot: a board has slots 0 (A) and 1 (B)`);
  }, 30_000);
});
