/**
 * `flash -` with a bundle piped on stdin, the CLI as a child process: the
 * spool takes a stream with the bundle magic (not only the HXE one), the
 * bundle is verified (here: signed by a key --pub does not trust, refused
 * before the link), and the temporary copy is gone afterwards.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildBundle, loadSigningKey } from '../../src/bundle/index.js';
import { writeHxe } from '../../src/hxe/writer.js';
import { toHex } from '../../src/util/hex.js';
import { cli } from './pty-pair.js';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

describe('flash - with a bundle', () => {
  it('reads the bundle from stdin, checks its signer against --pub before the link, and removes its copy', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'hilbridge-flash-stdin-'));
    cleanup.push(() => rmSync(tmp, { recursive: true, force: true }));
    const signer = loadSigningKey('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'test seed');
    const other = loadSigningKey('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', 'other seed');
    const app = writeHxe({ code: new Uint8Array(256), entry: 0, reqCaps: 0, appName: 'piped', values: [], commands: [], mailboxes: [] });
    const { bytes } = buildBundle([{ kind: 'hxe', bytes: app }], { signer });
    const flash = cli(['flash', '-', '--link', 'emulator', '--timeout', '20', '--pub', toHex(other.raw)], { TMPDIR: tmp });
    cleanup.push(() => flash.proc.kill('SIGKILL'));
    flash.proc.stdin?.end(bytes);
    const { code } = await flash.exited;
    expect(flash.stderr).toMatch(/error \[unknown_key\]: .*/);
    expect(flash.stderr).toContain(signer.keyId);
    expect(code).toBe(1);
    expect(readdirSync(tmp).filter((n) => n.startsWith('hilbridge-'))).toEqual([]);
  }, 60_000);
});
