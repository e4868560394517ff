/**
 * `hilbridge flash <bundle>` as users run it (the real program, in process)
 * against `hilbridge target` on a FRAM file over an in-process emulator pair:
 * a two-app bundle flashes as one image and, after a power cycle, the board
 * runs both apps and status shows every segment; a flash cut between
 * segments resumes per segment; a board without the bundle capability and a
 * bundle signed by a key not given with --pub are refused before anything is
 * sent.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stopTargets } from '../../src/cli/commands/target.js';
import { buildBundle, loadSigningKey } from '../../src/bundle/index.js';
import type { SigningKey } from '../../src/bundle/index.js';
import { writeHxe } from '../../src/hxe/writer.js';
import { toHex } from '../../src/util/hex.js';
import { drive, jsonLines, mark, outputMatches, runCli, startTargetCli, useVirtualTime } from './cli-harness.js';
import type { CliRun } from './cli-harness.js';

let pairs = 0;

/** An HXE image of app `name` with `codeBytes` of code. */
function app(name: string, codeBytes: number, seed = 3): Uint8Array {
  const code = new Uint8Array(codeBytes).map((_, i) => (i * 7 + seed) & 0xff);
  return writeHxe({ code, entry: 0, reqCaps: 0, appName: name, values: [], commands: [], mailboxes: [] });
}

/** A bundle of two apps (`alpha`, `beta`) written to `dir`. */
function bundleFile(dir: string, codeBytes: number, signer?: SigningKey): { path: string; size: number; sha256: string; segments: { name: string; offset: number; size: number; sha256: string }[] } {
  const { bytes, info } = buildBundle(
    [
      { kind: 'hxe', bytes: app('alpha', codeBytes, 3) },
      { kind: 'hxe', bytes: app('beta', codeBytes, 5) },
    ],
    { name: 'twoapps', securityCounter: 4, ...(signer === undefined ? {} : { signer }) },
  );
  const path = join(dir, 'twoapps.hxb');
  writeFileSync(path, bytes);
  return { path, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), segments: info.manifest.segments.map((s) => ({ name: s.name, offset: s.offset, size: s.size, sha256: s.sha256 })) };
}

async function startTarget(fram: string, name: string, rate = 2_000_000, extra: string[] = []): Promise<{ link: string[]; done: ReturnType<typeof runCli> }> {
  const link = ['--link', `emulator:uart@${rate},pair=${name}`];
  return { link, ...(await startTargetCli(link, fram, extra)) };
}

async function statusJson(link: string[]): Promise<Record<string, unknown>> {
  return jsonLines((await drive(runCli('status', ...link, '--json'))).stdout).find((o) => o.event === 'status')!;
}

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'hilbridge-bundle-'));

useVirtualTime();
afterEach(() => stopTargets.next('test over'));

