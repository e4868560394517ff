/**
 * `hilbridge flash` as users run it (the real program, in process) against
 * `hilbridge target` on a FRAM file over an in-process emulator pair: the
 * JSON event stream and result line, status afterwards, resume after the
 * board went away mid-transfer or the user pressed Ctrl-C, and the exit
 * codes 1 (bad image, before the link), 2 (usage), 3 (silent peer) and 130
 * (interrupted).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { interruptFlashes } from '../../src/cli/commands/flash.js';
import { stopTargets } from '../../src/cli/commands/target.js';
import { writeHxe } from '../../src/hxe/writer.js';
import { drive, jsonLines, mark, markStderr, outputMatches, runCli, startTargetCli, stderrMatches, useVirtualTime } from './cli-harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let pairs = 0;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'hilbridge-flash-'));
}

/** A valid HXE image with `codeBytes` of code, written to a file. */
function imageFile(dir: string, codeBytes: number, appName = 'flashme'): { path: string; sha256: string; size: number } {
  const code = new Uint8Array(codeBytes).map((_, i) => (i * 7 + 3) & 0xff);
  const bytes = writeHxe({ code, entry: 0, reqCaps: 0, appName, values: [], commands: [], mailboxes: [] });
  const path = join(dir, `${appName}.hxe`);
  writeFileSync(path, bytes);
  return { path, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
}

/** Start `hilbridge target` on `fram` over pair `name` and wait until it serves. */
async function startTarget(fram: string, name: string, rate = 2_000_000, extra: string[] = []): Promise<{ link: string[]; done: ReturnType<typeof runCli> }> {
  const link = ['--link', `emulator:uart@${rate},pair=${name}`];
  return { link, ...(await startTargetCli(link, fram, extra)) };
}

useVirtualTime();
afterEach(() => stopTargets.next('test over'));

describe('hilbridge flash', () => {
  it('--json: events per line, the result line last; the board then runs the image on trial', async () => {
    const dir = tempDir();
    const img = imageFile(dir, 6000);
    const t = await startTarget(join(dir, 'b.fram'), `f${++pairs}`);
    const r = await drive(runCli('flash', img.path, ...t.link, '--json'));
    expect(r.code).toBe(0);
    const flashLines = jsonLines(r.stdout).filter((o) => typeof o.event === 'string' && o.event !== 'ready' && !o.event.startsWith('provisioning.'));
    const events = flashLines.map((o) => o.event);
    expect(events[0]).toBe('verified_locally');
    expect(events[1]).toBe('begun');
    expect(events).toContain('progress');
    expect(events.slice(-3)).toEqual(['done', 'committed', 'result']);
    const result = flashLines.at(-1)!;
    expect(result).toMatchObject({ event: 'result', ok: true, bytes: img.size, retransmits: 0, resumed: false });
    expect(result.transferMs).toBeGreaterThan(0);
    expect(flashLines.find((o) => o.event === 'done')).toMatchObject({ sha256: img.sha256, size: img.size });
    const st = jsonLines((await drive(runCli('status', ...t.link, '--json'))).stdout).find((o) => o.identity !== undefined)!;
    expect(st).toMatchObject({ state: 'READY', trial: true, active: { appName: 'flashme', size: img.size, sha256: img.sha256 } });
    const c = await drive(runCli('confirm', ...t.link));
    expect(c.code).toBe(0);
  });

  it('an image over the RAM the board allows is refused before BEGIN, with the reason, by the policy the board runs', async () => {
    const dir = tempDir();
    const t = await startTarget(join(dir, 'b.fram'), `f${++pairs}`, 2_000_000, ['--limits', 'ram=32768,stack=2048']);
    const bytes = writeHxe({ code: new Uint8Array(64), entry: 0, reqCaps: 0, appName: 'bigbss', bssSize: 65536, values: [], commands: [], mailboxes: [] });
    const path = join(dir, 'bigbss.hxe');
    writeFileSync(path, bytes);
    const r = await drive(runCli('flash', path, ...t.link, '--json'));
    expect(r.code).toBe(1);
    const lines = jsonLines(r.stdout);
    expect(lines.some((o) => o.event === 'begun')).toBe(false);
    const result = lines.at(-1)!;
    expect(result).toMatchObject({ event: 'result', ok: false, bytes: 0, error: { code: 'over_budget' } });
    expect((result.error as { message: string }).message).toMatch(
      /would refuse it, nothing was sent: app "bigbss" \(.*bigbss\.hxe\) does not fit the target: RAM 67584 B \(bss 65536 B \+ stack 2048 B\) > limit 32768 B/,
    );
    const st = await drive(runCli('status', ...t.link, '--json'));
    expect(JSON.parse(st.stdout)).toMatchObject({ session: null, lastError: null });
  });

  it("an image needing capabilities the board lacks exits 1 with its code and the reason, before BEGIN", async () => {
    const dir = tempDir();
    const t = await startTarget(join(dir, 'b.fram'), `f${++pairs}`, 2_000_000, ['--caps', '0']);
    const calib = join(ROOT, 'test/fixtures/hsx/v2/calib.hxe');
    const r = await drive(runCli('flash', calib, ...t.link, '--json'));
    expect(r.code).toBe(1);
    const result = jsonLines(r.stdout).filter((o) => o.event === 'result').at(-1)!;
    expect(result).toMatchObject({ ok: false, error: { code: 'missing_capability' } });
    expect((result.error as { message: string }).message).toMatch(/would refuse it, nothing was sent: app "calib" .* requires .* which the target does not offer/);
    expect(jsonLines(r.stdout).some((o) => o.event === 'begun')).toBe(false);
    const text = await drive(runCli('flash', calib, ...t.link));
    expect(text).toMatchObject({ code: 1, stderr: expect.stringMatching(/^hilbridge: error \[missing_capability\]: /m) as unknown });
  });

  it('--confirm: the committed image is confirmed in the same run, permanent at once; the result says so', async () => {
    const dir = tempDir();
    const img = imageFile(dir, 2000);
    const t = await startTarget(join(dir, 'b.fram'), `f${++pairs}`);
    const r = await drive(runCli('flash', img.path, ...t.link, '--confirm', '--json'));
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.map((o) => o.event).slice(-3)).toEqual(['committed', 'confirmed', 'result']);
    expect(lines.at(-1)).toMatchObject({ event: 'result', ok: true, confirmed: true, slot: 0 });
    const st = JSON.parse((await drive(runCli('status', ...t.link, '--json'))).stdout) as Record<string, unknown>;
    expect(st).toMatchObject({ trial: false, active: { slot: 0, sha256: img.sha256 } });
    expect((st.slots as { state: string }[])[0]!.state).toBe('active');
  });

  it('--confirm whose CONFIRM fails: the flash succeeded, exit 1 with confirm_failed saying `hilbridge confirm` retries it', async () => {
    const dir = tempDir();
    const img = imageFile(dir, 2000);
    const t = await startTarget(join(dir, 'b.fram'), `f${++pairs}`);
    const since = mark();
    const run = runCli('flash', img.path, ...t.link, '--confirm', '--json');
    await drive(outputMatches(/"event":"committed"/, since));
    stopTargets.next('power cut before CONFIRM');
    const r = await drive(run);
    expect(r.code).toBe(1);
    const lines = jsonLines(r.stdout);
    expect(lines.some((o) => o.event === 'committed')).toBe(true);
    const result = lines.at(-1)!;
    expect(result).toMatchObject({ event: 'result', ok: false, bytes: img.size, error: { code: 'confirm_failed' } });
    expect((result.error as { message: string }).message).toMatch(
      /^the image was flashed and committed to slot A of .*, but CONFIRM failed \(.*\); it runs on trial .*`hilbridge confirm <same link options>` retries it$/,
    );
  });

  it('a bad image exits 1 before the link is touched (nobody serves this link)', async () => {
    const dir = tempDir();
    const img = imageFile(dir, 64);
    const bad = join(dir, 'bad.hxe');
    const bytes = new Uint8Array(readFileSync(img.path));
    bytes[0]! ^= 0xff;
    writeFileSync(bad, bytes);
    const r = await drive(runCli('flash', bad, '--link', 'emulator', '--timeout', '20', '--json'));
    expect(r.code).toBe(1);
    const last = jsonLines(r.stdout).at(-1)!;
    expect(last).toMatchObject({ event: 'result', ok: false, bytes: 0, retransmits: 0, error: { code: 'bad_magic' } });
    const text = await drive(runCli('flash', bad, '--link', 'emulator', '--timeout', '20'));
    expect(text).toMatchObject({ code: 1, stderr: expect.stringContaining('[bad_magic]') as unknown });
  });

  it('exit 3 with the result line when the board does not answer; exit 2 for a missing file or bad options', async () => {
    const dir = tempDir();
    const img = imageFile(dir, 64);
    const r = await drive(runCli('flash', img.path, '--link', 'emulator', '--timeout', '20', '--json'));
    expect(r.code).toBe(3);
    expect(jsonLines(r.stdout).at(-1)).toMatchObject({ event: 'result', ok: false, error: { code: 'peer_timeout' } });
    expect((await drive(runCli('flash', join(dir, 'none.hxe'), '--link', 'emulator'))).code).toBe(2);
    expect((await drive(runCli('flash', img.path, '--can', 'vcan0'))).code).toBe(2);
  });

  it('--resume after the board went away mid-transfer sends only the rest', async () => {
    const dir = tempDir();
    const fram = join(dir, 'b.fram');
    const img = imageFile(dir, 60_000);
    const name = `f${++pairs}`;
    const first = await startTarget(fram, name, 1_000_000);
    const since = mark();
    const cut = runCli('flash', img.path, ...first.link, '--json', '--timeout', '50');
    await drive(outputMatches(/"event":"progress","heldBytes":[1-9]/, since));
    stopTargets.next('power cut');
    const interrupted = await drive(cut);
    expect(interrupted.code).toBe(3);
    const lost = jsonLines(interrupted.stdout).at(-1)!;
    const held = lost.bytes as number;
    expect(held).toBeGreaterThan(0);
    expect((lost.error as { code: string; message: string }).code).toBe('link_closed');
    expect((lost.error as { message: string }).message).toMatch(
      new RegExp(`closed .*\\. .* holds at least ${held} of ${img.size} bytes of .*flashme\\.hxe, staged, nothing committed; ` +
        'flash it again with --resume to send only the rest \\(`hilbridge flash .*flashme\\.hxe --resume <same link options>`\\)'),
    );
    const second = await startTarget(fram, `f${++pairs}`, 1_000_000);
    const r = await drive(runCli('flash', img.path, ...second.link, '--resume', '--json'));
    expect(r.code).toBe(0);
    const result = jsonLines(r.stdout).filter((o) => o.event === 'result').at(-1)!;
    expect(result).toMatchObject({ ok: true, resumed: true, bytes: img.size });
    expect(result.alreadyHeld).toBeGreaterThan(0);
    const done = jsonLines(r.stdout).find((o) => o.event === 'done')!;
    expect((done.counters as { bytesSent: number }).bytesSent).toBe(img.size - (result.alreadyHeld as number));
  });

  it('Ctrl-C mid-transfer stops at once, exits 130 and says what the board kept; --resume sends only the rest', async () => {
    const dir = tempDir();
    const img = imageFile(dir, 60_000);
    const t = await startTarget(join(dir, 'b.fram'), `f${++pairs}`, 1_000_000);
    const listeners = (): number[] => [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const before = listeners();
    const since = mark();
    const first = runCli('flash', img.path, ...t.link, '--json');
    await drive(outputMatches(/"event":"progress","heldBytes":[1-9]/, since));
    expect(listeners()).toEqual(before.map((n) => n + 1)); // Ctrl-C is caught only while the transfer runs
    interruptFlashes.next('SIGINT');
    const stopped = await drive(first);
    expect(stopped.code).toBe(130);
    expect(listeners()).toEqual(before);
    const result = jsonLines(stopped.stdout).filter((o) => o.event === 'result').at(-1)!;
    expect(result).toMatchObject({ ok: false, error: { code: 'interrupted' } });
    const held = result.bytes as number;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(img.size);
    expect((result.error as { message: string }).message).toMatch(new RegExp(`holds at least ${held} of ${img.size} bytes .*nothing committed.*--resume`));

    const r = await drive(runCli('flash', img.path, ...t.link, '--resume', '--json'));
    expect(r.code).toBe(0);
    const resumed = jsonLines(r.stdout).filter((o) => o.event === 'result').at(-1)!;
    expect(resumed).toMatchObject({ ok: true, resumed: true, bytes: img.size });
    expect(resumed.alreadyHeld).toBeGreaterThanOrEqual(held);
    const done = jsonLines(r.stdout).find((o) => o.event === 'done') as { counters: { bytesSent: number; bytesRetransmitted: number } };
    expect(done.counters.bytesSent - done.counters.bytesRetransmitted).toBe(img.size - (resumed.alreadyHeld as number));
  });

  it('SIGTERM mid-transfer: exit 143 and the same account on stderr without --json', async () => {
    const dir = tempDir();
    const img = imageFile(dir, 60_000);
    const t = await startTarget(join(dir, 'b.fram'), `f${++pairs}`, 1_000_000);
    const since = markStderr();
    const first = runCli('flash', img.path, ...t.link);
    await drive(stderrMatches(/sending \d+ bytes/, since));
    interruptFlashes.next('SIGTERM');
    const r = await drive(first);
    expect(r.code).toBe(143);
    expect(r.stderr).toMatch(new RegExp(`error \\[interrupted\\]: interrupted \\(SIGTERM\\): .* holds at least \\d+ of ${img.size} bytes of .*flashme.hxe, staged, nothing committed`));
  });

  it('Ctrl-C after END says the board may commit by itself and to check status, never "nothing committed"', async () => {
    const dir = tempDir();
    const img = imageFile(dir, 60_000);
    const t = await startTarget(join(dir, 'b.fram'), `f${++pairs}`, 1_000_000);
    const since = mark();
    const first = runCli('flash', img.path, ...t.link, '--json');
    await drive(outputMatches(/"event":"ending"/, since));
    interruptFlashes.next('SIGINT');
    const stopped = await drive(first);
    expect(stopped.code).toBe(130);
    const result = jsonLines(stopped.stdout).filter((o) => o.event === 'result').at(-1)!;
    expect(result).toMatchObject({ ok: false, error: { code: 'interrupted' } });
    const message = (result.error as { message: string }).message;
    expect(message).toMatch(new RegExp(`^interrupted \\(SIGINT\\) after END: .* holds at least \\d+ of ${img.size} bytes .*commits the image by itself.*hilbridge status`));
    expect(message).not.toMatch(/nothing committed/);
  });
});
