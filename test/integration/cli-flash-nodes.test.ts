/**
 * `hilbridge flash --nodes` as users run it (the real program, in process):
 * a broadcast session over an in-process emulator CAN pair whose far end
 * carries three virtual boards with their broadcast listeners. The per-node
 * JSON lines (checked against the schemas), the table, the exit code (0 only
 * when every node is ok) and the usage errors.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualBoard } from '../../src/board/board.js';
import { listenBroadcast, type BcastListener } from '../../src/board/bcast-listener.js';
import { cliPairs } from '../../src/cli/link.js';
import { boardDiscovery } from '../../src/board/board-discovery.js';
import { serveDiscovery } from '../../src/protocol/engine/discover-target.js';
import { parseJsonLine } from '../../src/cli/json/index.js';
import { Capability } from '../../src/hxe/constants.js';
import { writeHxe } from '../../src/hxe/writer.js';
import { parseLinkSpec, transports } from '../../src/transports/registry.js';
import type { CanTransport } from '../../src/transports/types.js';
import { stopTargets } from '../../src/cli/commands/target.js';
import { drive, jsonLines, runCli, startTargetCli, useVirtualTime } from './cli-harness.js';
import { sha } from '../unit/board/helpers.js';

let pairs = 0;
const open: { listeners: BcastListener[]; boards: VirtualBoard[]; t: CanTransport }[] = [];

useVirtualTime();
afterEach(async () => {
  stopTargets.next('test over');
  for (const o of open.splice(0)) {
    for (const l of o.listeners) l.close();
    for (const b of o.boards) b.close();
    await o.t.close();
  }
});

/** Boards 1..3 listening on the far end of a new emulator CAN pair; board 3 lacks the CAN capability. Returns the --link. */
async function bus(): Promise<{ link: string[]; boards: VirtualBoard[]; t: CanTransport }> {
  const name = `bc${++pairs}`;
  const spec = parseLinkSpec(`emulator:can,pair=${name}`);
  const t = (await cliPairs.end(transports, spec, name, 'target')) as CanTransport;
  const boards = [1, 2, 3].map((node) => VirtualBoard.open({ fram: { memory: new Uint8Array(64 * 1024) }, nodeId: node, source: 'can_master', ...(node === 3 ? { capabilities: Capability.mailbox } : {}) }));
  const listeners = boards.map((b, i) => listenBroadcast(b, t, { node: i + 1 }));
  open.push({ listeners, boards, t });
  return { link: ['--link', spec.text], boards, t };
}

function imageFile(reqCaps: number): { path: string; bytes: Uint8Array } {
  const dir = mkdtempSync(join(tmpdir(), 'hilbridge-bcast-'));
  const code = new Uint8Array(3000).map((_, i) => (i * 7 + 3) & 0xff);
  const bytes = writeHxe({ code, entry: 0, reqCaps, appName: 'fleet', values: [], commands: [], mailboxes: [] });
  const path = join(dir, 'fleet.hxe');
  writeFileSync(path, bytes);
  return { path, bytes };
}

const active = (b: VirtualBoard): string | null => {
  const r = b.report();
  return r.slots.find((s) => s.slot === r.active)?.sha256 ?? null;
};

describe('hilbridge flash --nodes', () => {
  it('--json: verified_locally, one bcast_node line per node, bcast_result last; exit 0 when every node is ok', async () => {
    const { link, boards } = await bus();
    const img = imageFile(0);
    const r = await drive(runCli('flash', img.path, ...link, '--nodes', '1-3', '--json'));
    expect(r.stderr).toBe('');
    const lines = jsonLines(r.stdout);
    for (const l of lines) parseJsonLine(l);
    expect(lines.map((l) => l.event)).toEqual(['verified_locally', 'bcast_node', 'bcast_node', 'bcast_node', 'bcast_result']);
    expect(lines.at(-1)).toMatchObject({ ok: true, nodes: 3, okNodes: 3, size: img.bytes.length, sha256: sha(img.bytes), allOrNone: false });
    expect(r.code).toBe(0);
    for (const b of boards) expect(active(b)).toBe(sha(img.bytes));
  });

  it('a refusing node: reported with its reason in the table, the others ok, exit 1', async () => {
    const { link, boards } = await bus();
    const img = imageFile(Capability.can);
    const r = await drive(runCli('flash', img.path, ...link, '--nodes', '1,2,3'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^node\s+result\s+repaired\s+retries\s+time ms\s+error$/m);
    expect(r.stdout).toMatch(/^3\s+refused\s+.*missing_capability: node 3: /m);
    expect(r.stdout).toMatch(/^2 of 3 nodes ok in \d+ ms/m);
    expect(active(boards[0]!)).toBe(sha(img.bytes));
    expect(active(boards[2]!)).toBeNull();
  });

  it('--all-or-none with a refusing node: nobody activates the image', async () => {
    const { link, boards } = await bus();
    const img = imageFile(Capability.can);
    const r = await drive(runCli('flash', img.path, ...link, '--nodes', '1-3', '--all-or-none', '--json'));
    expect(r.code).toBe(1);
    const nodes = jsonLines(r.stdout).filter((l) => l.event === 'bcast_node');
    expect(nodes.map((n) => n.result)).toEqual(['aborted', 'aborted', 'refused']);
    for (const b of boards) expect(active(b)).toBeNull();
  });

  it('`hilbridge target` on a CAN link listens for broadcast sessions too; status afterwards shows the image', async () => {
    const img = imageFile(0);
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-bcast-t-'));
    const link = ['--link', `emulator:can,pair=bt${++pairs}`];
    const t = await startTargetCli(link, join(dir, 'n7.fram'), ['--node', '7']);
    const r = await drive(runCli('flash', img.path, ...link, '--nodes', '7', '--json'));
    expect(jsonLines(r.stdout).at(-1)).toMatchObject({ event: 'bcast_result', ok: true, okNodes: 1 });
    const st = await drive(runCli('status', ...link, '--node', '7', '--json'));
    expect(st.stdout).toContain(sha(img.bytes));
    stopTargets.next('test over');
    expect((await drive(t.done)).code).toBe(0);
  });

  it('--nodes all: the nodes discovery finds (node ids 1..3) get the image', async () => {
    const { link, boards, t } = await bus();
    const responders = boards.map((b, i) => serveDiscovery(t, boardDiscovery(b, { nodeId: i + 1 })));
    const img = imageFile(0);
    const r = await drive(runCli('flash', img.path, ...link, '--nodes', 'all', '--json'));
    for (const x of responders) x.close();
    const nodes = jsonLines(r.stdout).filter((l) => l.event === 'bcast_node');
    expect(nodes.map((n) => [n.node, n.result])).toEqual([[1, 'ok'], [2, 'ok'], [3, 'ok']]);
    expect(r.code).toBe(0);
  });

  it('usage: --nodes with --node, a bad list, or with --resume exits 2 before the link', async () => {
    const img = imageFile(0);
    const both = await drive(runCli('flash', img.path, '--can', 'vcan9', '--node', '1', '--nodes', '1-3'));
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--node .* or --nodes/);
    const bad = await drive(runCli('flash', img.path, '--can', 'vcan9', '--nodes', '0-3'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--nodes "0-3"/);
    const resume = await drive(runCli('flash', img.path, '--can', 'vcan9', '--nodes', '1-3', '--resume'));
    expect(resume.code).toBe(2);
  });
});
