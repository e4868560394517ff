/** `flash --nodes` parsing and the per-node table (src/cli/flash-nodes.ts). */
import { describe, expect, it } from 'vitest';
import { nodesTable, parseNodes } from '../../../src/cli/flash-nodes.js';

describe('parseNodes', () => {
  it('ids, ranges and all', () => {
    expect(parseNodes('3')).toEqual([3]);
    expect(parseNodes('1,2,5')).toEqual([1, 2, 5]);
    expect(parseNodes('1-4, 9, 3')).toEqual([1, 2, 3, 4, 9]);
    expect(parseNodes('all')).toBe('all');
  });

  it.each(['', '0', '1-255', '5-3', 'a', '1,,2', '1-'])('refuses "%s" naming --nodes', (text) => {
    expect(() => parseNodes(text)).toThrow(/--nodes/);
  });
});

describe('nodesTable', () => {
  it('one row per node, the error last, a summary line', () => {
    const text = nodesTable({
      session: 7, ok: false, timeMs: 900, counters: { dataFrames: 10, repairFrames: 2, announceFrames: 8, ctrlFrames: 4, replies: 6, repairPasses: 1 },
      nodes: [
        { node: 1, result: 'ok', bytesRepaired: 16, retries: 0, timeMs: 880, slot: 1 },
        { node: 12, result: 'refused', bytesRepaired: 0, retries: 1, timeMs: 40, error: { code: 'missing_capability', message: 'node 12: needs can' } },
      ],
    });
    expect(text.split('\n')).toEqual([
      'node  result   repaired  retries  time ms  error',
      '1     ok       16        0        880',
      '12    refused  0         1        40       missing_capability: node 12: needs can',
      '1 of 2 nodes ok in 900 ms (session 7, 2 repair frames, 1 repair passes)',
    ]);
  });
});
