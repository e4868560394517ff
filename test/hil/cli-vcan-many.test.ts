/**
 * HIL, many boards on one bus: eight `hilbridge target` processes on vcan0,
 * found by one `hilbridge discover` (their replies serialised by the bus
 * through node-unique identifier bits, docs/protocol.md 3.5 and 4.7).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killAll, runCli, startTarget } from './procs.js';

const IFACE = 'vcan0';
const vcan = existsSync(`/sys/class/net/${IFACE}`);
const NODES = [11, 12, 13, 14, 15, 16, 17, 18];

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hil-many-'));
});
afterEach(async () => {
  await killAll();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!vcan)(`eight boards on ${IFACE}`, () => {
  it('hilbridge discover finds all eight, each with its node id and its own hardware id', async () => {
    // started one after another: under User-Mode Linux each process takes seconds to start
    for (const n of NODES) await startTarget(['--can', IFACE, '--node', String(n), '--fram', join(dir, `n${n}.fram`)]);
    const r = await runCli(['discover', '--can', IFACE, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const nodes = r.json.filter((o) => o.event === 'node') as { nodeId: number | null; hardwareId: string; state: string }[];
    expect(nodes.map((n) => n.nodeId).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(NODES);
    expect(new Set(nodes.map((n) => n.hardwareId)).size).toBe(NODES.length);
    expect(r.json.at(-1)).toMatchObject({ event: 'discovery', ok: true, nodes: NODES.length, stable: true, conflicts: [] });
  });
});
