/**
 * HIL, many boards on one bus: eight `hilbridge target` processes on vcan0,
 * found by one `hilbridge discover` (their replies serialised by the bus
 * through node-unique identifier bits, docs/protocol.md 3.5 and 4.7) and
 * provisioned by one broadcast session (`flash --nodes`), each checked by
 * `status` afterwards.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packImage } from './images.js';
import { describeProc, killAll, runCli, startTarget, statusOf } from './procs.js';
import type { CliProc } from './procs.js';

const IFACE = 'vcan0';
const vcan = existsSync(`/sys/class/net/${IFACE}`);
const NODES = [11, 12, 13, 14, 15, 16, 17, 18];

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hil-many-'));
});

/** Eight targets, one after another: under User-Mode Linux each process takes seconds to start. */
const boards: CliProc[] = [];
async function eightBoards(tag: string): Promise<void> {
  boards.length = 0;
  for (const n of NODES) boards.push((await startTarget(['--can', IFACE, '--node', String(n), '--fram', join(dir, `${tag}-n${n}.fram`)])).proc);
}
/** What every board process said: a failed session is explained by its boards as much as by its master. */
function boardsSaid(): string {
  return boards.map((b) => `\n--- board ${describeProc(b)}`).join('');
}
afterEach(async () => {
  await killAll();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!vcan)(`eight boards on ${IFACE}`, () => {
  it('hilbridge discover finds all eight, each with its node id and its own hardware id', async () => {
    await eightBoards('discover');
    const r = await runCli(['discover', '--can', IFACE, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const nodes = r.json.filter((o) => o.event === 'node') as { nodeId: number | null; hardwareId: string; state: string }[];
    expect(nodes.map((n) => n.nodeId).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(NODES);
    expect(new Set(nodes.map((n) => n.hardwareId)).size).toBe(NODES.length);
    expect(r.json.at(-1)).toMatchObject({ event: 'discovery', ok: true, nodes: NODES.length, stable: true, conflicts: [] });
  });

  it('one broadcast session (flash --nodes) provisions all eight; status on each shows the image', async () => {
    await eightBoards('bcast');
    const image = await packImage(dir, 'fleet', 16_384, 0, 31);
    const r = await runCli(['flash', image.path, '--can', IFACE, '--nodes', `${NODES[0]}-${NODES.at(-1)}`, '--json']);
    expect(r.code, r.stdout + r.stderr + boardsSaid()).toBe(0);
    const perNode = r.json.filter((o) => o.event === 'bcast_node');
    expect(perNode.map((o) => [o.node, o.result])).toEqual(NODES.map((n) => [n, 'ok']));
    expect(r.json.at(-1)).toMatchObject({ event: 'bcast_result', ok: true, nodes: NODES.length, okNodes: NODES.length, size: image.size, sha256: image.sha256 });
    for (const n of NODES) {
      expect(await statusOf(['--can', IFACE, '--node', String(n)])).toMatchObject({ active: { appName: image.appName, size: image.size, sha256: image.sha256 } });
    }
  }, 300_000); // 17 processes under User-Mode Linux: about 100 s on a busy machine
});
