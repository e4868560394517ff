/**
 * Baud switching through the real program: `hilbridge target` and
 * `hilbridge flash`/`status` over an in-process emulated UART pair (which
 * garbles everything while the two ends' rates differ), in real time.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stopTargets } from '../../src/cli/commands/target.js';
import { planLink } from '../../src/cli/link.js';
import { writeHxe } from '../../src/hxe/writer.js';
import { drive, jsonLines, runCli, startTargetCli, useVirtualTime } from './cli-harness.js';

let pairs = 0;
useVirtualTime();
afterEach(() => stopTargets.next('test over'));

function imageFile(dir: string): { path: string; sha256: string } {
  const code = new Uint8Array(20_000).map((_, i) => (i * 13 + 1) & 0xff);
  const bytes = writeHxe({ code, entry: 0, reqCaps: 0, appName: 'fastapp', values: [], commands: [], mailboxes: [] });
  const path = join(dir, 'fastapp.hxe');
  writeFileSync(path, bytes);
  return { path, sha256: createHash('sha256').update(bytes).digest('hex') };
}

async function startTarget(fram: string, name: string): Promise<string[]> {
  const link = ['--link', `emulator:uart@115200,pair=${name}`];
  await startTargetCli(link, fram, ['--baud-max', '921600']);
  return link;
}

describe('baud switching in the CLI', () => {
  it('flash moves to the highest common rate, commits, and leaves the board at 115200 for the next command', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-cli-baud-'));
    const img = imageFile(dir);
    const link = await startTarget(join(dir, 'b.fram'), `baud${++pairs}`);
    const r = await drive(runCli('flash', img.path, ...link, '--baud-max', '2000000', '--json'));
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.find((l) => l.event === 'baud')).toMatchObject({ reason: 'negotiated', from: 115200, rate: 921600, attempts: [{ rate: 921600, outcome: 'switched' }] });
    expect(lines.at(-1)).toMatchObject({ event: 'result', ok: true });
    // status starts at 115200 again: the board is there at once, and it negotiates too
    const st = await drive(runCli('status', ...link, '--baud-max', '921600', '--json'));
    expect(st.code).toBe(0);
    expect(jsonLines(st.stdout).at(-1)).toMatchObject({ event: 'status', lineRate: 921600, active: { sha256: img.sha256 } });
    // --no-baud-switch stays at the start rate
    const plain = await drive(runCli('status', ...link, '--no-baud-switch', '--json'));
    expect(plain.code).toBe(0);
    expect(jsonLines(plain.stdout).at(-1)).not.toHaveProperty('lineRate');
  });

  it('plans: --uart switches by default up to the default list, CAN never, --baud-max below --baud is a usage error', () => {
    expect(planLink({ uart: '/dev/ttyUSB0' }).baud).toEqual({ start: 115200, rates: [115200, 230400, 460800, 921600, 1_000_000, 2_000_000, 3_000_000, 4_000_000] });
    expect(planLink({ uart: '/dev/ttyUSB0', baud: '230400', baudMax: '1500000' }).baud).toEqual({ start: 230400, rates: [230400, 460800, 921600, 1_000_000, 1_500_000] });
    expect(planLink({ uart: '/dev/ttyUSB0', baudSwitch: false }).baud).toBeUndefined();
    expect(planLink({ link: 'emulator:uart' }).baud).toBeUndefined();
    expect(planLink({ link: 'can:vcan0', node: '5' }).baud).toBeUndefined();
    expect(() => planLink({ can: 'vcan0', node: '5', baudMax: '921600' })).toThrow(/--baud-max applies to --uart/);
    expect(() => planLink({ uart: '/dev/ttyUSB0', baud: '921600', baudMax: '115200' })).toThrow(/below the starting rate/);
  });
});
