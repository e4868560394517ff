/**
 * HIL, delta transfers between processes (docs/protocol.md section 9): a
 * board runs version 1 of an image; `hilbridge flash` of version 2 (three
 * small edits and a block inserted near the start, so later content moves)
 * learns what the board holds from its block signatures and sends only the
 * rest; the board copies the rest from its active slot, verifies the whole
 * image and runs version 2. Over a socat pty pair and over vcan0.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packCode, seededCode } from './images.js';
import type { Image } from './images.js';
import { describeProc, killAll, resultOf, runCli, startTarget, statusOf } from './procs.js';
import type { CliProc } from './procs.js';
import { has, startPtyPair } from './pty-pair.js';
import type { PtyPair } from './pty-pair.js';

const IFACE = 'vcan0';
const CODE = 60_000;
let dir = '';
let v1: Image;
let v2: Image;
const cleanups: (() => Promise<void>)[] = [];

/** Version 2: 512 bytes inserted at 1 KiB (everything after moves), and three edits of 128 bytes. */
function edited(code: Uint8Array): Uint8Array {
  const out = new Uint8Array(code.length + 512);
  out.set(code.subarray(0, 1024), 0);
  out.fill(0x5a, 1024, 1536);
  out.set(code.subarray(1024), 1536);
  for (const at of [12_000, 31_000, 52_000]) out.fill(0xa5, at, at + 128);
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hil-delta-'));
  const code = seededCode(CODE, 41);
  v1 = await packCode(dir, 'delta_v1', 'delta_app', code);
  v2 = await packCode(dir, 'delta_v2', 'delta_app', edited(code));
});
afterEach(async () => {
  await killAll();
  for (const c of cleanups.splice(0)) await c();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Flash v1 and confirm it, then flash v2: the second transfer must be a delta that reuses most of v1. */
async function deltaOnto(board: CliProc, link: readonly string[], label: string): Promise<void> {
  const first = await runCli(['flash', v1.path, ...link, '--confirm', '--json']);
  expect(first.code, first.stdout + first.stderr + `\n--- board ${describeProc(board)}`).toBe(0);
  const r = await runCli(['flash', v2.path, ...link, '--json']);
  expect(r.code, r.stdout + r.stderr + `\n--- board ${describeProc(board)}`).toBe(0);
  const result = resultOf(r);
  process.stderr.write(`HIL delta (${label}): ${JSON.stringify({ bytes: v2.size, wireBytes: result.wireBytes, reusedBytes: result.reusedBytes, transferMs: result.transferMs })}\n`);
  expect(result).toMatchObject({ ok: true, bytes: v2.size });
  // random code does not compress: what travels is the edits, the inserted block and the signatures' block edges
  expect(result.reusedBytes as number).toBeGreaterThan(0.85 * v2.size);
  expect(result.wireBytes as number).toBeLessThan(0.15 * v2.size);
  expect(r.json.find((o) => o.event === 'done')).toMatchObject({ size: v2.size, sha256: v2.sha256 });
  expect(await statusOf(link)).toMatchObject({ trial: true, active: { appName: v2.appName, size: v2.size, sha256: v2.sha256 } });
}

describe.skipIf(!has('socat'))('delta transfer over a socat pty pair', () => {
  it('version 2 of a 60 KB image: the board reuses what it runs, verifies, and runs version 2', async () => {
    const pty: PtyPair = await startPtyPair();
    cleanups.push(() => pty.stop());
    const { proc } = await startTarget(['--uart', pty.a, '--fram', join(dir, 'uart.fram'), '--fram-size', String(512 * 1024)]);
    await deltaOnto(proc, ['--uart', pty.b], 'pty');
  });
});

describe.skipIf(!existsSync(`/sys/class/net/${IFACE}`))(`delta transfer on ${IFACE}`, () => {
  it('version 2 of a 60 KB image to node 9: the board reuses what it runs, verifies, and runs version 2', async () => {
    const { proc } = await startTarget(['--can', IFACE, '--node', '9', '--fram', join(dir, 'can.fram'), '--fram-size', String(512 * 1024)]);
    await deltaOnto(proc, ['--can', IFACE, '--node', '9'], IFACE);
  });
});
