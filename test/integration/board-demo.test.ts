/** `hilbridge demo` as users run it: the real program in-process, real samples, human and --json output. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJsonLine } from '../../src/cli/json/index.js';
import { drive, runCli, useVirtualTime } from './cli-harness.js';

useVirtualTime();

const dir = mkdtempSync(join(tmpdir(), 'hilbridge-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hilbridge demo', () => {
  it('provisions a bundled sample over the emulated link and shows the status before and after (exit 0)', async () => {
    const r = await drive(runCli('demo'));
    // stderr is not a TTY here: progress as plain lines, the last one 100 %, nothing else
    expect(r.stderr).toMatch(/^(Writing at 0x[0-9a-f]{8}\.\.\. \(\d+ %\)\n)+$/);
    expect(r.stderr).toMatch(/\(100 %\)\n$/);
    expect(r.code).toBe(0);
    const before = r.stdout.slice(r.stdout.indexOf('board status before:'), r.stdout.indexOf('provisioning motor_ctl'));
    expect(before).toMatch(/slot A: active calib 312 B crc32 0x[0-9a-f]{8} from sd_manifest, verified/);
    expect(before).toMatch(/slot B: empty/);
    expect(r.stdout).toMatch(/samples\/motor_ctl\.hxe is 392 bytes; sending a \d+-byte image built from its metadata/);
    const after = r.stdout.slice(r.stdout.indexOf('board status after:'), r.stdout.indexOf('set motor_speed'));
    expect(after).toMatch(/active slot: B \(confirmed\)/);
    expect(after).toMatch(/slot B: active motor_ctl \d+ B crc32 0x[0-9a-f]{8} from uart, verified\n\s+sha256 [0-9a-f]{64}/);
    expect(after).toMatch(/slot A: previous calib/);
    expect(after).toMatch(/motor_speed = 42 rpm \[init, nothing restored: missing/);
    expect(r.stdout).toMatch(/after the power cycle:[\s\S]*motor_speed = 142 rpm \[restored from FRAM \(key 0x0115\)\]/);
    expect(r.stdout).toMatch(/demo complete\n$/);
  });

  it('--json prints one JSON line per event; every line (board events too) validates against its schema', async () => {
    const r = await drive(runCli('demo', '--json', '--code-size', '8192'));
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => parseJsonLine(JSON.parse(l)));
    const board = lines.filter((l) => l.event.startsWith('provisioning.'));
    expect(board.map((e) => e.event)).toEqual(expect.arrayContaining(['provisioning.started', 'provisioning.progress', 'provisioning.complete', 'provisioning.persisted']));
    expect(board.filter((e) => e.event === 'provisioning.complete').at(-1)).toMatchObject({ appName: 'motor_ctl', slot: 'B', source: 'uart', trial: true });
    expect(lines.flatMap((l) => (l.event === 'demo.status' ? [l.when] : []))).toEqual(['before', 'after', 'after_reboot']);
    expect(lines.flatMap((l) => (l.event === 'demo.transfer' ? [l.result.size] : []))[0]).toBeGreaterThan(8192);
    expect(lines.at(-1)).toMatchObject({ event: 'demo.done' });
  });

  it('keeps the board in a FRAM file: a second run finds the first run\'s image', async () => {
    const fram = join(dir, 'board.fram');
    expect((await drive(runCli('demo', '--fram', fram, '--sample', 'telemetry', '--code-size', '0'))).code).toBe(0);
    const r = await drive(runCli('demo', '--fram', fram, '--code-size', '4096'));
    expect(r.code).toBe(0);
    const before = r.stdout.slice(r.stdout.indexOf('board status before:'), r.stdout.indexOf('provisioning motor_ctl'));
    expect(before).toMatch(/active slot: B \(confirmed\)/);
    expect(before).toMatch(/slot B: active telemetry 266 B/);
    expect(r.stdout).not.toMatch(/preloaded/);
  });

  it('refuses an unknown sample with exit 2', async () => {
    const r = await drive(runCli('demo', '--sample', 'nope'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--sample nope: choose one of calib, motor_ctl, telemetry/);
  });
});
