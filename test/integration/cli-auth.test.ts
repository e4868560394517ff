/**
 * Authenticated commands as users run them (the real program, in process,
 * against `hilbridge target` on a FRAM file over an in-process emulator
 * pair): under `signed`, rollback without a key is refused and says what to
 * do; a whole session with the key (flash twice with --capture and --json,
 * rollback, status --audit) works; and no output, event, capture or error of
 * it holds the private key (its PEM body or its hex seed).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stopTargets } from '../../src/cli/commands/target.js';
import { parseJsonLine } from '../../src/cli/json/index.js';
import { buildBundle, generateKeyPair } from '../../src/bundle/index.js';
import { writeHxe } from '../../src/hxe/writer.js';
import { drive, jsonLines, runCli, startTargetCli, useVirtualTime } from './cli-harness.js';

useVirtualTime();
afterEach(() => {
  stopTargets.next('test over');
  delete process.env.HILBRIDGE_SIGNING_KEY;
});

function bundleFile(dir: string, name: string, key: ReturnType<typeof generateKeyPair>['key'], fill: number): string {
  const hxe = writeHxe({ code: new Uint8Array(1024).fill(fill), entry: 0, reqCaps: 0, appName: name, values: [], commands: [], mailboxes: [] });
  const path = join(dir, `${name}.bundle`);
  writeFileSync(path, buildBundle([{ kind: 'hxe', bytes: hxe }], { name, securityCounter: 1, signer: key }).bytes);
  return path;
}

describe('authenticated commands from the CLI', () => {
  it('a signed session works with --key and the environment; nothing it prints, records or captures holds the private key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-auth-'));
    const pair = generateKeyPair();
    const pemBody = pair.privatePem.split('\n').filter((l) => l !== '' && !l.startsWith('-----')).join('');
    const seed = Buffer.from(pemBody, 'base64').subarray(-32).toString('hex');
    const secrets = [pemBody, seed, ...pemBody.match(/.{24}/g)!, seed.toUpperCase()];
    writeFileSync(join(dir, 'k.pem'), pair.privatePem);
    writeFileSync(join(dir, 'k.pub'), pair.publicPem);
    const link = ['--link', 'emulator:uart@2000000,pair=auth1'];
    const target = await startTargetCli(link, join(dir, 'board.fram'));
    const runs = [];

    runs.push(await drive(runCli('trust', 'add', join(dir, 'k.pub'), ...link, '--require-signed', '--json')));
    const capture1 = join(dir, 'one.log');
    const capture2 = join(dir, 'two.log');
    runs.push(await drive(runCli('flash', bundleFile(dir, 'one', pair.key, 1), ...link, '--key', join(dir, 'k.pem'), '--confirm', '--capture', capture1, '--json')));
    runs.push(await drive(runCli('flash', bundleFile(dir, 'two', pair.key, 2), ...link, '--key', join(dir, 'k.pem'), '--confirm', '--capture', capture2, '--json')));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);

    // without a key: refused, saying what to do; nothing changed
    const bare = await drive(runCli('rollback', ...link));
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain('board 1 requires an authenticated ROLLBACK: pass --key <file> or set HILBRIDGE_SIGNING_KEY');
    runs.push(bare);

    // the key from the environment (the PEM text)
    process.env.HILBRIDGE_SIGNING_KEY = pair.privatePem;
    const rb = await drive(runCli('rollback', ...link, '--json'));
    expect(rb.code, rb.stderr).toBe(0);
    expect(jsonLines(rb.stdout).find((o) => o.event === 'board_command')).toMatchObject({ command: 'rollback', message: 'rolled back: slot A (one) is active' });
    runs.push(rb);
    const text = await drive(runCli('confirm', ...link)); // text output, key from the environment
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('nothing to confirm');
    runs.push(text);
    delete process.env.HILBRIDGE_SIGNING_KEY;

    // a further key: refused without a key, added with one of the store
    const second = generateKeyPair();
    writeFileSync(join(dir, 'second.pub'), second.publicPem);
    const noKey = await drive(runCli('trust', 'add', join(dir, 'second.pub'), ...link));
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('board 1 requires an authenticated TRUST_ADD');
    const added = await drive(runCli('trust', 'add', join(dir, 'second.pub'), ...link, '--key', join(dir, 'k.pem'), '--json'));
    expect(added.code, added.stderr).toBe(0);
    expect(jsonLines(added.stdout).find((o) => o.event === 'trust_added')).toMatchObject({ keyId: second.key.keyId, policy: 'signed', message: `key ${second.key.keyId} added (2 keys); image policy signed` });
    runs.push(noKey, added);

    const st = await drive(runCli('status', ...link, '--audit', '--json'));
    expect(st.code).toBe(0);
    const audit = parseJsonLine(jsonLines(st.stdout).find((o) => o.event === 'audit'));
    expect(audit).toMatchObject({ event: 'audit', nodeId: 1 });
    const entries = (audit as { entries: { kind: string; command: string; code: string; keyId: string | null }[] }).entries;
    expect(entries.map((e) => `${e.kind} ${e.command} ${e.code}`)).toEqual([
      'trust_changed TRUST_ADD OK',
      'accepted BEGIN OK',
      'accepted CONFIRM OK',
      'accepted BEGIN OK',
      'accepted CONFIRM OK',
      'refused ROLLBACK auth_required',
      'accepted ROLLBACK OK',
      'accepted CONFIRM OK',
      'refused TRUST_ADD auth_required',
      'accepted TRUST_ADD OK',
      'trust_changed TRUST_ADD OK',
    ]);
    expect(entries.filter((e) => e.kind === 'accepted').every((e) => e.keyId === pair.key.keyId)).toBe(true);
    expect(entries.at(-1)?.keyId).toBe(second.key.keyId);
    const auditText = await drive(runCli('status', ...link, '--audit'));
    expect(auditText.stdout).toMatch(/audit trail {2}11 events, oldest first\n {2}#1 power-on 1 {2}trust_changed/);
    runs.push(st, auditText);
    for (const line of runs.flatMap((r) => jsonLines(r.stdout))) parseJsonLine(line);

    stopTargets.next('test over');
    const served = await drive(target.done);
    const everything = [...runs, served].map((r) => r.stdout + r.stderr).join('\n') + readFileSync(capture1, 'utf8') + readFileSync(capture2, 'utf8');
    expect(everything).toContain(pair.key.keyId); // the key id is public and shows
    for (const s of secrets) expect(everything.includes(s), `a secret (${s.length} characters) leaked`).toBe(false);
    // and the captures do not hold the seed's raw bytes either
    for (const file of [capture1, capture2]) expect(readFileSync(file).includes(Buffer.from(seed, 'hex'))).toBe(false);
    expect(readFileSync(capture2, 'utf8')).toMatch(/\S/);
  });
});
