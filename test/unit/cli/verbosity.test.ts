/**
 * `--quiet` and `--verbose` on a real flash (the program in process, against
 * `hilbridge target` over an emulator pair, in virtual time), and flash's
 * plain progress lines when stderr is not a TTY.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stopTargets } from '../../../src/cli/commands/target.js';
import { writeHxe } from '../../../src/hxe/writer.js';
import { drive, mark, outputMatches, runCli, useVirtualTime } from '../../integration/cli-harness.js';

let pairs = 0;

async function board(): Promise<{ link: string[]; image: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'hilbridge-verbosity-'));
  const image = join(dir, 'app.hxe');
  writeFileSync(image, writeHxe({ code: new Uint8Array(40_000).map((_, i) => i & 0xff), entry: 0, reqCaps: 0, appName: 'quietly', values: [], commands: [], mailboxes: [] }));
  const link = ['--link', `emulator:uart@2000000,pair=verbosity${++pairs}`];
  const since = mark();
  void runCli('target', ...link, '--fram', join(dir, 'b.fram'), '--json');
  await drive(outputMatches(/"event":"ready"/, since));
  return { link, image };
}

/** The flash's own stdout: the target runs in this process too and writes its JSON lines to the same stream. */
const own = (stdout: string): string => stdout.split('\n').filter((l) => l !== '' && !l.startsWith('{')).map((l) => l + '\n').join('');

useVirtualTime();
afterEach(() => stopTargets.next('test over'));

describe('verbosity of flash', () => {
  it('default: the result on stdout; what happens and plain progress lines (to 100 %) on stderr', async () => {
    const b = await board();
    const r = await drive(runCli('flash', b.image, ...b.link));
    expect(r.code).toBe(0);
    expect(own(r.stdout)).toMatch(/^committed to slot A \(trial\): \d+ bytes in \d+ ms, \d+ retransmits(; \d+ bytes on the wire [^\n]*)?\n$/);
    expect(r.stderr).toMatch(/app\.hxe: valid HXE v2 image "quietly"/);
    expect(r.stderr).toMatch(/sending \d+ bytes\nWriting at 0x00000000\.\.\. \(0 %\)\n/);
    expect(r.stderr).toMatch(/Writing at 0x[0-9a-f]{8}\.\.\. \(100 %\)\n/);
    expect(r.stderr).not.toContain('counters:');
    expect(r.stderr).not.toContain('\u001b');
  });

  it('--quiet (-q, anywhere on the line): only the result', async () => {
    const b = await board();
    const r = await drive(runCli('flash', b.image, ...b.link, '-q'));
    expect(r.code).toBe(0);
    expect(own(r.stdout)).toMatch(/^committed to slot A[^\n]*\n$/);
    expect(r.stderr).toBe('');
  });

  it('--verbose: the link and its negotiated parameters, and the transfer counters', async () => {
    const b = await board();
    const r = await drive(runCli('--verbose', 'flash', b.image, ...b.link));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/hsx-virtual node \d+, frames up to \d+ B, chunk \d+ B, window \d+, HELLO answered in \d+ ms, first wait 500 ms/);
    expect(r.stderr).toMatch(/counters: .*retransmits \d+/);
    expect(r.stderr).toMatch(/Writing at 0x[0-9a-f]{8}\.\.\. \(100 %\), \d+ of \d+ bytes, [\d.]+ (KiB|B)\/s, \d+ retransmits\n/);
  });

  it('--verbose and --quiet together are a usage error', async () => {
    const r = await runCli('-v', '-q', 'status', '--uart', '/dev/null');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error \[usage\]: option '-v, --verbose' cannot be used with option '-q, --quiet'/);
  });
});
