/**
 * The board commands as users run them (the real program, in process)
 * against `hilbridge target` serving a VirtualBoard on a FRAM file, over an
 * in-process emulator pair: status, fmap, confirm/rollback/reset/abort, and
 * the exit codes 1 (target error), 2 (usage) and 3 (silent peer).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stopTargets } from '../../src/cli/commands/target.js';
import { drive, jsonLines, runCli, startTargetCli, useVirtualTime } from './cli-harness.js';

let pairs = 0;

/** Start `hilbridge target` on a fresh emulator pair; returns the link args for clients and the target's run. */
async function startTarget(mode = 'uart', extra: string[] = []): Promise<{ link: string[]; done: ReturnType<typeof runCli>; fram: string }> {
  const fram = join(mkdtempSync(join(tmpdir(), 'hilbridge-cli-')), 'board.fram');
  const spec = `emulator:${mode}@${mode === 'uart' ? 2_000_000 : 1_000_000},pair=board${++pairs}`;
  const link = mode === 'uart' ? ['--link', spec] : ['--link', spec, '--node', '5'];
  return { link, ...(await startTargetCli(link, fram, extra)), fram };
}

useVirtualTime();
afterEach(() => stopTargets.next('test over'));

describe('board commands over a link', () => {
  it('status --json on a fresh board: idle, nothing active, two empty slots', async () => {
    const t = await startTarget();
    const r = await drive(runCli('status', ...t.link, '--json'));
    expect(r.code).toBe(0);
    const st = jsonLines(r.stdout).find((o) => o.event === 'status')!;
    expect(st).toMatchObject({ identity: 'hsx-virtual', state: 'IDLE', active: null, bootCount: 0, lastError: null, session: null });
    expect(st.slots).toEqual([
      { slot: 0, state: 'empty', appName: null, size: null, fileCrc32: null, sha256: null },
      { slot: 1, state: 'empty', appName: null, size: null, fileCrc32: null, sha256: null },
    ]);
    stopTargets.next('done');
    expect((await drive(t.done)).code).toBe(0);
  });

  it('status over emulated CAN to node 5, human output', async () => {
    const t = await startTarget('can');
    const r = await drive(runCli('status', ...t.link));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/node 5 on .*: hsx-virtual, state IDLE\nactive {6}none\nboot count {2}0\nlast error {2}none\nslots\n {2}slot A {2}empty/);
  });

  it('fmap over the link lists the FRAM regions; --fram still decodes offline', async () => {
    const t = await startTarget();
    const r = await drive(runCli('fmap', ...t.link, '--json'));
    expect(r.code).toBe(0);
    const m = jsonLines(r.stdout).find((o) => o.event === 'fram_regions')!;
    expect(m.framSize).toBe(256 * 1024);
    expect((m.regions as { name: string }[]).map((x) => x.name)).toEqual(expect.arrayContaining(['superblock', 'slot_a', 'slot_b']));
    stopTargets.next('done');
    await drive(t.done);
    const offline = await drive(runCli('fmap', '--fram', t.fram, '--json'));
    expect(offline.code).toBe(0);
    expect(await drive(runCli('fmap', '--fram', t.fram, ...t.link)).then((x) => x.code)).toBe(2);
  });

  it('a target error exits 1 with the code and message: confirm and rollback with no image', async () => {
    const t = await startTarget();
    const c = await drive(runCli('confirm', ...t.link));
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/error \[EINVAL\]: CONFIRM failed: .* answered EINVAL \(CONFIRM: no image is active/);
    const r = await drive(runCli('rollback', ...t.link, '--json'));
    expect(r.code).toBe(1);
    expect(jsonLines(r.stdout).at(-1)).toMatchObject({ ok: false, error: { code: 'EINVAL' } }); // the error line (docs/cli.md)
  });

  it('reset refuses without --factory --yes (exit 2, before touching the link), and erases with them', async () => {
    const noYes = await drive(runCli('reset', '--factory', '--link', 'emulator,pair=unused'));
    expect(noYes).toMatchObject({ code: 2, stderr: expect.stringContaining('without --yes') as unknown });
    expect((await drive(runCli('reset', '--yes', '--uart', '/dev/null'))).code).toBe(2);
    const t = await startTarget();
    const ok = await drive(runCli('reset', '--factory', '--yes', ...t.link, '--json'));
    expect(ok.code).toBe(0);
    expect(jsonLines(ok.stdout).find((o) => o.command === 'reset')).toMatchObject({ event: 'board_command', message: expect.stringContaining('factory reset done') as unknown });
  });

  it('abort with no session answers from the board', async () => {
    const t = await startTarget();
    const r = await drive(runCli('abort', ...t.link, '--json'));
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout).find((o) => o.command === 'abort')).toMatchObject({ event: 'board_command', message: expect.stringMatching(/^nothing to abort/) as unknown });
  });

  it('exit 3 naming the link when nobody answers, after exactly the --timeout schedule (virtual time: a minute of waiting costs nothing)', async () => {
    // default --timeout 500: 4 tries of 500, 1000, 2000, 4000 ms (docs/cli.md)
    let t0 = Date.now();
    const r = await drive(runCli('status', '--link', 'emulator'));
    expect(Date.now() - t0).toBe(7500);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/error \[peer_timeout\]: no answer from emulator.* after 4 tries in 7500 ms \(HELLO\): is it in its loader/);
    // --timeout 2000: 2000, 4000, then the 8 s cap twice
    t0 = Date.now();
    const slow = await drive(runCli('status', '--link', 'emulator', '--timeout', '2000'));
    expect(Date.now() - t0).toBe(22_000);
    expect(slow.stderr).toContain('after 4 tries in 22000 ms (HELLO)');
  });

  it('exit 2 for bad link options, naming them', async () => {
    expect((await drive(runCli('status', '--can', 'vcan0'))).stderr).toContain('--node');
    expect((await drive(runCli('status', '--can', 'vcan0'))).code).toBe(2);
    expect((await drive(runCli('status'))).code).toBe(2);
    expect((await drive(runCli('status', '--uart', '/dev/x', '--timeout', 'soon'))).stderr).toContain('--timeout "soon"');
    expect((await drive(runCli('target', '--link', 'emulator'))).stderr).toContain('--fram');
  });
});
