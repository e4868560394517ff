/**
 * HIL on vcan0: `hilbridge target` boards and `hilbridge flash` / `status` /
 * `confirm` / `decode` as separate processes through the kernel's SocketCAN
 * stack (native vcan, or the UML guest of hil/with-vcan). One board; two
 * boards on one bus flashed in parallel; a flash while cangen floods the bus
 * with foreign frames (some on the board's own identifiers); a candump
 * capture of a flash decoded by `hilbridge decode`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packImage } from './images.js';
import type { Image } from './images.js';
import { describeProc, killAll, resultOf, runCli, startProcess, startTarget, statusOf } from './procs.js';
import type { CliProc } from './procs.js';

const IFACE = 'vcan0';
const vcan = existsSync(`/sys/class/net/${IFACE}`);
if (!vcan) process.stderr.write(`HIL: ${IFACE} does not exist: the vcan0 scenarios are skipped (run them under hil/with-vcan, e.g. npm run test:hil)\n`);

let dir = '';
const img: Record<'a' | 'b', Image> = {} as Record<'a' | 'b', Image>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hil-vcan-'));
  // 33 KB each: ~130 DATA chunks of 256 bytes, ~4300 classic frames per flash
  img.a = await packImage(dir, 'can_a', 32_768, 0, 21);
  img.b = await packImage(dir, 'can_b', 28_672, 2_000, 22);
});
afterEach(async () => {
  await killAll();
  boards.clear();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const can = (node: number): string[] => ['--can', IFACE, '--node', String(node)];

/** The boards started in this test, so a failed flash can show what its board said. */
const boards = new Map<number, CliProc>();

async function board(node: number): Promise<void> {
  const { proc } = await startTarget([...can(node), '--fram', join(dir, `n${node}-${Date.now()}.fram`)]);
  boards.set(node, proc);
}

async function flashOk(image: Image, node: number, extra: readonly string[] = []): Promise<Record<string, unknown>> {
  const r = await runCli(['flash', image.path, ...can(node), ...extra, '--json']);
  const boardSaid = boards.has(node) ? `\n--- board ${describeProc(boards.get(node)!)}` : '';
  expect(r.code, r.stdout + r.stderr + boardSaid).toBe(0);
  const result = resultOf(r);
  expect(result).toMatchObject({ ok: true, bytes: image.size });
  expect(r.json.find((o) => o.event === 'done')).toMatchObject({ size: image.size, sha256: image.sha256 });
  return result;
}

async function expectRuns(node: number, image: Image): Promise<void> {
  expect(await statusOf(can(node))).toMatchObject({ state: 'READY', active: { appName: image.appName, size: image.size, sha256: image.sha256 } });
}

describe.skipIf(!vcan)(`hilbridge target and flash as processes on ${IFACE}`, () => {
  it('one board on node 5: flash, status shows the image (sha256 of the file), confirm', async () => {
    await board(5);
    await flashOk(img.a, 5);
    await expectRuns(5, img.a);
    expect((await runCli(['confirm', ...can(5)])).code).toBe(0);
    expect(await statusOf(can(5))).toMatchObject({ trial: false, active: { sha256: img.a.sha256 } });
  });

  it('two boards (nodes 5 and 6) on one bus, flashed in parallel with different images: each runs its own', async () => {
    await Promise.all([board(5), board(6)]);
    await Promise.all([flashOk(img.a, 5), flashOk(img.b, 6)]);
    await expectRuns(5, img.a);
    await expectRuns(6, img.b);
  });

  it('cangen floods the bus with random frames (and frames on the board\'s own identifiers) during the flash: still bit-exact', async () => {
    await board(5);
    // random 11-bit ids every ms (3 % of them node 5's or node 6's), plus node 5's first-segment id 0x4A0 with random data every 20 ms
    const noise = startProcess('cangen', [IFACE, '-g', '1', '-I', 'r', '-L', 'r', '-D', 'r', '-p', '10']);
    const collide = startProcess('cangen', [IFACE, '-g', '20', '-I', '4A0', '-L', '8', '-D', 'r', '-p', '10']);
    const result = await flashOk(img.a, 5);
    expect(noise.stderr()).toBe('');
    await expectRuns(5, img.a);
    expect(await statusOf(can(5))).toMatchObject({ session: null });
    // both generators ran for the whole flash
    for (const p of [noise, collide]) expect(await Promise.race([p.exited.then(() => 'exited'), Promise.resolve('running')])).toBe('running');
    expect(result.transferMs).toBeGreaterThan(0);
  });

  it('a candump capture of a flash decodes: DATA for node 5 covers the image, the summary adds up', async () => {
    await board(5);
    const capture = join(dir, 'flash.log');
    const dump = startProcess('sh', ['-c', `exec candump -L -r 8388608 ${IFACE} > ${capture}`]);
    // plain DATA only: this checks how DATA decodes (XDATA's decoding is checked in test/unit/protocol)
    await flashOk(img.b, 5, ['--no-delta', '--no-compress']);
    await dump.kill9();
    const lines = readFileSync(capture, 'utf8').split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThan(img.b.size / 8);
    const r = await runCli(['decode', capture, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = r.json.at(-1) as { event: string; canFrames: number; messages: number; foreignFrames: number; unparsedLines: number; lines: number };
    expect(summary).toMatchObject({ event: 'summary', canFrames: lines.length, foreignFrames: 0, unparsedLines: 0 });
    const messages = r.json.filter((o) => o.event === 'message') as { node: number; direction: string; message: string; fields: Record<string, number> }[];
    expect(summary.messages).toBe(messages.length);
    expect(new Set(messages.map((m) => m.node))).toEqual(new Set([5]));
    const data = messages.filter((m) => m.message === 'DATA');
    expect(data.every((m) => m.direction === 'toTarget')).toBe(true);
    expect(data.length).toBeGreaterThanOrEqual(Math.ceil(img.b.size / 256));
    // the union of DATA [offset, offset + length) is exactly [0, size)
    const ranges = data.map((m) => [m.fields.offset!, m.fields.offset! + m.fields.length!] as const).sort((x, y) => x[0] - y[0]);
    let covered = 0;
    for (const [start, end] of ranges) {
      expect(start).toBeLessThanOrEqual(covered);
      covered = Math.max(covered, end);
    }
    expect(covered).toBe(img.b.size);
    const kinds = new Set(messages.map((m) => m.message));
    for (const k of ['BEGIN', 'DATA', 'ACK', 'END', 'DONE']) expect(kinds, `${k} in ${[...kinds].join(',')}`).toContain(k);
  });
});
