/**
 * `hilbridge discover` through the real program, in virtual time: several
 * `hilbridge target` processes' worth of boards (in this process, each on its
 * own node of one in-process emulator bus, canbus:<name>) answer discovery
 * with no extra flags; bare virtual boards without a node id get one with
 * --assign; a node id held twice is reported.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualBoard } from '../../src/board/board.js';
import { boardDiscovery } from '../../src/board/board-discovery.js';
import { stopTargets } from '../../src/cli/commands/target.js';
import { parseJsonLine } from '../../src/cli/json/index.js';
import { serveDiscovery } from '../../src/protocol/engine/discover-target.js';
import { transports } from '../../src/transports/registry.js';
import type { CanTransport } from '../../src/transports/types.js';
import { drive, jsonLines, runCli, startTargetCli, useVirtualTime } from './cli-harness.js';

useVirtualTime();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  stopTargets.next('test over');
  for (const c of cleanups.splice(0)) await c();
});

/** A virtual board with no node id on the bus, answering discovery only. */
async function bareBoard(bus: string): Promise<VirtualBoard> {
  const board = VirtualBoard.open({ fram: { size: 64 * 1024 } });
  const { transport } = await transports.open(`canbus:${bus}`);
  const responder = serveDiscovery(transport as CanTransport, boardDiscovery(board));
  cleanups.push(async () => {
    responder.close();
    board.close();
    await transport.close();
  });
  return board;
}

describe('hilbridge discover', () => {
  it('finds targets on the bus with no extra flags; --assign gives the free ids to the nodes without one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-discover-'));
    for (const node of [1, 2, 4]) await startTargetCli(['--link', 'canbus:d1', '--node', String(node)], join(dir, `n${node}.fram`));
    const bare = [await bareBoard('d1'), await bareBoard('d1')];
    const r = await drive(runCli('discover', '--link', 'canbus:d1', '--json'));
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    for (const l of lines) parseJsonLine(l); // every line fits its schema
    const nodes = lines.filter((l) => l.event === 'node');
    expect(nodes.map((n) => n.nodeId)).toEqual([1, 2, 4, null, null]);
    expect(nodes[0]).toMatchObject({ protocolVersion: 1, state: 'IDLE', imageKind: 'none', imageSha256: null });
    expect(lines.at(-1)).toMatchObject({ event: 'discovery', ok: true, nodes: 5, stable: true, conflicts: [] });

    const a = await drive(runCli('discover', '--link', 'canbus:d1', '--assign', '--json'));
    expect(a.code).toBe(0);
    const assigned = jsonLines(a.stdout).filter((l) => l.event === 'assigned');
    expect(assigned.map((l) => [l.result, l.nodeId])).toEqual([['ok', 3], ['ok', 5]]);
    expect(bare.map((b) => b.fram.settings().canNodeId).sort()).toEqual([3, 5]);

    const text = await drive(runCli('discover', '--link', 'canbus:d1'));
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^NODE +HARDWARE ID +PROTO +CAPS +STATE +IMAGE +VERSION +SHA256$/m);
    expect(text.stdout).toMatch(/^5 nodes in \d+ rounds, \d+ ms$/m);
    expect(text.stdout.split('\n').filter((l) => /^[1-5] +[0-9a-f]{32} /.test(l))).toHaveLength(5);
  });

  it('reports a node id held by two nodes and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-discover-'));
    await startTargetCli(['--link', 'canbus:d2', '--node', '7'], join(dir, 'a.fram'));
    await startTargetCli(['--link', 'canbus:d2', '--node', '7'], join(dir, 'b.fram'));
    const r = await drive(runCli('discover', '--link', 'canbus:d2'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^node id 7 is held by 2 nodes: [0-9a-f]{32}, [0-9a-f]{32}; re-assign all but one$/m);
  });

  it('refuses a link that is not a CAN bus, and no link at all (exit 2)', async () => {
    const r = await drive(runCli('discover', '--link', 'uart:/dev/null'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/discover needs a CAN bus/);
    expect((await drive(runCli('discover'))).code).toBe(2);
  });
});
