/**
 * `hilbridge flash --capture` as users run it (the real program, in process,
 * virtual time) against `hilbridge target` over emulator pairs, on CAN and on
 * a UART: the capture holds both directions as the wire carried them, and
 * `hilbridge decode` reads it back into the session's messages. Also when the
 * flash is interrupted: the capture is complete up to the Ctrl-C.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { interruptFlashes } from '../../src/cli/commands/flash.js';
import { stopTargets } from '../../src/cli/commands/target.js';
import { writeHxe } from '../../src/hxe/writer.js';
import { drive, jsonLines, mark, outputMatches, runCli, startTargetCli, useVirtualTime } from './cli-harness.js';

let pairs = 0;

function imageFile(dir: string, codeBytes: number): string {
  const code = new Uint8Array(codeBytes).map((_, i) => (i * 13 + 5) & 0xff);
  const path = join(dir, 'cap.hxe');
  writeFileSync(path, writeHxe({ code, entry: 0, reqCaps: 0, appName: 'capture', values: [], commands: [], mailboxes: [] }));
  return path;
}

async function startTarget(dir: string, link: string[], node: string[]): Promise<void> {
  await startTargetCli([...link, ...node], join(dir, 'b.fram'));
}

/** The message names decode finds in `file`, in order, with adjacent repeats collapsed ("DATA..."). */
async function decodedNames(file: string): Promise<{ names: string[]; objs: Record<string, unknown>[] }> {
  const r = await drive(runCli('decode', file, '--json'));
  expect(r.code).toBe(0);
  const objs = jsonLines(r.stdout);
  const names: string[] = [];
  for (const o of objs) if (o.event === 'message' && names.at(-1) !== o.message) names.push(o.message as string);
  return { names, objs };
}

useVirtualTime();
afterEach(() => stopTargets.next('test over'));

