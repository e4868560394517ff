/**
 * `hilbridge target --host-preload <dir> --sd <card>` as users run it (the
 * real program, in process, over an emulator pair): the host preload image
 * wins over the card's, `status` says where it came from; `bootcfg set
 * --order sd,host` then a restart on the same FRAM file boots the card's
 * image; a preload path that is not a directory and a card that does not
 * exist, is a FIFO or is no FAT volume are usage errors (exit 2) before
 * anything is opened.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stopTargets } from '../../src/cli/commands/target.js';
import { writeHxe } from '../../src/hxe/writer.js';
import { generateKeyPair } from '../../src/bundle/index.js';
import { drive, runCli, startTargetCli, useVirtualTime } from './cli-harness.js';

let pairs = 0;
useVirtualTime();
afterEach(() => stopTargets.next('test over'));

function hxe(path: string, appName: string, codeBytes: number): void {
  writeFileSync(path, writeHxe({ code: new Uint8Array(codeBytes).map((_, i) => (i * 3 + codeBytes) & 0xff), appName }));
}

describe('hilbridge target: the boot order', () => {
  it('host preload before the SD card; status shows the origin; bootcfg --order sd,host makes the next power-on take the card', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-boot-'));
    const pre = join(dir, 'preload');
    mkdirSync(pre);
    hxe(join(pre, 'hostapp.hxe'), 'hostapp', 128);
    hxe(join(dir, 'cardapp.hxe'), 'cardapp', 256);
    const card = join(dir, 'card');
    expect((await drive(runCli('sd', 'write', card, join(dir, 'cardapp.hxe')))).code).toBe(0);
    const fram = join(dir, 'b.fram');
    const link = ['--link', `emulator:uart@1000000,pair=boot${++pairs}`];
    const t = await startTargetCli(link, fram, ['--sd', card, '--host-preload', pre]);
    const st = await drive(runCli('status', ...link));
    expect(st.stdout).toMatch(/active {6}slot A \(trial, not confirmed\): hostapp\norigin {6}host_file hostapp\.hxe\n/);
    expect((await drive(runCli('confirm', ...link))).code).toBe(0);
    expect((await drive(runCli('bootcfg', 'set', ...link, '--order', 'sd,host'))).code).toBe(0);
    const got = await drive(runCli('bootcfg', 'get', ...link));
    expect(got.stdout).toContain('  order              sd, host\n');
    stopTargets.next('power cycle');
    await drive(t.done);
    const link2 = ['--link', `emulator:uart@1000000,pair=boot${++pairs}`];
    await startTargetCli(link2, fram, ['--sd', card, '--host-preload', pre]);
    const st2 = await drive(runCli('status', ...link2));
    expect(st2.stdout).toMatch(/: cardapp\norigin {6}sd_manifest images\/cardapp\.hxe\n/);
  });

  it('bootcfg set on a board that requires authenticated commands: refused without --key (exit 1, nothing stored), stored with it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-boot-'));
    const pair = generateKeyPair();
    writeFileSync(join(dir, 'k.pub'), pair.publicPem);
    writeFileSync(join(dir, 'k.pem'), pair.privatePem);
    const link = ['--link', `emulator:uart@1000000,pair=boot${++pairs}`];
    await startTargetCli(link, join(dir, 'b.fram'));
    expect((await drive(runCli('trust', 'add', join(dir, 'k.pub'), ...link, '--require-signed'))).code).toBe(0);
    const refused = await drive(runCli('bootcfg', 'set', ...link, '--order', 'can'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('requires an authenticated BOOTCFG_SET');
    expect((await drive(runCli('bootcfg', 'get', ...link))).stdout).toContain('(none stored: the defaults)');
    const ok = await drive(runCli('bootcfg', 'set', ...link, '--order', 'can', '--key', join(dir, 'k.pem')));
    expect(ok.code, ok.stderr).toBe(0);
    expect((await drive(runCli('bootcfg', 'get', ...link))).stdout).toContain('  order              can\n');
  });

  it('a --host-preload that is not a directory and a --sd that does not exist exit 2 before anything is opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-boot-'));
    const file = join(dir, 'x.hxe');
    hxe(file, 'x', 64);
    const link = ['--link', `emulator:uart@1000000,pair=never${++pairs}`];
    const a = await drive(runCli('target', ...link, '--fram', join(dir, 'b.fram'), '--host-preload', file));
    expect(a.code).toBe(2);
    expect(a.stderr).toContain(`--host-preload "${file}" is not a directory`);
    const b = await drive(runCli('target', ...link, '--fram', join(dir, 'b.fram'), '--sd', join(dir, 'nope.img')));
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/\[file_unreadable\]: cannot read SD card ".*nope\.img": no such file or directory/);
  });

  it('a --sd FIFO or a file that is no FAT volume is refused at start-up as sd check refuses it (same code), exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-boot-'));
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const notFat = join(dir, 'notes.img');
    writeFileSync(notFat, 'x'.repeat(4096));
    for (const [card, code] of [[fifo, 'file_not_regular'], [notFat, 'sd_fat_boot']] as const) {
      const check = await drive(runCli('sd', 'check', card));
      expect(check.stderr).toContain(`[${code}]`);
      const link = ['--link', `emulator:uart@1000000,pair=never${++pairs}`];
      const r = await drive(runCli('target', ...link, '--fram', join(dir, 'b.fram'), '--sd', card));
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`[${code}]`);
    }
  });
});
