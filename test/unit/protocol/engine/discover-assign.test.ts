import { describe, expect, it } from 'vitest';
import { GroupListener, discover, discoverWith } from '../../../../src/protocol/engine/discover.js';
import { assignNodeIds } from '../../../../src/protocol/engine/discover-assign.js';
import { discoveryBench, runUntil } from './discover-fixture.js';
import type { DiscoveryBench } from './discover-fixture.js';

async function discoverAndAssign(b: DiscoveryBench, drop: (hw: string) => boolean = () => false) {
  const listener = new GroupListener(b.host.transport, b.clock.scheduler);
  const found = await runUntil(b.clock, discoverWith(listener, { nonce: b.nonce }));
  const nodes = found.nodes.filter((n) => !drop(n.hardwareId));
  const outcomes = await runUntil(b.clock, assignNodeIds(listener, nodes));
  listener.close();
  return { found, outcomes };
}

describe('assigning node ids', () => {
  it('gives the lowest free ids, by hardware id, never one in use, and the boards keep them in FRAM', async () => {
    const b = discoveryBench({ boards: 8, seed: 3, nodeIds: (i) => (i === 0 ? 1 : i === 1 ? 3 : 0) });
    const { outcomes } = await discoverAndAssign(b);
    const sorted = b.boards.slice(2).map((x) => x.hardwareId).sort();
    expect(outcomes.map((o) => o.hardwareId)).toEqual(sorted);
    expect(outcomes.map((o) => [o.result, o.nodeId])).toEqual([2, 4, 5, 6, 7, 8].map((id) => ['ok', id]));
    for (const o of outcomes) {
      const board = b.boards.find((x) => x.hardwareId === o.hardwareId)!.board;
      expect(board.fram.settings().canNodeId).toBe(o.nodeId);
    }
    const again = await runUntil(b.clock, discover(b.host.transport, { scheduler: b.clock.scheduler, nonce: b.nonce }));
    expect(again.nodes.map((n) => n.nodeId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(again.conflicts).toEqual([]);
    await b.close();
  });

  it('a node refuses an id it heard another node hold; the host moves on to the next free id', async () => {
    // Board 0 holds id 1; the host "misses" it (left out of its list), so it asks the others for 1 first.
    const b = discoveryBench({ boards: 3, seed: 5, nodeIds: (i) => (i === 0 ? 1 : 0) });
    const holder = b.boards[0]!.hardwareId;
    const { outcomes } = await discoverAndAssign(b, (hw) => hw === holder);
    expect(outcomes).toHaveLength(2);
    const [first, second] = outcomes;
    expect(first!.asked).toEqual([1, 2]); // 1 refused as in use by board 0
    expect(first!.result).toBe('ok');
    expect(first!.nodeId).toBe(2);
    expect(second!.asked).toEqual([3]);
    expect(second!.nodeId).toBe(3);
    expect(b.boards.map((x) => x.board.fram.settings().canNodeId).sort()).toEqual([1, 2, 3]);
    await b.close();
  });

  it('with 5 % loss at every node, 16 boards get 16 unique ids (ASSIGN repeated until answered)', async () => {
    for (const seed of [1, 2, 3]) {
      const b = discoveryBench({ boards: 16, seed, loss: 0.05 });
      const { outcomes } = await discoverAndAssign(b);
      expect(outcomes.map((o) => o.result), `seed ${seed}`).toEqual(Array(16).fill('ok'));
      const ids = b.boards.map((x) => x.board.fram.settings().canNodeId).sort((x, y) => x - y);
      expect(ids, `seed ${seed}`).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
      await b.close();
    }
  }, 60_000);
});