describe('flash --capture', () => {
  it('CAN: candump -l lines with T/R; decode shows HELLO, INFO, BEGIN, DATA..., END, DONE, both directions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-capture-'));
    const link = ['--link', `emulator:can@1000000,pair=c${++pairs}`];
    await startTarget(dir, link, ['--node', '5']);
    const file = join(dir, 'flash.log');
    const r = await drive(runCli('flash', imageFile(dir, 3000), ...link, '--node', '5', '--capture', file, '--json'));
    expect(r.code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o644 & ~process.umask());
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^\(\d+\.\d{6}\) emulator_\(host_end\) 4A0#48420101000A0000 T$/); // HELLO's first segment, host to node 5
    expect(lines.some((l) => / 0A0#484201020[0-9A-F]{3}0100 R$/.test(l))).toBe(true); // INFO's first segment, node 5 to host
    const { names, objs } = await decodedNames(file);
    expect(names.filter((n) => !n.startsWith('SIGS')).slice(0, 3)).toEqual(['HELLO', 'INFO', 'BEGIN']); // SIGS/SIGS_INFO: the board's codecs (docs/protocol.md 9)
    expect(names).toEqual(expect.arrayContaining(['SESSION', 'DATA', 'ACK', 'END', 'DONE', 'STATUS', 'STATUS_INFO']));
    expect(names.indexOf('DATA')).toBeLessThan(names.indexOf('DONE'));
    expect(objs.find((o) => o.message === 'HELLO')).toMatchObject({ node: 5, direction: 'toTarget', wire: 'TX', idFormat: 'std' });
    expect(objs.find((o) => o.message === 'DONE')).toMatchObject({ node: 5, direction: 'toHost', wire: 'RX' });
    const summary = objs.at(-1)!;
    expect(summary).toMatchObject({ event: 'summary', canFrames: lines.length, notes: { crc_error: 0, lost_segment: 0 }, foreignFrames: 0, unparsedLines: 0, incomplete: 0 });
  });

  it('CAN FD, 29-bit identifiers: ##0 lines that decode to the whole session', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-capture-'));
    const link = ['--link', `emulator:canfd@2000000,pair=c${++pairs}`, '--ext'];
    await startTarget(dir, link, ['--node', '200']);
    const file = join(dir, 'fd.log');
    const r = await drive(runCli('flash', imageFile(dir, 3000), ...link, '--node', '200', '--capture', file));
    expect(r.code).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^\(\d+\.\d{6}\) \S+ 1BE40000##048420101000A0000[0-9A-F]+ T$/);
    const { names, objs } = await decodedNames(file);
    expect(names).toEqual(expect.arrayContaining(['HELLO', 'INFO', 'BEGIN', 'DATA', 'ACK', 'END', 'DONE']));
    expect(objs.find((o) => o.message === 'DONE')).toMatchObject({ node: 200, idFormat: 'ext', direction: 'toHost', wire: 'RX' });
    expect(objs.at(-1)).toMatchObject({ event: 'summary', canFrames: lines.length, foreignFrames: 0, unparsedLines: 0, incomplete: 0 });
  });

  it('UART: byte lines per direction; decode shows HELLO, BEGIN, DATA..., DONE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-capture-'));
    const link = ['--link', `emulator:uart@2000000,pair=u${++pairs}`];
    await startTarget(dir, link, []);
    const file = join(dir, 'flash.log');
    const r = await drive(runCli('flash', imageFile(dir, 6000), ...link, '--capture', file, '--no-delta', '--no-compress')); // DATA frames, as plain flashes send
    expect(r.code).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.every((l) => /^\(\d+\.\d{6}\) emulator_\(host_end\) (TX|RX) ([0-9a-f]{2}){1,256}$/.test(l))).toBe(true);
    expect(lines.some((l) => / RX /.test(l)) && lines.some((l) => / TX /.test(l))).toBe(true);
    const { names, objs } = await decodedNames(file);
    expect(names.filter((n) => !n.startsWith('SIGS')).slice(0, 3)).toEqual(['HELLO', 'INFO', 'BEGIN']); // DATA follows BEGIN without waiting for SESSION
    expect(names).toEqual(expect.arrayContaining(['SESSION', 'DATA', 'ACK', 'END', 'DONE']));
    expect(objs.find((o) => o.message === 'INFO')).toMatchObject({ node: null, idFormat: null, direction: 'toHost', wire: 'RX' });
    const data = objs.filter((o) => o.message === 'DATA').map((o) => (o.fields as { end: number }).end);
    expect(Math.max(...data)).toBe(statSync(join(dir, 'cap.hxe')).size);
    expect(objs.at(-1)).toMatchObject({ event: 'summary', canFrames: 0, byteLines: lines.length, notes: { crc_error: 0, bad_frame: 0 }, unparsedLines: 0, incomplete: 0 });
    const text = await drive(runCli('decode', file));
    expect(text.stdout).toMatch(/^\d+\.\d{6} emulator_\(host_end\) TX host>node HELLO session=0 seq=\d+ version=1 /m);
  });

  it('Ctrl-C mid-transfer: exit 130 and the capture holds every frame up to the stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-capture-'));
    const link = ['--link', `emulator:uart@1000000,pair=u${++pairs}`];
    await startTarget(dir, link, []);
    const file = join(dir, 'stopped.log');
    const since = mark();
    const run = runCli('flash', imageFile(dir, 60_000), ...link, '--capture', file, '--json');
    await drive(outputMatches(/"event":"progress","heldBytes":[1-9]/, since));
    interruptFlashes.next('SIGINT');
    const r = await drive(run);
    expect(r.code).toBe(130);
    const held = jsonLines(r.stdout).filter((o) => o.event === 'result').at(-1)!.bytes as number;
    const { names, objs } = await decodedNames(file);
    expect(names.filter((n) => !n.startsWith('SIGS')).slice(0, 3)).toEqual(['HELLO', 'INFO', 'BEGIN']); // SIGS/SIGS_INFO: the board's codecs (docs/protocol.md 9)
    expect(names).not.toContain('DONE');
    // every byte the board acknowledged went out as DATA in the capture, and the ACK saying so came back into it
    const acked = objs.filter((o) => o.message === 'ACK').map((o) => (o.fields as { cumulative: number }).cumulative);
    expect(Math.max(...acked)).toBeGreaterThanOrEqual(held);
  });

  it('an existing file is replaced only when it is empty or a capture; a path that cannot be created exits 2 before the link', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-capture-'));
    const img = imageFile(dir, 100);
    const r = await drive(runCli('flash', img, '--link', 'emulator', '--timeout', '20', '--capture', img));
    expect(r).toMatchObject({ code: 2, stderr: expect.stringContaining(`[file_exists]: capture "${img}" exists and is not a capture`) as unknown });
    expect(readFileSync(img).subarray(0, 4).toString('latin1')).toBe('HSXE');
    const missing = await drive(runCli('flash', img, '--link', 'emulator', '--timeout', '20', '--capture', join(dir, 'no/such/dir.log'), '--json'));
    expect(missing.code).toBe(2);
    expect(jsonLines(missing.stdout).at(-1)).toMatchObject({ event: 'result', ok: false, error: { code: 'file_unwritable' } });
    const old = join(dir, 'old.log');
    writeFileSync(old, '(1.000000) vcan0 123#11\n');
    const silent = await drive(runCli('flash', img, '--link', 'emulator', '--timeout', '20', '--capture', old));
    expect(silent.code).toBe(3); // nobody answers; the old capture was replaced by this run's HELLOs
    const replaced = readFileSync(old, 'utf8').trim().split('\n');
    expect(replaced.length).toBeGreaterThan(1);
    expect(replaced.every((l) => / TX /.test(l))).toBe(true);
  });
});
