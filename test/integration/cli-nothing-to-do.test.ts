/**
 * abort and confirm say what the board had to do: ABORT and CONFIRM are
 * answered OK with or without work, so the commands ask STATUS first and say
 * which it was. The real program in process against `hilbridge target` on
 * an emulator pair, in virtual time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stopTargets } from '../../src/cli/commands/target.js';
import { drive, runCli, startTargetCli, useVirtualTime } from './cli-harness.js';

let pairs = 0;

async function startTarget(): Promise<string[]> {
  const fram = join(mkdtempSync(join(tmpdir(), 'hilbridge-cli-')), 'board.fram');
  const link = ['--link', `emulator:uart@2000000,pair=nothing${++pairs}`];
  await startTargetCli(link, fram);
  return link;
}

useVirtualTime();
afterEach(() => stopTargets.next('test over'));

describe('abort and confirm with and without work', () => {
  it('confirm of a trial image confirms it; again, it says there was nothing to confirm', async () => {
    const link = await startTarget();
    expect((await drive(runCli('flash', 'samples/motor_ctl.hxe', ...link))).code).toBe(0);
    const first = await drive(runCli('confirm', ...link));
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('slot A (motor_ctl) confirmed: the board keeps it across reboots');
    const again = await drive(runCli('confirm', ...link));
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to confirm: slot A (motor_ctl) is already permanent');
  });

  it('abort with no session open says so', async () => {
    const link = await startTarget();
    const r = await drive(runCli('abort', ...link));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/: nothing to abort: no session is open and no image is staged/);
  });
});