describe('hilbridge flash <bundle>', () => {
  it('a two-app bundle flashes as one image, commits, and after a power cycle the board runs both apps; status shows every segment', async () => {
    const dir = tempDir();
    const fram = join(dir, 'b.fram');
    const b = bundleFile(dir, 3000);
    const t = await startTarget(fram, `b${++pairs}`);
    const r = await drive(runCli('flash', b.path, ...t.link, '--json'));
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout).filter((o) => o.event !== 'ready' && !String(o.event).startsWith('provisioning.'));
    expect(lines[0]).toMatchObject({
      event: 'verified_locally', kind: 'bundle', size: b.size, sha256: b.sha256,
      bundle: { name: 'twoapps', securityCounter: 4, keyId: null, segments: b.segments.map((s) => ({ ...s, kind: 'hxe' })) },
    });
    const progress = lines.filter((o) => o.event === 'progress');
    expect(progress.at(-1)).toMatchObject({ heldBytes: b.size, segment: null }); // every byte held: past the last segment
    expect(progress.some((o) => (o.segment as { index?: number } | null)?.index === 2)).toBe(true);
    expect(lines.at(-1)).toMatchObject({ event: 'result', ok: true, bytes: b.size, bundle: { name: 'twoapps', segments: 2 } });

    await drive(runCli('confirm', ...t.link));
    stopTargets.next('power cycle');
    await drive(t.done);
    const again = await startTarget(fram, `b${++pairs}`);
    const st = await statusJson(again.link);
    expect(st).toMatchObject({
      state: 'IDLE',
      trial: false,
      active: { appName: 'twoapps', size: b.size, sha256: b.sha256 },
      bundle: { name: 'twoapps', securityCounter: 4, segments: b.segments.map((s) => ({ name: s.name, kind: 'hxe', size: s.size, sha256: s.sha256 })), apps: ['alpha', 'beta'] },
    });
    const text = await drive(runCli('status', ...again.link));
    expect(text.stdout).toMatch(/bundle {6}"twoapps", security counter 4, 2 segments, runs alpha, beta/);
    expect(text.stdout).toMatch(/segment 2 beta \(hxe\), \d+ bytes, sha256 [0-9a-f]{64}/);
  });

  /** A two-segment bundle whose flash is cut by a power cut of the board while segment 2 arrives (plain DATA: the cut lands before END). */
  async function flashCutInSegment2(): Promise<{ fram: string; b: ReturnType<typeof bundleFile>; interrupted: CliRun }> {
    const dir = tempDir();
    const fram = join(dir, 'b.fram');
    const b = bundleFile(dir, 20_000);
    const first = await startTarget(fram, `b${++pairs}`, 1_000_000);
    const since = mark();
    const cut = runCli('flash', b.path, ...first.link, '--json', '--timeout', '50', '--no-compress');
    await drive(outputMatches(/"event":"progress".*"segment":\{"index":2/, since));
    stopTargets.next('power cut');
    return { fram, b, interrupted: await drive(cut) };
  }

  it('a flash cut between segments resumes: --resume sends only the rest, says what each segment held, and ends with every segment active', async () => {
    const { fram, b, interrupted } = await flashCutInSegment2();
    expect(interrupted.code).toBe(3);
    const lost = jsonLines(interrupted.stdout).at(-1)!;
    expect(lost).toMatchObject({ ok: false, segment: { index: 2, name: 'beta', kind: 'hxe' } });
    expect((lost.error as { message: string }).message).toMatch(/holds at least \d+ of \d+ bytes of .*twoapps\.hxb \(the transfer was in segment 2 'beta' \(hxe\)\), staged, nothing committed/);

    const second = await startTarget(fram, `b${++pairs}`, 1_000_000);
    const r = await drive(runCli('flash', b.path, ...second.link, '--resume', '--json'));
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    const begun = lines.find((o) => o.event === 'begun')!;
    const [alpha, beta] = begun.segments as { name: string; size: number; heldBytes: number }[];
    expect(alpha).toMatchObject({ index: 1, name: 'alpha', heldBytes: alpha!.size });
    expect(beta!.name).toBe('beta');
    expect(beta!.heldBytes).toBeLessThan(beta!.size);
    const done = lines.find((o) => o.event === 'done') as { counters: { bytesSent: number; bytesRetransmitted: number } };
    const result = lines.at(-1)!;
    expect(result).toMatchObject({ event: 'result', ok: true, resumed: true, bytes: b.size });
    expect(done.counters.bytesSent).toBeLessThan(b.size - alpha!.size);
    expect(done.counters.bytesSent - done.counters.bytesRetransmitted).toBe(b.size - (result.alreadyHeld as number));
    const st = await statusJson(second.link);
    expect(st).toMatchObject({ trial: true, active: { sha256: b.sha256 }, bundle: { name: 'twoapps', apps: ['alpha', 'beta'] }, staged: null });
  });

  it('text: the bundle and its segments on stderr, the committed bundle on stdout; a resume lists what each segment held', async () => {
    const { fram, b } = await flashCutInSegment2();
    const second = await startTarget(fram, `b${++pairs}`, 1_000_000);
    const r = await drive(runCli('flash', b.path, ...second.link, '--resume'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/twoapps\.hxb: valid bundle "twoapps", security counter 4, unsigned, 2 segments, \d+ bytes\n {2}segment 1 'alpha' \(hxe\): \d+ bytes at \d+, sha256 [0-9a-f]{64}\n {2}segment 2 'beta'/);
    expect(r.stderr).toMatch(new RegExp(`resuming: the board holds \\d+ of ${b.size} bytes: segment 1 'alpha' \\(hxe\\) (\\d+) of \\1 bytes, segment 2 'beta' \\(hxe\\) \\d+ of \\d+ bytes`));
    expect(r.stdout).toMatch(/^committed to slot A \(trial\): bundle "twoapps", every one of its 2 segments: \d+ bytes/m);
  });

  it('a board whose INFO lacks the bundle capability is refused before BEGIN, naming the board', async () => {
    const dir = tempDir();
    const b = bundleFile(dir, 500);
    const t = await startTarget(join(dir, 'b.fram'), `b${++pairs}`, 2_000_000, ['--caps', '0x1f']);
    const r = await drive(runCli('flash', b.path, ...t.link, '--json'));
    expect(r.code).toBe(1);
    const lines = jsonLines(r.stdout);
    expect(lines.some((o) => o.event === 'begun')).toBe(false);
    const result = lines.at(-1)!;
    expect(result).toMatchObject({ event: 'result', ok: false, bytes: 0, error: { code: 'bundle_unsupported', capabilities: 0x1f } });
    expect((result.error as { message: string }).message).toMatch(
      /^board on emulator \(host end\) does not take bundles \(INFO capabilities 0x0000001f, bundle bit 0x80000000 clear\): update its loader, or flash the HXE segments one by one$/,
    );
    expect(await statusJson(t.link)).toMatchObject({ session: null, staged: null, active: null, bundle: null });
  });

  it('--pub: a bundle signed by another key is refused before any byte is sent (nobody serves the link); the signer\'s key passes', async () => {
    const dir = tempDir();
    const signer = loadSigningKey('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'test seed');
    const other = loadSigningKey('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', 'other seed');
    const b = bundleFile(dir, 500, signer);
    const r = await drive(runCli('flash', b.path, '--link', 'emulator', '--timeout', '20', '--pub', toHex(other.raw), '--json'));
    expect(r.code).toBe(1);
    const result = jsonLines(r.stdout).at(-1)!;
    expect(result).toMatchObject({ event: 'result', ok: false, bytes: 0, error: { code: 'unknown_key' } });
    expect((result.error as { message: string }).message).toContain(signer.keyId);
    expect(jsonLines(r.stdout).some((o) => o.event === 'verified_locally')).toBe(false);

    const t = await startTarget(join(dir, 'b.fram'), `b${++pairs}`);
    const pem = join(dir, 'other.pub');
    writeFileSync(pem, toHex(other.raw));
    const ok = await drive(runCli('flash', b.path, ...t.link, '--pub', pem, '--pub', toHex(signer.raw), '--json'));
    expect(ok.code).toBe(0);
    expect(jsonLines(ok.stdout).find((o) => o.event === 'verified_locally')).toMatchObject({ event: 'verified_locally', kind: 'bundle', bundle: { keyId: signer.keyId } });
  });

  it('--pub is read like image verify reads it: /dev/zero and a FIFO refused at once (not read), a missing file the same code in both, unknown_key naming the bundle file', async () => {
    const dir = tempDir();
    const signer = loadSigningKey('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'test seed');
    const other = loadSigningKey('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', 'other seed');
    const b = bundleFile(dir, 300, signer);
    const fifo = join(dir, 'k.fifo');
    execFileSync('mkfifo', [fifo]);
    const flashError = async (pub: string): Promise<{ code: number | null; error: { code: string; message: string } }> => {
      const r = await drive(runCli('flash', b.path, '--link', 'emulator', '--timeout', '20', '--pub', pub, '--json'));
      return { code: r.code, error: jsonLines(r.stdout).at(-1)!.error as { code: string; message: string } };
    };
    for (const [pub, code, kind] of [['/dev/zero', 'file_not_regular', 'a device'], [fifo, 'file_not_regular', 'a FIFO']] as const) {
      const r = await flashError(pub);
      expect(r.code).toBe(2);
      expect(r.error).toMatchObject({ code });
      expect(r.error.message).toBe(`public key file "${pub}" is ${kind}; hilbridge reads a public key file from a regular file only: save it to a file first`);
    }
    const missing = join(dir, 'nope.pub');
    const f = await flashError(missing);
    const v = await drive(runCli('image', 'verify', b.path, '--pub', missing, '--json'));
    const verifyError = jsonLines(v.stdout).at(-1)!.error as { code: string; message: string };
    expect(f.code).toBe(v.code);
    expect(f.error).toEqual(verifyError);
    expect(f.error.code).toBe('file_unreadable');

    const pem = join(dir, 'other.pub');
    writeFileSync(pem, toHex(other.raw));
    const u = await flashError(pem);
    const uv = jsonLines((await drive(runCli('image', 'verify', b.path, '--pub', pem, '--json'))).stdout).at(-1)!.error as { code: string; message: string };
    expect(u.error.code).toBe('unknown_key');
    expect(u.error.message).toMatch(new RegExp(`^bundle "${b.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}": bundle is signed by key ${signer.keyId}`));
    expect(u.error).toEqual(uv);
  });
});
