/**
 * `hilbridge status` tells what happened to the board's images: the last
 * fallback (a trial that ran out of boots) or rollback, kept in the FRAM
 * superblock across power cycles, and how much of an image a cut-short flash
 * left staged. The real program in process against `hilbridge target` on a
 * FRAM file, in virtual time.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stopTargets } from '../../src/cli/commands/target.js';
import { writeHxe } from '../../src/hxe/writer.js';
import { drive, jsonLines, mark, outputMatches, runCli, useVirtualTime } from './cli-harness.js';

let pairs = 0;

function imageFile(dir: string, codeBytes: number, appName: string): { path: string; size: number } {
  const code = new Uint8Array(codeBytes).map((_, i) => (i * 7 + appName.length) & 0xff);
  const bytes = writeHxe({ code, entry: 0, reqCaps: 0, appName, values: [], commands: [], mailboxes: [] });
  const path = join(dir, `${appName}.hxe`);
  writeFileSync(path, bytes);
  return { path, size: bytes.length };
}

/** Power the board on (a boot) on a fresh pair and wait until it serves. */
async function powerOn(fram: string, rate = 2_000_000): Promise<string[]> {
  const link = ['--link', `emulator:uart@${rate},pair=h${++pairs}`];
  const since = mark();
  void runCli('target', ...link, '--fram', fram, '--json');
  await drive(outputMatches(/"event":"ready"/, since));
  return link;
}

async function powerCycle(fram: string): Promise<string[]> {
  stopTargets.next('power cycle');
  return powerOn(fram);
}

useVirtualTime();
afterEach(() => stopTargets.next('test over'));

describe('hilbridge status: what happened to the images', () => {
  it('a trial that ran out of boots: "last fallback", in text and JSON, across power cycles', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-history-'));
    const fram = join(dir, 'b.fram');
    const old = imageFile(dir, 600, 'motor_v1');
    const next = imageFile(dir, 700, 'motor_v2');
    let link = await powerOn(fram);
    expect((await drive(runCli('flash', old.path, ...link, '--confirm'))).code).toBe(0);
    expect((await drive(runCli('flash', next.path, ...link))).code).toBe(0);
    const before = JSON.parse((await drive(runCli('status', ...link, '--json'))).stdout) as Record<string, unknown>;
    expect(before).toMatchObject({ trial: true, lastEvent: null, staged: null });
    for (let boot = 1; boot <= 4; boot++) link = await powerCycle(fram); // boots 1..3 on trial, the 4th falls back
    const st = JSON.parse((await drive(runCli('status', ...link, '--json'))).stdout) as Record<string, unknown>;
    expect(st).toMatchObject({
      trial: false,
      active: { slot: 0, appName: 'motor_v1' },
      lastEvent: {
        kind: 'trial_exhausted', from: 1, to: 0, boots: 3, fromApp: 'motor_v2', toApp: 'motor_v1',
        message: 'trial of motor_v2 (slot B) failed 3 boots without being confirmed, back to motor_v1 (slot A)',
      },
    });
    const text = await drive(runCli('status', ...link));
    expect(text.stdout).toMatch(/^last fallback trial of motor_v2 \(slot B\) failed 3 boots without being confirmed, back to motor_v1 \(slot A\)$/m);
    // a new commit starts a new story
    expect((await drive(runCli('flash', next.path, ...link))).code).toBe(0);
    expect(JSON.parse((await drive(runCli('status', ...link, '--json'))).stdout)).toMatchObject({ lastEvent: null });
  });

  it('a rollback asked by the host is reported as the last rollback', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-history-'));
    const fram = join(dir, 'b.fram');
    const link = await powerOn(fram);
    expect((await drive(runCli('flash', imageFile(dir, 600, 'calib_a').path, ...link, '--confirm'))).code).toBe(0);
    expect((await drive(runCli('flash', imageFile(dir, 640, 'calib_b').path, ...link))).code).toBe(0);
    expect((await drive(runCli('rollback', ...link))).code).toBe(0);
    const text = await drive(runCli('status', ...link));
    expect(text.stdout).toMatch(/^last rollback from calib_b \(slot B\) to calib_a \(slot A\), asked by the host$/m);
  });

  it('a power cut mid-flash: status shows how much of the image is staged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-history-'));
    const fram = join(dir, 'b.fram');
    const img = imageFile(dir, 60_000, 'big_app');
    const link = await powerOn(fram, 1_000_000);
    const since = mark();
    const cut = runCli('flash', img.path, ...link, '--json', '--timeout', '50');
    await drive(outputMatches(/"event":"progress","heldBytes":[1-9]/, since));
    stopTargets.next('power cut');
    const flash = await drive(cut);
    const acked = jsonLines(flash.stdout).at(-1)!.bytes as number;
    const again = await powerOn(fram);
    const st = JSON.parse((await drive(runCli('status', ...again, '--json'))).stdout) as { staged: { slot: number; size: number; held: number } | null; session: unknown };
    expect(st.session).toBeNull();
    expect(st.staged).toMatchObject({ slot: 0, size: img.size });
    expect(st.staged!.held).toBeGreaterThanOrEqual(acked);
    expect(st.staged!.held).toBeLessThan(img.size);
    const text = await drive(runCli('status', ...again));
    expect(text.stdout).toMatch(new RegExp(`^staged      slot A: ${st.staged!.held} of ${img.size} bytes held, nothing committed`, 'm'));
  });
});
