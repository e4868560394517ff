/**
 * `hilbridge trust add|list` and flash against a board whose policy is
 * signed, as users run them (the real program, in process) against
 * `hilbridge target` on a FRAM file over an in-process emulator pair: add
 * writes an empty store, list shows it (JSON lines valid), a second add is
 * refused with auth_required (exit 1), and flash refuses an HXE image before
 * sending anything, with the board's own words.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stopTargets } from '../../src/cli/commands/target.js';
import { parseJsonLine } from '../../src/cli/json/index.js';
import { generateKeyPair } from '../../src/bundle/index.js';
import { writeHxe } from '../../src/hxe/writer.js';
import { toHex } from '../../src/util/hex.js';
import { drive, jsonLines, runCli, startTargetCli, useVirtualTime } from './cli-harness.js';

let pairs = 0;
const tempDir = (): string => mkdtempSync(join(tmpdir(), 'hilbridge-trust-'));

async function startTarget(fram: string): Promise<string[]> {
  const link = ['--link', `emulator:uart@2000000,pair=trust${++pairs}`];
  await startTargetCli(link, fram);
  return link;
}

useVirtualTime();
afterEach(() => stopTargets.next('test over'));

describe('hilbridge trust', () => {
  it('add provisions an empty store from a .pub file, list shows it; a second add is refused with auth_required', async () => {
    const dir = tempDir();
    const link = await startTarget(join(dir, 'board.fram'));
    const pair = generateKeyPair();
    writeFileSync(join(dir, 'k.pub'), pair.publicPem);
    const added = await drive(runCli('trust', 'add', join(dir, 'k.pub'), ...link, '--require-signed', '--vendor', 'acme', '--board-class', 'hsx-a', '--json'));
    expect(added.code).toBe(0);
    const a = jsonLines(added.stdout).find((o) => o.event === 'trust_added')!;
    expect(parseJsonLine(a)).toMatchObject({ keyId: pair.key.keyId, policy: 'signed', vendor: 'acme', boardClass: 'hsx-a', message: `key ${pair.key.keyId} added; image policy signed; vendor "acme", board class "hsx-a"` });

    const listed = await drive(runCli('trust', 'list', ...link, '--json'));
    expect(listed.code).toBe(0);
    const t = parseJsonLine(jsonLines(listed.stdout).find((o) => o.event === 'trust'));
    expect(t).toMatchObject({ event: 'trust', nodeId: 1, policy: 'signed', securityCounter: 0, vendor: 'acme', boardClass: 'hsx-a', keyIds: [pair.key.keyId], note: null });
    const human = await drive(runCli('trust', 'list', ...link));
    expect(human.stdout).toMatch(/image policy signed, security counter 0\n {2}vendor acme, board class hsx-a\n {2}key [0-9a-f]{16}\n/);

    // 64 hex characters work as well; the store is provisioned now
    const again = await drive(runCli('trust', 'add', toHex(generateKeyPair().key.raw), ...link));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('auth_required');
    expect(again.stderr).toContain('board 1 requires an authenticated TRUST_ADD: pass --key <file> or set HILBRIDGE_SIGNING_KEY');
  });

  it('a bad key or vendor is a usage error (exit 2) before the link opens', async () => {
    const bad = await drive(runCli('trust', 'add', 'ab'.repeat(31), '--link', 'emulator:uart@2000000,pair=never'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('public key file');
    const vendor = await drive(runCli('trust', 'add', toHex(generateKeyPair().key.raw), '--vendor', 'ACME!', '--link', 'emulator:uart@2000000,pair=never'));
    expect(vendor.code).toBe(2);
    expect(vendor.stderr).toContain('--vendor "ACME!"');
  });

  it('flash of an HXE image to a board whose policy is signed is refused before anything is sent, naming the board', async () => {
    const dir = tempDir();
    const link = await startTarget(join(dir, 'board.fram'));
    expect((await drive(runCli('trust', 'add', toHex(generateKeyPair().key.raw), ...link, '--require-signed'))).code).toBe(0);
    const hxe = join(dir, 'app.hxe');
    writeFileSync(hxe, writeHxe({ code: new Uint8Array(256).fill(7), entry: 0, reqCaps: 0, appName: 'app', values: [], commands: [], mailboxes: [] }));
    const run = await drive(runCli('flash', hxe, ...link, '--json'));
    expect(run.code).toBe(1);
    const res = jsonLines(run.stdout).find((o) => o.event === 'result');
    parseJsonLine(res);
    const err = res as { ok: boolean; bytes: number; error: { code: string; message: string } } | undefined;
    expect(err).toMatchObject({ ok: false, bytes: 0 });
    expect(err?.error.code).toBe('image_unsigned');
    expect(err?.error.message).toContain('board 1 requires signed images; this image is unsigned');
    expect(err?.error.message).toContain('nothing was sent');
    expect(jsonLines(run.stdout).some((o) => o.event === 'begun')).toBe(false);
  });
});
