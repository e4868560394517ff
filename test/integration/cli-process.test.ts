/**
 * What belongs to the process, with the CLI as a child process: it exits
 * when its work is done (no timer keeps it alive), a target whose pty
 * vanishes exits at once naming the link, and an image piped into
 * `flash -` is flashed and its temporary copy removed.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../unit/cli/child-cli.js';
import { enlargeImage, readSample } from '../../src/board/sample-image.js';
import { cli, noSocat, ptyPair } from './pty-pair.js';
import type { Child, PtyPair } from './pty-pair.js';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

function started(c: Child): Child {
  cleanup.push(() => c.proc.kill('SIGKILL'));
  return c;
}

async function pair(): Promise<PtyPair> {
  const p = await ptyPair();
  cleanup.push(() => p.close());
  return p;
}

describe('the CLI process', () => {
  it('demo exits promptly after its last line, not when a forgotten timer fires (it took 10 s)', async () => {
    const demo = started(cli(['demo', '--code-size', '8192']));
    const last = await demo.line(/demo complete\n/);
    const { code, at } = await demo.exited;
    expect(code).toBe(0);
    expect(at - last).toBeLessThan(3000);
  }, 60_000);

  it.skipIf(noSocat !== undefined)('target exits within seconds, code 3, naming the link, when its pty vanishes (socat killed)', async () => {
    const p = await pair();
    const fram = join(p.dir, 'board.fram');
    const target = started(cli(['target', '--uart', p.a, '--fram', fram]));
    await target.line(/^serving /m);
    const killedAt = Date.now();
    p.socat.kill('SIGTERM');
    const { code, at } = await target.exited;
    expect(code).toBe(3);
    expect(target.stderr).toContain(`[link_disconnected]: ${p.a} went away`);
    expect(at - killedAt).toBeLessThan(5000);
  }, 60_000);

  it.skipIf(noSocat !== undefined)('target exits at once when its pty vanishes mid-transfer: the open session\'s 10 s inter-chunk timer does not keep it (it lingered 9.7 s)', async () => {
    const p = await pair();
    const image = join(p.dir, 'big.hxe');
    writeFileSync(image, enlargeImage(await readSample('motor_ctl'), 65536).bytes);
    const target = started(cli(['target', '--uart', p.a, '--fram', join(p.dir, 'board.fram')]));
    await target.line(/^serving /m);
    const flash = started(cli(['flash', image, '--uart', p.b, '--no-baud-switch', '--json']));
    await flash.line(/"event":"progress"/);
    flash.proc.kill('SIGSTOP'); // the host stops mid-transfer: the board's session stays open
    await target.line(/provisioning\.progress/);
    const killedAt = Date.now();
    p.socat.kill('SIGTERM');
    const { code, at } = await target.exited;
    expect(target.stderr).toContain(`${p.a} went away`);
    expect(code).toBe(3);
    expect(at - killedAt).toBeLessThan(3000);
  }, 60_000);

  it.skipIf(noSocat !== undefined)('flash - flashes an image piped on stdin, and its temporary copy is gone afterwards', async () => {
    const p = await pair();
    const tmp = mkdtempSync(join(tmpdir(), 'hilbridge-flash-stdin-'));
    cleanup.push(() => rmSync(tmp, { recursive: true, force: true }));
    const target = started(cli(['target', '--uart', p.a, '--fram', join(p.dir, 'board.fram')]));
    await target.line(/^serving /m);
    const flash = started(cli(['flash', '-', '--uart', p.b, '--no-baud-switch'], { TMPDIR: tmp }));
    flash.proc.stdin?.end(readFileSync(join(ROOT, 'samples/motor_ctl.hxe')));
    const { code } = await flash.exited;
    expect(flash.stderr).not.toMatch(/error/);
    expect(code).toBe(0);
    expect(flash.stderr).toMatch(/valid HXE v2 image "motor_ctl", 392 bytes/);
    expect(flash.stdout).toMatch(/committed to slot A/);
    await target.line(/provisioning\.complete .*appName=motor_ctl/);
    expect(readdirSync(tmp).filter((n) => n.startsWith('hilbridge-'))).toEqual([]); // tsx keeps its cache there too
  }, 60_000);

  it('flash - stopped by Ctrl-C while still reading stdin: ends as Ctrl-C does, and the partial copy is removed', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'hilbridge-flash-stdin-'));
    cleanup.push(() => rmSync(tmp, { recursive: true, force: true }));
    const flash = started(cli(['flash', '-', '--link', 'emulator', '--timeout', '20'], { TMPDIR: tmp }));
    flash.proc.stdin?.write(readFileSync(join(ROOT, 'samples/motor_ctl.hxe')).subarray(0, 100)); // and never ends
    const spooling = (): string[] => readdirSync(tmp).filter((n) => n.startsWith('hilbridge-spool-'));
    for (let i = 0; spooling().length === 0; i++) {
      if (i > 300) throw new Error('flash never started spooling');
      await new Promise((r) => setTimeout(r, 50));
    }
    flash.proc.kill('SIGINT');
    const { code, signal } = await flash.exited;
    expect(signal ?? code).toBe('SIGINT');
    expect(spooling()).toEqual([]);
  }, 60_000);

  it('flash - refuses an endless stream once it passes the HXE limit (exit 2), leaving nothing behind', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'hilbridge-flash-stdin-'));
    cleanup.push(() => rmSync(tmp, { recursive: true, force: true }));
    const flash = started(cli(['flash', '/dev/stdin', '--link', 'emulator', '--timeout', '20'], { TMPDIR: tmp }));
    const stdin = flash.proc.stdin!;
    stdin.on('error', () => undefined); // the reader stops early: EPIPE is expected
    const block = Buffer.alloc(64 * 1024);
    stdin.write(Buffer.from('HSXE'));
    const pump = (): void => {
      while (stdin.writable && stdin.write(block));
      if (stdin.writable) stdin.once('drain', pump);
    };
    pump();
    const { code } = await flash.exited;
    expect(flash.stderr).toContain('[file_too_large]');
    expect(code).toBe(2);
    expect(readdirSync(tmp).filter((n) => n.startsWith('hilbridge-'))).toEqual([]); // tsx keeps its cache there too
  }, 60_000);
});
